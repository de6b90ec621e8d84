"""A year of the demo desk's past: resolved and closed cases backdated over the last months.

The manager dashboard and the monthly report compare months; a desk whose cases all arrived
this week shows nothing. This module writes what a year of work leaves behind: customers in six
languages and many countries, orders with items, carriers and SKUs, the public complaint and
the brand's answer, the move to DM, promises kept and missed, escalations, SLA breaches,
outcomes with refunds in several currencies and satisfaction ratings — with the CaseEvents an
agent would see on the timeline.

Volumes follow the seasons (November and December peaks, January returns), first responses get
faster over the year, and one problem grows in the latest months (parcels shipped with
``RISING_CARRIER`` arriving late, and a bad batch of ``RISING_SKU``) so the report's "rising"
section has something to say.

How: every case is planned in memory from a random generator seeded by its calendar month, then
written with ``bulk_create`` (a few hundred cases in about a second on SQLite). The services are
not used per case — they would take minutes for a year — so this module keeps the fields they
maintain consistent itself (status and milestones, SLA breaches, outcome, events). The pure rules
are the services' own, called per case without a query: the escalation steps, and the SLA due
times (``services.sla.sla_start``: the priority's policy, on the calendar or the team's working
hours as ``SLA_CLOCK`` says), so a backdated case is judged against the due times the live desk
would have set.

Idempotent: each case is keyed by the X id of its opening tweet (a snowflake of its time with a
worker number no sandbox id carries). A past month that already holds history is left alone; in
the current month only cases not stored yet are added. History customers have X ids starting
with ``USER_PREFIX``, which is how the rest of the demo loader tells them apart.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote

from django.db import transaction
from django.db.models import CharField, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat, ExtractYear, LPad
from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.demo import texts as T
from crm_twitter.models import (
    BrandAccount,
    Case,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    ComplaintCategory,
    Customer,
    DirectMessage,
    Media,
    Order,
    OrderItem,
    Priority,
    Promise,
    Remedy,
    Team,
    Tweet,
    XUser,
)
from crm_twitter.models.choices import Direction
from crm_twitter.models.messages import Party
from crm_twitter.services.escalation import escalation_step, rule_level, step_data, step_message
from crm_twitter.services.sla import sla_policies, sla_start, sla_targets

TWITTER_EPOCH_MS = 1288834974657
HISTORY_WORKER = 677  # bits 12–21 of every history id; sandbox ids leave them at zero
USER_BASE = 1_690_000_000_000_000_000
USER_PREFIX = "16900000000000"
POOL_SIZE = 240
RECENT_DAYS = 6  # the live scenario owns the last days; history stops before them
BASE_PER_MONTH = 24
SEASON = {1: 1.25, 2: 0.8, 3: 0.85, 4: 0.8, 5: 0.85, 6: 0.9, 7: 1.0, 8: 0.9, 9: 0.95, 10: 1.05, 11: 1.45, 12: 1.6}
K = CaseEvent.Kind
S = CaseStatus

# (country, language, currency, store, domestic carriers, UTC offset in hours, weight)
MARKETS: tuple[tuple[str, str, str, str, tuple[str, ...], int, int], ...] = (
    ("US", "en", "USD", "novashop", ("USPS", "UPS", "FedEx"), -5, 20),
    ("GB", "en", "GBP", "novashop-eu", ("Royal Mail", "Evri", "DHL"), 0, 10),
    ("AU", "en", "AUD", "novashop", ("Australia Post",), 10, 4),
    ("CA", "en", "CAD", "novashop", ("Canada Post", "UPS"), -5, 4),
    ("SG", "en", "SGD", "novashop", ("SingPost",), 8, 2),
    ("CN", "zh", "CNY", "novashop", ("SF Express", "JD Logistics"), 8, 7),
    ("HK", "zh", "HKD", "novashop", ("SF Express", "Hongkong Post"), 8, 3),
    ("TW", "zh", "TWD", "novashop", ("Chunghwa Post",), 8, 2),
    ("MX", "es", "MXN", "novashop", ("Estafeta", "DHL"), -6, 8),
    ("ES", "es", "EUR", "novashop-eu", ("Correos", "SEUR"), 1, 6),
    ("CO", "es", "COP", "novashop", ("Servientrega",), -5, 2),
    ("CL", "es", "CLP", "novashop", ("Chilexpress",), -4, 2),
    ("DE", "de", "EUR", "novashop-eu", ("DHL", "Hermes"), 1, 9),
    ("AT", "de", "EUR", "novashop-eu", ("Österreichische Post",), 1, 2),
    ("CH", "de", "CHF", "novashop-eu", ("Swiss Post",), 1, 2),
    ("FR", "fr", "EUR", "novashop-eu", ("Colissimo", "Chronopost"), 1, 8),
    ("BE", "fr", "EUR", "novashop-eu", ("bpost",), 1, 2),
    ("JP", "ja", "JPY", "novashop-jp", ("Japan Post", "Yamato"), 9, 9),
)
CROSS_BORDER = (("Cainiao", 5), ("YunExpress", 3), ("DHL eCommerce", 2))
RISING_CARRIER = "YunExpress"
RISING_CATEGORY = "delivery-delay"
RISING_SKU = "NV-EB-PRO2"
# Extra cases per month ago (0 = this month): late parcels with the rising carrier, and the bad batch.
RISING_CARRIER_EXTRA = {3: 1, 2: 3, 1: 8, 0: 10}
RISING_SKU_EXTRA = {2: 1, 1: 5, 0: 6}

# Units of local currency per USD, for prices (demo values).
PER_USD = {
    "USD": 1, "GBP": 0.79, "AUD": 1.52, "CAD": 1.37, "SGD": 1.35, "CNY": 7.2, "HKD": 7.8, "TWD": 32,
    "MXN": 17.2, "EUR": 0.93, "COP": 4000, "CLP": 900, "CHF": 0.88, "JPY": 150,
}  # fmt: skip
WHOLE_UNITS = {"JPY", "TWD", "COP", "CLP"}
PAYMENT = {"CN": "alipay", "HK": "alipay", "TW": "card", "JP": "konbini", "MX": "oxxo", "DE": "klarna", "AT": "klarna"}

# (sku, title, price in USD, weight)
CATALOGUE = (
    ("NV-HP-200", "Nova Wireless Headphones, black", 89.99, 8),
    (RISING_SKU, "Nova Buds Pro 2 earbuds", 129.0, 3),
    ("NV-KB-MX7", "Nova MX7 mechanical keyboard", 129.0, 4),
    ("NV-CB-USB", "Braided USB-C cable", 13.5, 5),
    ("NV-PB-20K", "Nova power bank 20,000 mAh", 45.0, 6),
    ("NV-SW-FIT", "Nova Fit smartwatch", 159.0, 5),
    ("NV-LT-DESK", "LED desk lamp", 39.0, 5),
    ("NV-SPK-MINI", "Nova Mini Bluetooth speaker", 59.0, 5),
    ("NV-JK-RAIN", "Packable rain jacket", 79.0, 5),
    ("NV-SN-RUN", "Nova Run trainers", 95.0, 5),
    ("NV-BG-TOTE", "Canvas tote bag", 35.0, 3),
    ("NV-HD-WOOL", "Merino hoodie", 69.0, 4),
    ("NV-CAM-4K", "Nova 4K action camera", 199.0, 3),
    ("NV-MS-ERGO", "Ergonomic wireless mouse", 49.0, 4),
    ("NV-PH-CASE", "Shockproof phone case", 19.0, 4),
)

# Category weights (and seasonal boosts per calendar month).
CATEGORY_WEIGHTS = {
    "not-received": 14, "delivery-delay": 15, "damaged": 11, "not-as-described": 8, "wrong-or-missing-item": 9,
    "refund-delay": 9, "return-exchange": 8, "customs-duties": 6, "payment-double-charge": 4,
    "counterfeit-quality": 5, "warranty": 6, "other": 4,
}  # fmt: skip
CATEGORY_SEASON = {
    "delivery-delay": {11: 1.6, 12: 1.8},
    "not-received": {12: 1.4, 1: 1.2},
    "return-exchange": {1: 1.9, 2: 1.3},
    "refund-delay": {1: 1.5, 2: 1.3},
    "customs-duties": {1: 1.6, 7: 1.3},
}
# (outcome, weight) per category.
OUTCOMES = {
    "not-received": (("reship", 5), ("refund", 4), ("declined", 1)),
    "delivery-delay": (("information_only", 4), ("partial_refund", 3), ("refund", 2), ("reship", 1)),
    "damaged": (("replacement", 5), ("refund", 3), ("partial_refund", 2)),
    "not-as-described": (("return_accepted", 4), ("refund", 3), ("partial_refund", 2)),
    "wrong-or-missing-item": (("reship", 5), ("replacement", 3), ("refund", 1)),
    "refund-delay": (("refund", 8), ("information_only", 2)),
    "return-exchange": (("return_accepted", 6), ("replacement", 3), ("declined", 1)),
    "customs-duties": (("partial_refund", 5), ("information_only", 4), ("declined", 1)),
    "payment-double-charge": (("refund", 9), ("information_only", 1)),
    "counterfeit-quality": (("refund", 5), ("return_accepted", 3), ("replacement", 2)),
    "warranty": (("replacement", 5), ("declined", 2), ("return_accepted", 2)),
    "other": (("information_only", 8), ("declined", 1)),
}
REMEDY = {
    "not-received": Remedy.RESHIP, "delivery-delay": Remedy.INFORMATION, "damaged": Remedy.REPLACEMENT,
    "not-as-described": Remedy.REFUND, "wrong-or-missing-item": Remedy.RESHIP, "refund-delay": Remedy.REFUND,
    "return-exchange": Remedy.RETURN, "customs-duties": Remedy.COMPENSATION, "payment-double-charge": Remedy.REFUND,
    "counterfeit-quality": Remedy.REFUND, "warranty": Remedy.REPLACEMENT, "other": Remedy.INFORMATION,
}  # fmt: skip
# Typical hours from complaint to resolution per category (before randomness).
RESOLUTION_HOURS = {
    "not-received": 44, "delivery-delay": 36, "damaged": 26, "not-as-described": 30, "wrong-or-missing-item": 22,
    "refund-delay": 20, "return-exchange": 30, "customs-duties": 16, "payment-double-charge": 8,
    "counterfeit-quality": 28, "warranty": 40, "other": 6,
}  # fmt: skip
PROMISE_KIND = {
    "refund": Promise.Kind.REFUND, "partial_refund": Promise.Kind.REFUND, "replacement": Promise.Kind.REPLACEMENT,
    "reship": Promise.Kind.RESHIP, "return_accepted": Promise.Kind.OTHER, "information_only": Promise.Kind.CALLBACK,
    "declined": Promise.Kind.CARRIER_CLAIM,
}  # fmt: skip
PROMISE_TEXT = {
    Promise.Kind.REFUND: "Refund the order",
    Promise.Kind.REPLACEMENT: "Send a replacement",
    Promise.Kind.RESHIP: "Reship the order by express",
    Promise.Kind.OTHER: "Email a prepaid return label",
    Promise.Kind.CALLBACK: "Get back with the carrier's answer",
    Promise.Kind.CARRIER_CLAIM: "Open a trace with the carrier and report back",
}
OUTCOME_NOTE = {
    "refund": "Full refund to the original payment method",
    "partial_refund": "Goodwill refund for the trouble",
    "replacement": "Replacement sent with tracking",
    "reship": "Reshipped by express",
    "return_accepted": "Return accepted, prepaid label sent",
    "information_only": "Explained the cause and next steps",
    "declined": "Delivered and signed for; the carrier's proof was sent to the customer",
}
PHOTO_URL = "data:image/svg+xml;charset=utf-8," + quote(
    "<svg xmlns='http://www.w3.org/2000/svg' width='120' height='90' viewBox='0 0 120 90'>"
    "<rect width='120' height='90' fill='#dfe4ea'/><rect x='38' y='30' width='44' height='32' rx='4' fill='#9aa5b1'/>"
    "<circle cx='60' cy='46' r='9' fill='#dfe4ea'/></svg>"
)
# Agents per language (and per English-speaking region): (username, team slug).
AGENTS = {"zh": ("agent_zh", "china-zh"), "es": ("agent_es", "latam-es"), "de": ("agent_de", "dach-de"),
          "fr": ("agent_fr", "france-fr"), "ja": ("agent_ja", "japan-ja")}  # fmt: skip
AMERICAS = {"US", "CA", "MX", "CO", "CL"}
ONCALL = ("agent_oncall", "follow-the-sun")
CUSTOMER = "customer"  # placeholder for the customer's X id until their XUser is written


@dataclass
class HistoryResult:
    cases: int = 0
    customers: int = 0
    orders: int = 0
    tweets: int = 0
    direct_messages: int = 0
    events: int = 0
    promises: int = 0
    months: list[str] = field(default_factory=list)


@dataclass
class _Person:
    n: int
    country: str
    lang: str
    currency: str
    store: str
    carriers: tuple[str, ...]
    tz: int
    name: str
    handle: str
    followers: int
    vip: bool

    @property
    def x_id(self) -> str:
        return str(USER_BASE + self.n)


@dataclass
class _Plan:
    """One history case before it is written: the case and everything that hangs from it."""

    key: str  # X id of the opening tweet
    person: _Person
    case: Case
    order: Order | None
    items: list[OrderItem]
    tweets: list[Tweet]
    dms: list[DirectMessage]
    photos: list[tuple[int, str]]  # (index into tweets, alt text)
    events: list[CaseEvent]
    promises: list[Promise]


def is_history_user(x_id: str | None) -> bool:
    return bool(x_id) and x_id.startswith(USER_PREFIX) and len(x_id) == 19


def history_currencies() -> set[str]:
    return {m[2] for m in MARKETS}


def month_add(month: dt.date, n: int) -> dt.date:
    y, m = divmod(month.year * 12 + month.month - 1 + n, 12)
    return dt.date(y, m + 1, 1)


def _aware(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _snowflake(at: dt.datetime, seq: int) -> str:
    ms = int(at.timestamp() * 1000) - TWITTER_EPOCH_MS
    return str((ms << 22) | (HISTORY_WORKER << 12) | (seq % 4096))


def _weighted(rng: random.Random, pairs) -> Any:
    items = list(pairs)
    return rng.choices([p[0] for p in items], weights=[p[1] for p in items], k=1)[0]


def _price(usd: float, currency: str) -> Decimal:
    value = Decimal(str(usd * PER_USD.get(currency, 1)))
    if currency in WHOLE_UNITS:
        return value.quantize(Decimal("1"), rounding=ROUND_HALF_UP).quantize(Decimal("0.01"))
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _tracking(carrier: str, country: str, rng: random.Random) -> str:
    def digits(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    if carrier == "UPS":
        return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(16))
    if carrier in ("FedEx", "Yamato"):
        return digits(12)
    if carrier in ("USPS", "Estafeta"):
        return "9400" + digits(18)
    if carrier == "DHL":
        return "00340434" + digits(12)
    if carrier == "Hermes":
        return digits(14)
    if carrier == "SF Express":
        return "SF" + digits(13)
    if carrier == "JD Logistics":
        return "JD" + digits(14)
    if carrier == "Cainiao":
        return "LP" + digits(14)
    if carrier == "YunExpress":
        return "YT" + digits(16)
    if carrier == "DHL eCommerce":
        return "GM" + digits(18)
    prefix = rng.choice(("RB", "RR", "LX", "CP", "EE"))
    return f"{prefix}{digits(9)}{country}"


def people_pool() -> list[_Person]:
    """The history's customers: the same people every run (a fixed seed), some with several cases."""
    rng = random.Random("crm-twitter-demo-history-people")
    total = sum(m[6] for m in MARKETS)
    people: list[_Person] = []
    n = 0
    for country, lang, currency, store, carriers, tz, weight in MARKETS:
        for _ in range(max(2, round(POOL_SIZE * weight / total))):
            n += 1
            index = rng.randrange(len(T.NAMES[lang]))
            name = T.NAMES[lang][index]
            base = T.ROMAN[lang][index] if lang in T.ROMAN else name.lower()
            base = base.translate(str.maketrans("áéíóúñüäöèçôï", "aeiounuaoecoi"))
            handle = f"{base}{rng.choice(('_', '', '.'))}{rng.randrange(10, 9999)}".replace(".", "_")[:15]
            followers = int(math.exp(rng.gauss(5.5, 1.6)))
            if rng.random() < 0.04:
                followers = rng.randrange(12_000, 90_000)
            people.append(
                _Person(
                    n=n,
                    country=country,
                    lang=lang,
                    currency=currency,
                    store=store,
                    carriers=carriers,
                    tz=tz,
                    name=name,
                    handle=handle,
                    followers=followers,
                    vip=rng.random() < 0.03,
                )
            )
    return people


