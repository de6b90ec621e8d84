"""The privacy guard: find a customer's private data in a text before the desk posts it publicly.

A public reply that repeats an order number, tracking number, e-mail, phone number, payment
reference, card number or street address exposes the customer (and invites fraud), so compose
refuses it and offers a DM instead. The same finder flags customers who post their own details
publicly. Each finding says *what* was found, *where* (span) and *why* it is private, so the
agent sees exactly which part to move to the DM.

The guard must not cry wolf on ordinary replies: "order soon", dates (2026-11-28), times (14:30),
prices ($59.90), durations (48 hours) and our own case references and DM links pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from phonenumbers import Leniency, PhoneNumberMatcher

from crm_twitter.conf import app_settings


@dataclass(frozen=True)
class PrivateDataFinding:
    kind: str  # order_number, tracking_number, email, phone, payment_reference, card_number, address
    text: str
    start: int
    end: int
    explanation: str


KIND_LABELS = {
    "order_number": "an order number",
    "tracking_number": "a tracking number",
    "email": "an e-mail address",
    "phone": "a phone number",
    "payment_reference": "a payment reference",
    "card_number": "a card number",
    "address": "a street address",
}

_WHY = {
    "order_number": "an order number identifies the customer's purchase and lets anyone ask about it",
    "tracking_number": "a tracking number reveals where and to whom the parcel is delivered",
    "email": "an e-mail address is personal contact data",
    "phone": "a phone number is personal contact data",
    "payment_reference": "a payment reference identifies the customer's payment and can be misused for fraud",
    "card_number": "a payment card number must never be shared",
    "address": "a street address says where the customer lives",
}


def _explain(kind: str, text: str) -> str:
    return f"“{text}” looks like {KIND_LABELS[kind]}: {_WHY[kind]}. Share it by DM only."


# Ranks decide which finding wins when two overlap (a 16-digit Luhn number is a card, not a tracking
# number; "order 40001234" is an order, not a Brazilian phone number).
_RANK = {
    "card_number": 0,
    "email": 1,
    "payment_reference": 2,
    "known_order": 3,
    "tracking_number": 4,
    "phone_formatted": 5,
    "order_number": 6,
    "phone": 7,
    "tracking_generic": 8,
    "address": 9,
}

# --- masks: parts of our own texts that look like data but are not private ---------------------
_OWN_URL = re.compile(r"https?://(?:www\.)?(?:twitter\.com|x\.com|t\.co)/\S*", re.IGNORECASE)


def _case_reference_pattern() -> re.Pattern[str]:
    prefix = re.escape(app_settings.CASE_REFERENCE_PREFIX)
    return re.compile(rf"\b{prefix}-\d{{4}}-\d{{4,8}}\b")


def _mask(text: str) -> str:
    """Blank out X links (our DM deep link carries the brand's id) and case references."""
    for pattern in (_OWN_URL, _case_reference_pattern()):
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


# --- detectors ---------------------------------------------------------------------------------
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}(?![\w-])")

_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")

# PayPal transaction ids: 17 upper-case letters and digits (mixed); PayPal order ids "PAYID-…";
# Stripe-style ids; and any id-like token right after a payment word in our six languages.
_PAYPAL_TXN = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Z0-9]{17}(?![A-Za-z0-9]))(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{17}"
)
_PAYID = re.compile(r"\bPAYID-[A-Z0-9-]{6,40}\b")
_STRIPE = re.compile(r"\b(?:pi|ch|txn|py|re|in)_[A-Za-z0-9]{10,40}\b")
_PAYMENT_WORDS = (
    r"transaction|trans\.|txn|payment|paypal|receipt|invoice|ref(?:erence)?|"
    r"交易|流水|支付|付款|"  # zh
    r"transacci[oó]n|pago|referencia|recibo|"  # es
    r"transaktion|zahlung|referenz|"  # de
    r"paiement|r[ée]f[ée]rence|re[çc]u|"  # fr
    r"取引|決済|支払い?"  # ja
)
_PAYMENT_CONTEXT = re.compile(
    rf"(?<![A-Za-z])(?:{_PAYMENT_WORDS})\s*(?:id|no\.?|number|nr\.?|n[º°]|number|#|号|番号|编号|ID)?\s*[:：#]?\s*"
    r"(?P<ref>(?=[A-Za-z0-9-]*\d)[A-Za-z0-9][A-Za-z0-9-]{7,40})",
    re.IGNORECASE,
)

