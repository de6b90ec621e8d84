"""Find order and tracking numbers in what customers write, and link the matching Orders to cases.

Customers paste their order number in a DM, or (against advice) in a public tweet; either way the
agent should see the order on the case without searching the shop. Patterns are configurable per
store (``ORDER_NUMBER_PATTERNS``; ``"*"`` applies to every store) and for carriers
(``TRACKING_NUMBER_PATTERNS``). Matching is set-based: one query for all texts of an ingest page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.db.bulk import AnyOf
from crm_twitter.models import Case, CaseEvent, Order

ANY_STORE = "*"


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


# What customers really type around numbers on X (see tests/x_reality/test_order_numbers.py):
# URLs (t.co links, status links with 19-digit tweet ids, shop links) and @handles are not order
# numbers; phone numbers and dates are not either; full-width digits from CJK keyboards are.
_URL = re.compile(r"(?:https?://|www\.)\S+|\b(?:t\.co|x\.com|twitter\.com|pic\.twitter\.com)/\S*", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@\w{1,15}")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK_ANY = re.compile(f"[{_CJK}]")
_CJK_EDGE = re.compile(f"(?<=[{_CJK}])(?=[0-9A-Za-z#])|(?<=[0-9A-Za-z])(?=[{_CJK}])")
_PHONE_BEFORE = re.compile(
    r"(?:\+\s*\(?\d{0,4}\)?[\s.-]*|\b(?:tel|phone|mobile|cell|call|whatsapp|telefon|teléfono|téléphone|"
    r"telefone|celular|handy|телефон|тел|номер телефона)\b[^\d\n]{0,6}|"
    r"(?:電話|电话|手机|手機|携帯|番号は?電話|전화|휴대폰|핸드폰|هاتف|جوال|موبايل|رقم الجوال)[^\d\n]{0,4})$",
    re.IGNORECASE,
)
# Words that announce an order number in the desk's ten languages (and a few neighbours').
_ORDER_WORDS = r"order|ord|pedido|commande|bestellung|ordine|encomenda|zamówienie|sipariş|заказ|заказа|номер заказа"
_ORDER_WORDS_CJK_AR = r"注文番号|注文|订单号?|訂單編?號?|订单编号|주문번호|주문|رقم الطلب|الطلب|طلب"
_ORDER_BEFORE = re.compile(
    rf"(?:#|\b(?:{_ORDER_WORDS})\b[^\d\n]{{0,12}}|(?:{_ORDER_WORDS_CJK_AR})[^\d\n]{{0,6}})$",
    re.IGNORECASE,
)
# "order 1234 5678", "#12 34 56 78": digit groups split by single spaces or dashes after an
# order word or "#", joined back into one candidate.
_SPLIT_AFTER_ORDER_WORD = re.compile(
    rf"(?:#|\b(?:{_ORDER_WORDS})\b[^\d\n]{{0,12}}|(?:{_ORDER_WORDS_CJK_AR})"
    r"[^\d\n]{0,6})((?:\d{2,6}[ \u00a0-]){1,4}\d{2,6})(?![\d\w])",
    re.IGNORECASE,
)


def text_for_matching(text: str) -> str:
    """The text as order matching reads it: NFKC (＃１２３４５６ → #123456), URLs and @handles blanked.

    Blanking (not deleting) keeps offsets and stops two numbers either side of a URL from fusing.
    """
    # "№" would become "No" under NFKC and fuse with the number's letters: it means "#".
    text = unicodedata.normalize("NFKC", (text or "").replace("№", "#"))
    # Each pattern only runs when the text has what it needs (a "/" or "www.", an "@", a CJK
    # character): most messages have no URL, and every message is read here.
    if "/" in text or "www." in text.lower():
        text = _URL.sub(_blank, text)
    if "@" in text:
        text = _HANDLE.sub(_blank, text)
    # The desk's own case references (CS-2026-000123) are never an order number.
    if "-" in text:
        text = _case_reference_pattern().sub(_blank, text)
    # CJK writers put no space between words and numbers (订单号12345678没收到): make a boundary.
    return _CJK_EDGE.sub(" ", text) if _CJK_ANY.search(text) else text


@lru_cache(maxsize=4)
def _reference_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(prefix)}-\d{{4}}-\d{{4,}}(?:-\d+)?(?![\w-])", re.IGNORECASE)


def _case_reference_pattern() -> re.Pattern[str]:
    return _reference_pattern(app_settings.CASE_REFERENCE_PREFIX)


def _blank(match: re.Match) -> str:
    return " " * len(match.group(0))


def _looks_like_date(value: str) -> bool:
    if len(value) != 8 or not value.isdigit():
        return False
    year, month, day = int(value[:4]), int(value[4:6]), int(value[6:])
    if 1990 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31:
        return True
    day, month, year = int(value[:2]), int(value[2:4]), int(value[4:])
    return 1990 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31


def _find(text: str, patterns: Iterable[str], *, order_context: bool = True) -> list[str]:
    return list(_find_cached(text or "", tuple(patterns), order_context))


# Ingest reads each message several times (privacy flag, then the page's order query, then each
# case's matches): the same text and patterns give the same numbers, so they are found once.
@lru_cache(maxsize=4096)
def _find_cached(text: str, patterns: tuple[str, ...], order_context: bool) -> tuple[str, ...]:
    text = text_for_matching(text)
    candidates: list[tuple[str, str]] = [(text, "")]
    if order_context:
        for match in _SPLIT_AFTER_ORDER_WORD.finditer(text):
            candidates.append(("#" + re.sub(r"[\s\u00a0-]", "", match.group(1)), "#"))
    found: list[str] = []
    for pattern in _compiled(tuple(patterns)):
        for blob, forced_context in candidates:
            for match in pattern.finditer(blob):
                value = next((g for g in match.groups() if g), None) or match.group(0)
                before = (
                    forced_context
                    or ("#" if match.group(0).startswith("#") else "")
                    or blob[max(0, match.start() - 24) : match.start()]
                )
                is_order_context = bool(_ORDER_BEFORE.search(before))
                if order_context and not is_order_context and (_PHONE_BEFORE.search(before) or _looks_like_date(value)):
                    continue
                value = value.upper()
                if value not in found:
                    found.append(value)
    return tuple(found)


def _store_patterns() -> dict[str, list[str]]:
    return {store: list(patterns) for store, patterns in (app_settings.ORDER_NUMBER_PATTERNS or {}).items()}


def order_numbers_find(text: str, *, store: str | None = None) -> list[str]:
    """Order-number candidates in ``text`` (upper-cased), for one store or for every configured store."""
    by_store = _store_patterns()
    patterns = list(by_store.get(ANY_STORE, []))
    if store is not None:
        patterns += by_store.get(store, [])
    else:
        for name, extra in by_store.items():
            if name != ANY_STORE:
                patterns += extra
    return _find(text, patterns)


def tracking_numbers_find(text: str) -> list[str]:
    """Carrier tracking-number candidates in ``text`` (upper-cased)."""
    return _find(text, app_settings.TRACKING_NUMBER_PATTERNS or [], order_context=False)


def _order_query(texts: Iterable[str]) -> Q | None:
    by_store = _store_patterns()
    generic: set[str] = set()
    per_store: dict[str, set[str]] = {}
    tracking: set[str] = set()
    for text in texts:
        if not text:
            continue
        generic.update(_find(text, by_store.get(ANY_STORE, [])))
        for store, patterns in by_store.items():
            if store != ANY_STORE:
                found = _find(text, patterns)
                if found:
                    per_store.setdefault(store, set()).update(found)
        tracking.update(tracking_numbers_find(text))
    # ``AnyOf``, not ``__in``: a page of messages names a hundred numbers, and ``__in`` prepares
    # and quotes each one (milliseconds of CPU a page); AnyOf sends one array on PostgreSQL.
    query = Q()
    if generic:
        query |= Q(AnyOf(F("number_upper"), sorted(generic)))
    for store, numbers in per_store.items():
        query |= Q(Q(store=store), AnyOf(F("number_upper"), sorted(numbers)))
    if tracking:
        query |= Q(AnyOf(F("tracking_number"), sorted(tracking)))
    return query if query.children else None


def orders_match(texts: Iterable[str]) -> list[Order]:
    """The Orders whose order number or tracking number appears in any of ``texts`` (one query)."""
    query = _order_query(texts)
    if query is None:
        return []
    return list(Order.objects.annotate(number_upper=Upper("order_number")).filter(query).order_by("id"))


def case_orders_match_many(*, texts_by_case: Mapping[int, Iterable[str]]) -> dict[int, list[Order]]:
    """For each case, the Orders its new messages mention (one query for all cases)."""
    texts_by_case = {case_id: [t for t in texts if t] for case_id, texts in texts_by_case.items()}
    orders = orders_match(t for texts in texts_by_case.values() for t in texts)
    if not orders:
        return {}
    result: dict[int, list[Order]] = {}
    for case_id, texts in texts_by_case.items():
        blob_numbers: set[str] = set()
        for text in texts:
            blob_numbers.update(order_numbers_find(text))
            blob_numbers.update(tracking_numbers_find(text))
        matched = [
            o
            for o in orders
            if o.order_number.upper() in blob_numbers
            or (o.tracking_number and o.tracking_number.upper() in blob_numbers)
        ]
        if matched:
            result[case_id] = matched
    return result


def case_orders_link_many(*, links: Mapping[int, Iterable[Order]], actor=None, message: str = "") -> int:
    """Link Orders to cases in bulk; each new link writes an ORDER_LINKED event. Returns new links.

    Links that already exist are left alone (no duplicate events), so re-ingesting a message is
    harmless. The order's customer is filled in from the case when the shop did not know it.
    """
    wanted = {(case_id, order.pk) for case_id, orders in links.items() for order in orders}
    if not wanted:
        return 0
    through = Case.orders.through
    case_ids = {c for c, _ in wanted}
    order_by_id = {o.pk: o for orders in links.values() for o in orders}
    with transaction.atomic():
        existing = set(
            through.objects.filter(case_id__in=case_ids, order_id__in=order_by_id).values_list("case_id", "order_id")
        )
        new = sorted(wanted - existing)
        if not new:
            return 0
        through.objects.bulk_create([through(case_id=c, order_id=o) for c, o in new], ignore_conflicts=True)
        now = timezone.now()
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(
                    case_id=c,
                    actor=actor,
                    kind=CaseEvent.Kind.ORDER_LINKED,
                    created_at=now,
                    message=message or f"Order {order_by_id[o].order_number} found in a message.",
                    data={
                        "order_id": o,
                        "order_number": order_by_id[o].order_number,
                        "store": order_by_id[o].store,
                        "automatic": actor is None,
                    },
                )
                for c, o in new
            ]
        )
        # Orders imported without a customer get the case's customer (one UPDATE per customer).
        orphan_ids = [o for _, o in new if order_by_id[o].customer_id is None]
        if orphan_ids:
            customers = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "customer_id"))
            by_customer: dict[int, list[int]] = {}
            for c, o in new:
                if o in orphan_ids:
                    by_customer.setdefault(customers[c], []).append(o)
            for customer_id, order_ids in by_customer.items():
                Order.objects.filter(pk__in=order_ids, customer__isnull=True).update(customer_id=customer_id)
    return len(new)