class _Context:
    """What the planner reads once: brands, categories, agents, teams, SLA targets."""

    def __init__(self, users: dict[str, Any], accounts: list[BrandAccount]) -> None:
        self.support = next((a for a in accounts if a.role == BrandAccount.Role.SUPPORT), accounts[0])
        self.regional = next((a for a in accounts if a.role == BrandAccount.Role.REGIONAL), self.support)
        self.executive = next((a for a in accounts if a.role == BrandAccount.Role.EXECUTIVE), None)
        self.categories = {c.slug: c for c in ComplaintCategory.objects.filter(is_active=True)}
        self.teams = {t.slug: t for t in Team.objects.all()}
        self.users = users
        self.policies = sla_policies()
        self.brand_users: dict[str, XUser] = {}

    def agent(self, person: _Person, local_hour: int) -> tuple[Any, Team | None]:
        if local_hour < 7 or local_hour >= 23:
            username, slug = ONCALL
        elif person.lang == "en":
            username, slug = ("agent_en", "americas-en") if person.country in AMERICAS else ("agent_uk", "europe-en")
        else:
            username, slug = AGENTS.get(person.lang, ONCALL)
        user = self.users.get(username) or self.users.get("agent_en")
        return user, self.teams.get(slug)


def _signature(user) -> str:
    initials = f"{(user.first_name or 'N')[:1]}{(user.last_name or 'S')[:1]}".upper()
    return app_settings.AGENT_SIGNATURE.replace("{initials}", initials)