_ORDER_WORDS = re.compile(r"(?:order|bestellung|bestellnummer|pedido|commande|订单|訂單|注文)\D{0,16}$", re.IGNORECASE)
_PHONE_WORDS = re.compile(
    r"(?:tel|phone|call|mobile|cell|whats ?app|电话|手机|致电|拨打|電話|携帯|tel[ée]fono|m[óo]vil|llama|telefon|"
    r"handy|ruf|"
    r"t[ée]l[ée]phone|portable)\D{0,12}$",
    re.IGNORECASE,
)
# Fallback for numbers phonenumbers does not know: "+" and 8–15 digits, or a phone word before
# a separated run of digits.
_PHONE_INTL = re.compile(r"(?<![\w+])\+\d[\d .()-]{6,18}\d(?!\d)")
_PHONE_LOCAL = re.compile(r"(?<![\w-])\(?\d[\d .()-]{6,16}\d(?![\w-])")
_PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "MX", "CN", "JP", "IN", "BR", "IT", "AU", "CA", "KR")

_DIGIT = r"[0-9０-９]"
_ADDRESS_PATTERNS: list[re.Pattern[str]] = [
    # en: 221B Baker Street, 1600 Pennsylvania Ave NW, 12 High St.
    re.compile(
        r"(?<![\w.,])\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][\w'.-]*\s+){1,4}"
        r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|"
        r"Highway|Hwy|Parkway|Pkwy|Square|Sq|Crescent|Close)\b\.?"
    ),
    # zh: 上海市浦东新区世纪大道100号, 北京市朝阳区建国路 88 号
    re.compile(rf"[\u4e00-\u9fff]{{1,20}}(?:路|街|大道|大街|巷|弄|胡同)\s*{_DIGIT}{{1,5}}\s*(?:号|號)"),
    # ja: 東京都渋谷区神南1丁目2番3号, 大阪市北区梅田3-1-1 (needs 丁目/番地/番…号)
    re.compile(
        rf"[\u4e00-\u9fff\u3040-\u30ff]{{0,20}}(?:{_DIGIT}{{1,4}}|[一二三四五六七八九十]{{1,3}})\s*丁目"
        rf"(?:\s*{_DIGIT}{{1,5}}\s*(?:番地?|[-－]))?(?:\s*{_DIGIT}{{1,5}}\s*号?)?"
    ),
    re.compile(rf"[\u4e00-\u9fff\u3040-\u30ff]{{0,20}}{_DIGIT}{{1,5}}\s*番地(?:\s*{_DIGIT}{{1,5}})?"),
    re.compile(rf"[\u4e00-\u9fff\u3040-\u30ff]{{0,20}}{_DIGIT}{{1,5}}\s*番\s*{_DIGIT}{{1,5}}\s*号"),
    # es: Calle Mayor 12, Avenida de la Constitución, 45; C/ Alcalá 100
    re.compile(
        r"\b(?:Calle|C/|Avenida|Avda\.?|Av\.|Paseo|Plaza|Pza\.|Carrera|Camino|Ronda|Travesía)\s*"
        r"(?:(?:de|del|la|las|los|el|y)\s+|[A-ZÁÉÍÓÚÑ][\wáéíóúñü'.-]*\s*){1,6},?\s*(?:n[º°o]\.?\s*)?\d{1,5}\b",
    ),
    # de: Hauptstraße 5, Berliner Str. 12a, Am Lindenweg 3
    re.compile(
        r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|allee|platz|gasse|damm|ring|ufer)\s*\d{1,4}\s?[a-z]?\b"
    ),
    re.compile(r"\b[A-ZÄÖÜ][\wäöüß-]*\s+(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse)\s*\d{1,4}\s?[a-z]?\b"),
    # fr: 12 rue de la Paix, 5 bis avenue Victor Hugo, 3, boulevard Haussmann
    re.compile(
        r"(?<![\w.,])\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|"
        r"quai|route|cours)\s+(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+|d['’])?[A-ZÀ-Ý][\w'’-]*",
        re.IGNORECASE,
    ),
]


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _candidates(text: str, known: Iterable[str]) -> list[tuple[str, int, int, str]]:
    """All (rank key, start, end, kind) candidates; overlaps are resolved by the caller."""
    found: list[tuple[str, int, int, str]] = []

    def add(rank_key: str, kind: str, start: int, end: int) -> None:
        if end > start:
            found.append((rank_key, start, end, kind))

    for m in _EMAIL.finditer(text):
        add("email", "email", m.start(), m.end())

    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and digits[0] in "3456" and _luhn_ok(digits):
            add("card_number", "card_number", m.start(), m.end())

    for pattern in (_PAYPAL_TXN, _PAYID, _STRIPE):
        for m in pattern.finditer(text):
            add("payment_reference", "payment_reference", m.start(), m.end())
    for m in _PAYMENT_CONTEXT.finditer(text):
        add("payment_reference", "payment_reference", m.start("ref"), m.end("ref"))

    for value in {k.strip() for k in known if k and len(k.strip()) >= 4}:
        for m in re.finditer(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text, re.IGNORECASE):
            add("known_order", "order_number", m.start(), m.end())

    specific, generic = _tracking_patterns()
    for pattern in specific:
        for m in pattern.finditer(text):
            add("tracking_number", "tracking_number", m.start(1), m.end(1))
    for pattern in generic:
        for m in pattern.finditer(text):
            add("tracking_generic", "tracking_number", m.start(1), m.end(1))

    for pattern in _order_patterns():
        for m in pattern.finditer(text):
            group = 1 if pattern.groups else 0
            start, end = m.start(group), m.end(group)
            if _ORDER_WORDS.search(text[max(0, start - 40) : start]):
                add("known_order", "order_number", start, end)
            else:
                add("order_number", "order_number", start, end)

    for start, end, formatted in _phone_spans(text):
        add("phone_formatted" if formatted else "phone", "phone", start, end)

    for pattern in _ADDRESS_PATTERNS:
        for m in pattern.finditer(text):
            add("address", "address", m.start(), m.end())
    return found


def _phone_spans(text: str) -> list[tuple[int, int, bool]]:
    """Phone numbers in any country format: phonenumbers over several regions, then a fallback."""
    spans: dict[tuple[int, int], bool] = {}
    for region in _PHONE_REGIONS:
        for match in PhoneNumberMatcher(text, region, leniency=Leniency.VALID):
            start, end = match.start, match.end
            if start > 0 and re.match(r"[\w-]", text[start - 1]):
                continue  # part of a reference like CS-2026-000123
            raw = match.raw_string
            formatted = raw.startswith("+") or bool(re.search(r"[\s().-]", raw))
            spans[(start, end)] = spans.get((start, end), False) or formatted
    for m in _PHONE_INTL.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 8 <= len(digits) <= 15:
            spans.setdefault((m.start(), m.end()), True)
    for m in _PHONE_LOCAL.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 7 <= len(digits) <= 15 and _PHONE_WORDS.search(text[max(0, m.start() - 30) : m.start()]):
            spans[(m.start(), m.end())] = True
    return [(s, e, f) for (s, e), f in spans.items()]


def _order_patterns() -> list[re.Pattern[str]]:
    patterns: list[re.Pattern[str]] = []
    for values in app_settings.ORDER_NUMBER_PATTERNS.values():
        for value in values:
            try:
                patterns.append(re.compile(value))
            except re.error:
                continue  # checks.py reports bad patterns; the guard keeps working
    return patterns


def _tracking_patterns() -> tuple[list[re.Pattern[str]], list[re.Pattern[str]]]:
    """Carrier-specific patterns, and the generic all-digits ones (lower rank: they are also phones)."""
    specific: list[re.Pattern[str]] = []
    generic: list[re.Pattern[str]] = []
    for value in app_settings.TRACKING_NUMBER_PATTERNS:
        try:
            pattern = re.compile(value if "(" in value else f"({value})")
        except re.error:
            continue
        all_digits = not re.search(r"[A-Za-z]", re.sub(r"\\[bdD]", "", value))
        (generic if all_digits else specific).append(pattern)
    return specific, generic


def private_data_find(text: str, *, known: Iterable[str] = ()) -> list[PrivateDataFinding]:
    """Every piece of private data in ``text``, in reading order, without overlaps.

    ``known`` adds the case's own order numbers, tracking numbers and payment references, so a
    number in a store's own format is caught even when no pattern would.
    """
    if not text:
        return []
    masked = _mask(text)
    candidates = _candidates(masked, known)
    candidates.sort(key=lambda c: (_RANK[c[0]], c[1], -(c[2] - c[1])))
    taken: list[tuple[int, int]] = []
    findings: list[PrivateDataFinding] = []
    for _rank, start, end, kind in candidates:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        span = text[start:end]
        findings.append(
            PrivateDataFinding(kind=kind, text=span, start=start, end=end, explanation=_explain(kind, span))
        )
    findings.sort(key=lambda f: f.start)
    return findings


def private_data_summary(findings: Iterable[PrivateDataFinding]) -> str:
    """One sentence naming the private parts: “40001234” (an order number), “a@b.com” (an e-mail)."""
    parts = [f"“{f.text}” ({KIND_LABELS[f.kind]})" for f in findings]
    return ", ".join(parts)