def _plan_month(ctx: _Context, people: list[_Person], month: dt.date, months_ago: int) -> list[_Plan]:
    """Every case of one calendar month, planned from a generator seeded by the month."""
    rng = random.Random(f"crm-twitter-demo-history-{month:%Y-%m}")
    by_market: dict[str, list[_Person]] = defaultdict(list)
    for person in people:
        by_market[person.country].append(person)
    count = round(BASE_PER_MONTH * SEASON[month.month] * rng.uniform(0.9, 1.1))
    specs: list[tuple[str | None, str | None]] = [(None, None)] * count  # (forced category, forced sku)
    specs += [("rising_carrier", None)] * RISING_CARRIER_EXTRA.get(months_ago, 0)
    specs += [(None, RISING_SKU)] * RISING_SKU_EXTRA.get(months_ago, 0)
    days = (month_add(month, 1) - month).days
    # The team gets faster over the year: older months answer more slowly.
    speed = 0.75 + 0.06 * min(months_ago, 12)
    plans = []
    for seq, (force, sku) in enumerate(specs):
        plans.append(_plan_case(ctx, rng, by_market, month, days, seq, speed, force, sku))
    return plans


def _plan_case(ctx, rng, by_market, month, days, seq, speed, force, force_sku) -> _Plan:
    country = _weighted(rng, ((m[0], m[6]) for m in MARKETS))
    person = rng.choice(by_market[country])
    lang = person.lang
    local_hour = _weighted(rng, [(h, 1 if h < 8 else 3 if h < 18 else 4 if h < 23 else 1) for h in range(24)])
    day = rng.randrange(days)
    opened = _aware(month) + dt.timedelta(days=day, hours=local_hour - person.tz, minutes=rng.randrange(60))
    opened = min(max(opened, _aware(month)), _aware(month_add(month, 1)) - dt.timedelta(minutes=1))
    msg_seq = seq * 64

    def next_id(at: dt.datetime) -> str:
        nonlocal msg_seq
        msg_seq += 1
        return _snowflake(at, msg_seq)

    # --- what went wrong --------------------------------------------------------------------
    if force == "rising_carrier":
        slug = RISING_CATEGORY
    elif force_sku:
        slug = rng.choice(("damaged", "counterfeit-quality", "counterfeit-quality", "warranty"))
    else:
        weights = {s: w * CATEGORY_SEASON.get(s, {}).get(month.month, 1) for s, w in CATEGORY_WEIGHTS.items()}
        slug = _weighted(rng, weights.items())
    category = ctx.categories.get(slug) or ctx.categories.get("other")
    is_spam = force is None and force_sku is None and rng.random() < 0.03

    # --- the order ---------------------------------------------------------------------------
    order = None
    items: list[OrderItem] = []
    number = f"{'NSJ' if person.store == 'novashop-jp' else 'NS'}-{month:%y%m}{seq:04d}"
    tracking = ""
    if not is_spam and rng.random() > 0.05:
        if force == "rising_carrier" or (rng.random() < 0.3):
            carrier = RISING_CARRIER if force == "rising_carrier" else _weighted(rng, CROSS_BORDER)
        else:
            carrier = rng.choice(person.carriers)
        tracking = _tracking(carrier, person.country, rng)
        products = [p for p in CATALOGUE if p[0] == force_sku] if force_sku else []
        while not products or (len(products) < 3 and rng.random() < 0.25):
            product = _weighted(rng, ((p, p[3]) for p in CATALOGUE))
            if product not in products:
                products.append(product)
        ordered = opened - dt.timedelta(days=rng.randrange(6, 28), hours=rng.randrange(24))
        shipped = ordered + dt.timedelta(days=rng.randrange(1, 4))
        delivered = (
            None if slug in ("not-received", "delivery-delay") else shipped + dt.timedelta(days=rng.randrange(4, 14))
        )
        total = Decimal("0.00")
        for sku, title, usd, _ in products:
            quantity = 1 if rng.random() < 0.85 else 2
            price = _price(usd, person.currency)
            total += price * quantity
            items.append(OrderItem(sku=sku, title=title, quantity=quantity, unit_price=price))
        order = Order(
            store=person.store,
            order_number=number,
            customer_handle=person.handle,
            status=Order.Status.DELIVERED if delivered else Order.Status.SHIPPED,
            destination_country=person.country,
            currency=person.currency,
            total_amount=total,
            payment_method=PAYMENT.get(person.country) or rng.choice(("card", "card", "paypal")),
            payment_reference=f"PAY-{rng.getrandbits(48):012X}",
            carrier=carrier,
            tracking_number=tracking,
            ordered_at=ordered,
            shipped_at=shipped,
            delivered_at=delivered,
            raw={"source": "demo-history"},
        )

    # --- who handles it ------------------------------------------------------------------------
    agent, team = ctx.agent(person, (opened.hour + person.tz) % 24)
    sig = _signature(agent)
    account = ctx.support
    if person.store == "novashop-eu" and rng.random() < 0.6:
        account = ctx.regional
    to_executive = ctx.executive is not None and not is_spam and rng.random() < 0.03
    if to_executive:
        account = ctx.executive
    # The executive never answers himself: the support account does, in public and by DM.
    desk = ctx.support if to_executive else account
    brand_user = ctx.brand_users[desk.x_user_id]
    brand = "@" + desk.handle  # a complaint at the CEO also tags the support account
    exec_handle = "@" + ctx.executive.handle if ctx.executive else ""
    values = {"brand": brand, "exec": exec_handle, "order": number, "tracking": tracking, "name": person.name}

    tweets: list[Tweet] = []
    dms: list[DirectMessage] = []
    events: list[CaseEvent] = []
    promises: list[Promise] = []
    photos: list[tuple[int, str]] = []
    dm_conversation = "-".join(sorted((person.x_id, desk.x_user_id), key=int))

    def event(kind, at, message, data=None, actor=None) -> None:
        events.append(CaseEvent(kind=kind, created_at=at, message=message, data=data or {}, actor=actor))

    def tweet(at, text, author, *, reply_to: Tweet | None = None, brand_side=False, mentions=()) -> Tweet:
        x_id = next_id(at)
        root = reply_to.conversation_id if reply_to is not None else x_id
        row = Tweet(
            x_id=x_id,
            brand_account=desk if brand_side else account,
            author=author,
            direction=Direction.OUTBOUND if brand_side else Direction.INBOUND,
            party=Party.BRAND if brand_side else Party.CUSTOMER,
            kind=Tweet.Kind.REPLY if reply_to is not None else Tweet.Kind.ORIGINAL,
            text=text,
            lang=lang,
            conversation_id=root,
            in_reply_to_tweet_id=reply_to.x_id if reply_to is not None else "",
            # CUSTOMER: the customer's X id, filled in once their XUser exists.
            in_reply_to_user_id=(CUSTOMER if reply_to is not None and reply_to.party == Party.CUSTOMER else ""),
            mentioned_user_ids=[CUSTOMER] if brand_side else list(mentions),
            public_metrics={"like_count": rng.randrange(0, 12), "retweet_count": rng.randrange(0, 3)},
            created_at=at,
            sent_via_desk=brand_side,
            sent_by=agent if brand_side else None,
            raw={"id": x_id, "text": text, "created_at": at.isoformat(), "lang": lang, "source": "demo-history"},
        )
        row.engagement = sum(row.public_metrics.values())
        tweets.append(row)
        return row

    def dm(at, text, *, from_brand: bool) -> DirectMessage:
        x_id = next_id(at)
        row = DirectMessage(
            x_event_id=x_id,
            dm_conversation_id=dm_conversation,
            brand_account=desk,
            sender=brand_user if from_brand else None,  # None: the customer, filled in when written
            recipient=None if from_brand else brand_user,
            direction=Direction.OUTBOUND if from_brand else Direction.INBOUND,
            text=text,
            created_at=at,
            sent_via_desk=from_brand,
            sent_by=agent if from_brand else None,
            raw={"id": x_id, "event_type": "MessageCreate", "source": "demo-history"},
        )
        dms.append(row)
        return row

    # --- the complaint -----------------------------------------------------------------------
    mentions = [account.x_user_id]
    if is_spam:
        text = T.SPAM[lang].format(**values)
    else:
        text = T.COMPLAINTS[lang][slug].format(**values)
        if to_executive:
            text = f"{exec_handle} {text}"
            mentions.append(desk.x_user_id)
        if order is not None and rng.random() < 0.08:
            text += T.ORDER_IN_PUBLIC[lang].format(**values)
    risk = not is_spam and rng.random() < 0.04
    if risk:
        text += T.RISK[lang]
    opening = tweet(opened, text, None, mentions=mentions)
    if not is_spam and slug in T.PHOTO and rng.random() < (0.45 if slug in ("damaged", "not-as-described") else 0.12):
        photos.append((0, T.PHOTO[slug]))
    private_in_public = bool(order) and number in text
    opening.contains_private_data = private_in_public

    priority_score = min(30, person.followers // 1000) + (20 if person.vip else 0) + (25 if risk else 0)
    if to_executive:
        priority_score += 15
    priority = Priority.URGENT if priority_score >= 60 else Priority.HIGH if priority_score >= 30 else Priority.NORMAL
    case = Case(
        customer_x_user=None,
        brand_account=account,
        status=S.CLOSED,
        priority=priority,
        priority_score=priority_score,
        assignee=agent,
        team=team,
        language=lang,
        requested_remedy="" if is_spam else REMEDY.get(slug, ""),
        opened_at=opened,
        reach=person.followers,
        has_risk_words=risk,
        risk_kinds="chargeback" if risk else "",
        has_private_data_in_public=private_in_public,
        suggested_category=None if is_spam else category,
    )
    # The due times the engine sets when a case opens (its team's working hours, if SLA_CLOCK asks).
    sla_start(case, targets=sla_targets(priority, ctx.policies), team=team)
    first_due, resolution_due = case.sla_first_response_due, case.sla_resolution_due
    event(
        K.CREATED,
        opened,
        f"Opened from a public tweet, routed to {team}, assigned by routing",
        {
            "channel": "public",
            "team_id": team.pk if team else None,
            "assignee_id": agent.pk,
            "priority": priority,
            "priority_score": priority_score,
            "suggested_category": None if is_spam else slug,
            "risk_signals": [{"kind": "chargeback", "text": "chargeback"}] if risk else [],
            "source": "demo-history",
        },
    )
    level, reasons, fired = 0, [], set()

    def escalate(rule: str, at: dt.datetime) -> None:
        # The service's rule (``next_escalation_level``), as the live desk applies it.
        nonlocal level
        if rule in fired or not rule_level(rule):
            return
        fired.add(rule)
        step = escalation_step(level, rule)
        if step is None:
            return
        event(K.ESCALATED, at, step_message(step), step_data(step))
        level = step.to_level
        reasons.append(step.reason)

    if private_in_public:
        event(K.PRIVATE_DATA_FLAGGED, opened, "Private data posted in public", {"channel": "public"})
    if to_executive:
        escalate("executive_mention", opened)
    if person.followers >= int(app_settings.ESCALATION.get("REACH_FOLLOWERS") or 10_000):
        escalate("reach", opened)
    if risk:
        escalate("risk_chargeback", opened)

    # --- spam: set aside ---------------------------------------------------------------------
    if is_spam:
        done = opened + dt.timedelta(minutes=rng.randrange(10, 180))
        case.status, case.closed_at = S.NOT_ACTIONABLE, done
        case.first_response_at = None
        event(K.STATUS_CHANGED, done, "Not a complaint (spam)", {"from": S.NEW, "to": S.NOT_ACTIONABLE}, agent)
        return _finish(case, person, order, items, tweets, dms, photos, events, promises, opening)

    # --- first response ----------------------------------------------------------------------
    minutes = math.exp(rng.gauss(math.log(38), 0.9)) * speed
    if (opened.hour + person.tz) % 24 < 7:
        minutes += rng.uniform(60, 300)  # a night-time complaint waits for the morning
    first_at = opened + dt.timedelta(minutes=max(2.0, minutes))
    breaches: list[tuple[dt.datetime, str]] = []
    if first_at > first_due:
        breaches.append((first_due, "first_response"))
    goes_to_dm = slug not in ("other",) and rng.random() < 0.9
    outcome = _weighted(rng, OUTCOMES[slug])
    if not goes_to_dm and outcome not in ("information_only", "declined"):
        outcome = "information_only"
    hours = RESOLUTION_HOURS[slug] * math.exp(rng.gauss(0, 0.45)) * (0.8 + 0.2 * speed)
    if force == "rising_carrier":
        hours *= 1.4
    resolved_at = max(first_at + dt.timedelta(minutes=30), opened + dt.timedelta(hours=hours))

    ack_text = (T.ACK_PUBLIC if goes_to_dm else T.INFO_PUBLIC)[lang].format(sig=sig, name=person.name)
    tweet(first_at, "@" + person.handle + " " + ack_text, brand_user, reply_to=opening, brand_side=True)
    case.first_response_at = first_at
    event(K.CATEGORY_SET, first_at, f"Category: {category}", _category_data(category), agent)
    event(
        K.STATUS_CHANGED,
        first_at,
        f"{S.NEW.label} → {S.ACKNOWLEDGED.label}: public reply sent",
        {"from": S.NEW, "to": S.ACKNOWLEDGED},
    )
    event(K.REPLY_SENT, first_at, "Public reply sent", {"channel": "public", "first_response": True}, agent)
    contact = 1
    last_customer = opened
    last_agent = first_at
    status = S.ACKNOWLEDGED

    moved = None
    if goes_to_dm:
        customer_dm_at = first_at + dt.timedelta(minutes=rng.uniform(4, 70))
        dm(customer_dm_at, T.CUSTOMER_DM[lang].format(**values), from_brand=False)
        event(K.MESSAGE_RECEIVED, customer_dm_at, "Customer DM received", {"channel": "dm"})
        contact += 1
        last_customer = customer_dm_at
        if order is not None:
            event(
                K.ORDER_LINKED,
                customer_dm_at,
                f"Order {number} linked",
                {"order_number": number, "store": person.store, "by": "matching"},
            )
        moved = customer_dm_at + dt.timedelta(minutes=rng.uniform(5, 60) * speed)
        dm(moved, T.BRAND_DM[lang].format(sig=sig, name=person.name), from_brand=True)
        event(
            K.STATUS_CHANGED,
            moved,
            f"{S.ACKNOWLEDGED.label} → {S.IN_DM.label}: DM sent",
            {"from": S.ACKNOWLEDGED, "to": S.IN_DM},
        )
        event(K.REPLY_SENT, moved, "DM sent", {"channel": "dm", "first_response": False}, agent)
        last_agent = moved
        case.moved_to_dm_at = moved
        pending = moved + dt.timedelta(minutes=rng.uniform(10, 120))
        reason = "Checking with the warehouse and the carrier"
        event(K.STATUS_CHANGED, pending, reason, {"from": S.IN_DM, "to": S.PENDING_MERCHANT, "reason": reason}, agent)
        status = S.PENDING_MERCHANT
        resolved_at = max(resolved_at, pending + dt.timedelta(minutes=30))

        # A promise with a deadline, kept — or missed when the merchant was slower than promised.
        kind = PROMISE_KIND[outcome]
        promised_at = pending + dt.timedelta(minutes=rng.uniform(5, 90))
        # Agents promise what experience says the merchant needs — usually with some margin.
        margin = (resolved_at - promised_at).total_seconds() / 3600 * rng.uniform(0.8, 1.9)
        due = promised_at + dt.timedelta(hours=max(12, math.ceil(margin / 12) * 12))
        promise = Promise(
            kind=kind,
            description=PROMISE_TEXT[kind],
            due_at=due,
            created_by=agent,
            created_at=promised_at,
        )
        event(
            K.PROMISE_MADE,
            promised_at,
            f"Promised: {promise.description} by {due:%Y-%m-%d %H:%M} UTC",
            {"kind": kind, "due_at": due.isoformat()},
            agent,
        )
        promises.append(promise)

        # Slow cases: the customer nudges in public, sometimes at the CEO.
        if resolved_at - moved > dt.timedelta(hours=50) and rng.random() < 0.3:
            nudge_at = moved + dt.timedelta(hours=rng.uniform(30, 48))
            tweet(nudge_at, T.NUDGE[lang].format(**values), None, reply_to=opening, mentions=[account.x_user_id])
            case.public_nudge_count = 1
            contact += 1
            last_customer = max(last_customer, nudge_at)
            event(K.PUBLIC_NUDGE, nudge_at, "The customer nudged in public", {"count": 1})
            escalate("public_nudge", nudge_at)
            if ctx.executive is not None and not to_executive and rng.random() < 0.3:
                exec_at = nudge_at + dt.timedelta(hours=rng.uniform(2, 12))
                mention_ids = [ctx.executive.x_user_id, account.x_user_id]
                tweet(exec_at, T.EXEC_MENTION[lang].format(**values), None, mentions=mention_ids)
                contact += 1
                last_customer = max(last_customer, exec_at)
                escalate("executive_mention", exec_at)
            answer_at = nudge_at + dt.timedelta(minutes=rng.uniform(15, 90))
            last_agent = max(last_agent, answer_at)
            event(K.REPLY_SENT, answer_at, "DM sent", {"channel": "dm", "first_response": False}, agent)
            resolved_at = max(resolved_at, answer_at + dt.timedelta(hours=2))
        if resolved_at <= due:
            promise.status, promise.resolved_at, promise.note = Promise.Status.KEPT, resolved_at, "Done"
        else:
            promise.status, promise.resolved_at = Promise.Status.MISSED, due
            event(K.PROMISE_MISSED, due, f"Promise missed: {promise.description}", {"kind": kind})
            escalate("promise_missed", due)

    if resolved_at > resolution_due:
        breaches.append((resolution_due, "resolution"))
    for at, clock in sorted(breaches)[:1]:
        case.sla_breached_at = at
        event(K.SLA_BREACHED, at, f"SLA breached: {clock.replace('_', ' ')} overdue", {"clock": clock})
        escalate("sla_breached", at)
    if promises and promises[0].status == Promise.Status.KEPT:
        event(K.PROMISE_KEPT, promises[0].resolved_at, f"Promise kept: {promises[0].description}", {}, agent)

    # --- the outcome --------------------------------------------------------------------------
    refund = None
    currency = ""
    if outcome in ("refund", "partial_refund"):
        share = Decimal("1") if outcome == "refund" else Decimal(rng.choice(("0.15", "0.2", "0.3", "0.5")))
        paid = order.total_amount if order is not None else _price(rng.choice(CATALOGUE)[2], person.currency)
        refund = (paid * share).quantize(Decimal("0.01"))
        if person.currency in WHOLE_UNITS:
            refund = refund.quantize(Decimal("1")).quantize(Decimal("0.01"))
        currency = person.currency
        if outcome == "refund" and order is not None:
            order.status = Order.Status.REFUNDED
    elif outcome == "return_accepted" and order is not None:
        order.status = Order.Status.RETURNED
    phrase = T.OUTCOME[lang][outcome]
    closing = T.RESOLVE_DM[lang].format(name=person.name, outcome=phrase, sig=sig)
    if goes_to_dm:
        dm(resolved_at, closing, from_brand=True)
    else:
        tweet(resolved_at, f"@{person.handle} {closing}", brand_user, reply_to=opening, brand_side=True)
    last_agent = resolved_at
    case.outcome, case.outcome_note = outcome, OUTCOME_NOTE[outcome]
    case.refund_amount, case.refund_currency = refund, currency
    label = case.get_outcome_display() + (f" {refund} {currency}" if refund is not None else "")
    data = {
        "from": status,
        "to": S.RESOLVED,
        "outcome": outcome,
        "note": case.outcome_note,
        "refund_amount": str(refund) if refund is not None else None,
        "refund_currency": currency,
    }
    event(K.OUTCOME_RECORDED, resolved_at, f"Outcome: {label} — {case.outcome_note}", data, agent)
    event(K.STATUS_CHANGED, resolved_at, f"{S(status).label} → {S.RESOLVED.label}", data, agent)
    case.resolved_at = resolved_at

    # --- the customer's verdict ------------------------------------------------------------------
    score = 5.0 - (1 if hours > 72 else 0) - (1 if case.sla_breached_at else 0) - (1 if level else 0)
    score -= {"partial_refund": 0.5, "information_only": 0.7, "declined": 2.5}.get(outcome, 0)
    score = max(1, min(5, round(score + rng.gauss(0, 0.7))))
    rated = goes_to_dm and rng.random() < (0.35 if outcome == "declined" else 0.7)
    if goes_to_dm:
        asked = resolved_at + dt.timedelta(minutes=2)
        case.satisfaction_requested_at = asked
        dm(asked, T.SURVEY_DM[lang].format(name=person.name), from_brand=True)
        last_agent = asked
        if rated:
            answered = asked + dt.timedelta(minutes=rng.uniform(10, 600))
            dm(answered, str(score), from_brand=False)
            contact += 1
            last_customer = max(last_customer, answered)
            case.satisfaction = score
            event(K.SATISFACTION, answered, f"Customer rated {score}/5", {"score": score})
    if score >= 4 and rng.random() < 0.35:
        thanks_at = resolved_at + dt.timedelta(hours=rng.uniform(1, 20))
        tweet(thanks_at, T.THANKS[lang].format(**values), None, reply_to=opening, mentions=[account.x_user_id])
        contact += 1
        last_customer = max(last_customer, thanks_at)
    if rng.random() < 0.93:
        closed_at = max(resolved_at, last_customer) + dt.timedelta(days=rng.uniform(2, 7))
        case.closed_at = closed_at
        event(
            K.STATUS_CHANGED,
            closed_at,
            f"{S.RESOLVED.label} → {S.CLOSED.label}",
            {"from": S.RESOLVED, "to": S.CLOSED},
            agent,
        )
    else:
        case.status = S.RESOLVED
    case.category, case.category_confirmed = category, True
    case.escalation_level = level
    case.escalation_reason = reasons[-1] if reasons else ""
    case.contact_count = contact
    case.last_customer_message_at = last_customer
    case.last_agent_message_at = last_agent
    return _finish(case, person, order, items, tweets, dms, photos, events, promises, opening)


def _category_data(category: ComplaintCategory) -> dict:
    return {
        "from": None,
        "to": category.pk,
        "slug": category.slug,
        "suggested": category.pk,
        "accepted_suggestion": True,
    }


def _finish(case, person, order, items, tweets, dms, photos, events, promises, opening) -> _Plan:
    messages = sorted([(t.created_at, t.text) for t in tweets] + [(d.created_at, d.text) for d in dms])
    case.last_message_at, preview = messages[-1]
    case.last_message_preview = preview[:200]
    case.conversation_ids = sorted({t.conversation_id for t in tweets})
    case.contact_count = case.contact_count or 1
    case.version = len(events) + 1
    return _Plan(
        key=opening.x_id,
        person=person,
        case=case,
        order=order,
        items=items,
        tweets=tweets,
        dms=dms,
        photos=photos,
        events=events,
        promises=promises,
    )


def _latest(plan: _Plan) -> dt.datetime:
    times = [plan.case.closed_at or plan.case.resolved_at or plan.case.opened_at]
    times += (
        [t.created_at for t in plan.tweets] + [d.created_at for d in plan.dms] + [e.created_at for e in plan.events]
    )
    return max(t for t in times if t is not None)


def history_build(
    *,
    users: dict[str, Any],
    months: int = 12,
    now: dt.datetime | None = None,
    brand_x_user_ids: list[str] | None = None,
) -> HistoryResult:
    """Write ``months`` months of resolved and closed cases before the current month, plus the
    current month up to ``RECENT_DAYS`` ago. Nothing is written twice (see the module notes).

    ``brand_x_user_ids``: the demo's own accounts, which the history is written to (default: every
    account); a kept database may hold a desk's real accounts, which must get none of it.
    """
    result = HistoryResult()
    if months <= 0:
        return result
    now = now or timezone.now()
    this_month = dt.date(now.year, now.month, 1)
    cutoff = now - dt.timedelta(days=RECENT_DAYS)
    accounts = BrandAccount.objects.order_by("pk")
    if brand_x_user_ids is not None:
        accounts = accounts.filter(x_user_id__in=brand_x_user_ids)
    accounts = list(accounts)
    if not accounts:
        return result
    with transaction.atomic():
        ctx = _Context(users, accounts)
        if not ctx.categories:
            return result
        for account in accounts:
            ctx.brand_users[account.x_user_id], _ = XUser.objects.get_or_create(
                x_id=account.x_user_id,
                defaults={"handle": account.handle, "name": account.display_name or account.handle},
            )
        people = people_pool()
        stored_months = _months_with_history(this_month, months)
        plans: list[_Plan] = []
        for ago in range(months, -1, -1):
            month = month_add(this_month, -ago)
            if ago and month in stored_months:
                continue
            month_plans = [p for p in _plan_month(ctx, people, month, ago) if _latest(p) <= cutoff]
            if month_plans:
                result.months.append(f"{month:%Y-%m}")
            plans += month_plans
        if not plans:
            return result
        existing = set(Tweet.objects.filter(x_id__in=[p.key for p in plans]).values_list("x_id", flat=True))
        plans = [p for p in plans if p.key not in existing]
        if not plans:
            result.months = []
            return result
        plans.sort(key=lambda p: (p.case.opened_at, p.key))
        _write(plans, result)
    return result


def _months_with_history(this_month: dt.date, months: int) -> set[dt.date]:
    start = _aware(month_add(this_month, -months))
    opened = Case.objects.filter(opened_at__gte=start, customer_x_user__x_id__startswith=USER_PREFIX).values_list(
        "opened_at", flat=True
    )
    return {dt.date(o.year, o.month, 1) for o in opened}


def _write(plans: list[_Plan], result: HistoryResult) -> None:
    # Customers and their X users (new ones only).
    wanted = {p.person.x_id: p.person for p in plans}
    users = {u.x_id: u for u in XUser.objects.filter(x_id__in=list(wanted)).select_related("customer")}
    new_people = [person for x_id, person in wanted.items() if x_id not in users]
    customers = [
        Customer(
            display_name=person.name,
            country=person.country,
            language=person.lang,
            is_vip=person.vip,
            external_id=f"demo-h-{person.n}",
        )
        for person in new_people
    ]
    Customer.objects.bulk_create(customers)
    x_users = [
        XUser(
            x_id=person.x_id,
            handle=person.handle,
            name=person.name,
            customer=customer,
            followers_count=person.followers,
            following_count=person.followers // 3 + 40,
            lang=person.lang,
            location=person.country,
            accepts_dms=True,
        )
        for person, customer in zip(new_people, customers, strict=True)
    ]
    XUser.objects.bulk_create(x_users)
    result.customers = len(customers)
    for u in x_users:
        users[u.x_id] = u

    # Orders and items.
    orders = [p.order for p in plans if p.order is not None]
    taken = set(
        Order.objects.filter(order_number__in=[o.order_number for o in orders]).values_list("store", "order_number")
    )
    for plan in plans:
        if plan.order is not None and (plan.order.store, plan.order.order_number) in taken:
            plan.order = None
    for plan in plans:
        if plan.order is not None:
            plan.order.customer_id = users[plan.person.x_id].customer_id
    orders = [p.order for p in plans if p.order is not None]
    Order.objects.bulk_create(orders, batch_size=500)
    items = []
    for plan in plans:
        if plan.order is not None:
            for item in plan.items:
                item.order = plan.order
                items.append(item)
    OrderItem.objects.bulk_create(items, batch_size=500)
    result.orders = len(orders)

    # Cases, with references as the workflow gives them, and their order links.
    for plan in plans:
        user = users[plan.person.x_id]
        plan.case.customer_id = user.customer_id
        plan.case.customer_x_user = user
    cases = [p.case for p in plans]
    Case.objects.bulk_create(cases, batch_size=500)
    # The reference the workflow gives (CS-<year opened>-<id>), and the row's birth = the complaint.
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(
        reference=Concat(
            Value(f"{app_settings.CASE_REFERENCE_PREFIX}-"),
            Cast(ExtractYear("opened_at"), CharField()),
            Value("-"),
            LPad(Cast("id", CharField()), 6, Value("0")),
        ),
        created_at=F("opened_at"),
    )
    links = [Case.orders.through(case_id=p.case.pk, order_id=p.order.pk) for p in plans if p.order is not None]
    Case.orders.through.objects.bulk_create(links, batch_size=500)
    result.cases = len(cases)

    # Messages, media, events, promises.
    tweets, dms, media, events, promises = [], [], [], [], []
    for plan in plans:
        user = users[plan.person.x_id]
        for t in plan.tweets:
            t.case = plan.case
            if t.author_id is None:
                t.author = user
            if t.in_reply_to_user_id == CUSTOMER:
                t.in_reply_to_user_id = user.x_id
            t.mentioned_user_ids = [user.x_id if m == CUSTOMER else m for m in t.mentioned_user_ids]
            tweets.append(t)
        for d in plan.dms:
            d.case = plan.case
            if d.sender_id is None:
                d.sender = user
            if d.recipient_id is None:
                d.recipient = user
            dms.append(d)
        for e in plan.events:
            e.case = plan.case
            events.append(e)
        for promise in plan.promises:
            promise.case = plan.case
            promises.append(promise)
    Tweet.objects.bulk_create(tweets, batch_size=500)
    DirectMessage.objects.bulk_create(dms, batch_size=500)
    for plan in plans:
        for index, alt in plan.photos:
            tweet = plan.tweets[index]
            media.append(
                Media(
                    media_key=f"3_{tweet.x_id}",
                    type=Media.Type.PHOTO,
                    url=PHOTO_URL,
                    width=1200,
                    height=900,
                    alt_text=alt,
                    tweet=tweet,
                    raw={"source": "demo-history"},
                )
            )
    Media.objects.bulk_create(media, batch_size=500)
    CaseEvent.objects.bulk_create(events, batch_size=1000)
    # Each resolution's outcome, as the history the reports count (services/lifecycle.py writes both).
    outcomes = [
        CaseOutcome(
            case=e.case,
            outcome=e.data["outcome"],
            note=e.data.get("note") or "",
            refund_amount=Decimal(e.data["refund_amount"]) if e.data.get("refund_amount") else None,
            refund_currency=(e.data.get("refund_currency") or "") if e.data.get("refund_amount") else "",
            recorded_at=e.created_at,
            recorded_by_id=e.actor_id,
        )
        for e in events
        if e.kind == K.OUTCOME_RECORDED
    ]
    CaseOutcome.objects.bulk_create(outcomes, batch_size=1000)
    Promise.objects.bulk_create(promises, batch_size=500)
    # created_at is auto_now_add: give each promise the moment it was made (its PROMISE_MADE event).
    made = CaseEvent.objects.filter(case_id=OuterRef("case_id"), kind=K.PROMISE_MADE).order_by("created_at")
    Promise.objects.filter(pk__in=[p.pk for p in promises]).update(created_at=Subquery(made.values("created_at")[:1]))
    result.tweets, result.direct_messages = len(tweets), len(dms)
    result.events, result.promises = len(events), len(promises)
