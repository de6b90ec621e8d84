"""Loading the demo desk: logins, teams, brand accounts, customers, orders — then its cases.

The logic behind ``manage.py crm_twitter_demo`` (the command only parses its options and prints):

    python manage.py crm_twitter_demo --sync --advance   # cases arrive through a real sync from the sandbox
    python manage.py crm_twitter_demo --offline          # same desk without the sandbox
    python manage.py crm_twitter_demo --history 12       # only the year of closed cases behind the desk

With --advance (or --offline) the desk also gets 12 months of resolved and closed cases behind it
(``crm_twitter.demo.history``) so the dashboard and the monthly report have months to compare;
``--no-history`` leaves them out, ``--history N`` chooses how many months.

Idempotent: running it again creates nothing new and changes nothing that exists. Brands and
customers come from the sandbox scenario files (``crm_twitter/sandbox/scenarios/*.json``), so the
desk and the fake X agree on ids and handles.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.models import (
    OPEN_STATUSES,
    BrandAccount,
    Case,
    CaseStatus,
    ComplaintCategory,
    Customer,
    ExchangeRate,
    Order,
    Outcome,
    Promise,
    Team,
    TeamMembership,
    XUser,
)
from crm_twitter.roles import Role
from crm_twitter.services.errors import CaseRuleError

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "sandbox" / "scenarios"
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo login


class DemoError(ValueError):
    """The demo cannot be loaded as asked (the command shows it as a CommandError)."""


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
AMERICAS = {"US", "CA", "MX", "BR", "AR", "CL", "CO", "PE"}


def _hours(weekday: list[list[str]], saturday: list[list[str]] | None = None, sunday=None) -> dict:
    hours = {day: weekday for day in WEEKDAYS}
    hours["sat"] = saturday or []
    hours["sun"] = sunday or []
    return hours


# (slug, name, languages, time zone, working hours, agents: (username, first, last))
TEAMS: list[tuple[str, str, list[str], str, dict, list[tuple[str, str, str]]]] = [
    (
        "americas-en",
        "English — Americas",
        ["en"],
        "America/New_York",
        _hours([["08:00", "20:00"]], [["10:00", "16:00"]]),
        [("agent_en", "Emma", "Clarke")],
    ),
    (
        "europe-en",
        "English — Europe",
        ["en"],
        "Europe/London",
        _hours([["08:00", "18:00"]]),
        [("agent_uk", "Oliver", "Hughes")],
    ),
    (
        "china-zh",
        "中文 — 上海",
        ["zh"],
        "Asia/Shanghai",
        _hours([["09:00", "21:00"]], [["10:00", "18:00"]]),
        [("agent_zh", "伟", "李")],
    ),
    (
        "latam-es",
        "Español — LatAm y España",
        ["es"],
        "America/Mexico_City",
        _hours([["08:00", "19:00"]]),
        [("agent_es", "Lucía", "Fernández")],
    ),
    (
        "dach-de",
        "Deutsch — DACH",
        ["de"],
        "Europe/Berlin",
        _hours([["08:00", "17:00"]]),
        [("agent_de", "Jonas", "Becker")],
    ),
    (
        "france-fr",
        "Français — France",
        ["fr"],
        "Europe/Paris",
        _hours([["09:00", "18:00"]]),
        [("agent_fr", "Camille", "Martin")],
    ),
    ("japan-ja", "日本語 — 東京", ["ja"], "Asia/Tokyo", _hours([["09:00", "18:00"]]), [("agent_ja", "優希", "田中")]),
]
FALLBACK_TEAM = (
    "follow-the-sun",
    "Follow-the-sun (fallback)",
    [],
    "UTC",
    {day: [["00:00", "24:00"]] for day in (*WEEKDAYS, "sat", "sun")},
    [("agent_oncall", "Sam", "Okafor")],
)

# Units of USD one unit of each currency buys (demo values, late 2026).
USD_RATES = {
    "USD": "1",
    "EUR": "1.08",
    "GBP": "1.27",
    "JPY": "0.0067",
    "CNY": "0.139",
    "HKD": "0.128",
    "TWD": "0.031",
    "KRW": "0.00073",
    "MXN": "0.058",
    "BRL": "0.18",
    "ARS": "0.0011",
    "CLP": "0.0011",
    "COP": "0.00025",
    "CAD": "0.73",
    "AUD": "0.66",
    "NZD": "0.60",
    "CHF": "1.13",
    "SEK": "0.095",
    "NOK": "0.093",
    "DKK": "0.145",
    "PLN": "0.25",
    "INR": "0.012",
    "SGD": "0.74",
    "AED": "0.27",
}
RATES_VALID_FROM = dt.date(2026, 1, 1)
HISTORY_RATES_VALID_FROM = dt.date(2025, 1, 1)
HISTORY_MONTHS = 12


@dataclass
class Tally:
    """What this run created, for the summary printed at the end."""

    created: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)

    def add(self, what: str, n: int = 1) -> None:
        if n:
            self.created[what] = self.created.get(what, 0) + n


def scenario_files(names: list[str] | None) -> list[Path]:
    if names:
        paths = [SCENARIO_DIR / (n if n.endswith(".json") else f"{n}.json") for n in names]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise DemoError(f"Scenario file(s) not found: {', '.join(missing)}")
        return paths
    demo = SCENARIO_DIR / "demo.json"
    if demo.exists():
        return [demo]
    return sorted(SCENARIO_DIR.glob("*.json"))


def scenarios_load(paths: list[Path]) -> tuple[list[dict], list[dict], list[dict]]:
    """(scenarios, brands, customers) from the files; brands/customers de-duplicated by X id."""
    if not paths:
        raise DemoError(f"No scenario files in {SCENARIO_DIR}: the demo desk is built from them.")
    scenarios, brands, customers = [], {}, {}
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DemoError(f"Cannot read scenario {path.name}: {exc}") from exc
        scenarios.append(data)
        for brand in data.get("brands") or []:
            brands.setdefault(str(brand["x_user_id"]), brand)
        for customer in data.get("customers") or []:
            customers.setdefault(str(customer["x_user_id"]), customer)
    return scenarios, list(brands.values()), list(customers.values())


def sandbox_url(url: str) -> bool:
    """Is ``url`` a loopback address (where the sandbox runs), not X?"""
    host = (urlparse(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class DemoDesk:
    """One load of the demo desk. ``write`` prints a line, ``style`` colours it (Django's
    ``BaseCommand.style``, or anything with ``WARNING``/``SUCCESS`` functions)."""

    def __init__(self, *, write: Callable[[str], Any], style: Any) -> None:
        self.write = write
        self.style = style
        self.brand_x_user_ids: list[str] = []  # set by load() from the scenario files

    def load(
        self,
        *,
        sync: bool = False,
        advance: bool = False,
        offline: bool = False,
        history: int | None = None,
        no_history: bool = False,
        scenarios: list[str] | None = None,
        reset: bool = False,
    ) -> None:
        """Load the desk as the options ask; prints what it created through ``write``.

        ``reset`` first removes the demo's own data (``crm_twitter.demo.reset``): ``make run`` on a
        database it must keep, whose sandbox replays the scenario with new ids.
        """
        options = {
            "sync": sync,
            "advance": advance,
            "offline": offline,
            "history": history,
            "no_history": no_history,
            "scenarios": scenarios,
        }
        if options["sync"] and options["offline"]:
            raise DemoError("--sync talks to the sandbox, --offline does without it: choose one.")
        if options["sync"] and not sandbox_url(app_settings.API_BASE_URL):
            raise DemoError(
                f"--sync only talks to the X sandbox on this machine, but CRM_TWITTER['API_BASE_URL'] is "
                f"{app_settings.API_BASE_URL!r}. Start `manage.py crm_twitter_sandbox --port 8765` and set "
                "CRM_TWITTER_API_BASE_URL=http://127.0.0.1:8765, or use --offline."
            )
        if options["history"] is not None and options["history"] < 0:
            raise DemoError("--history takes a number of months (0 or more).")
        history_months = options["history"]
        if history_months is None:
            history_months = HISTORY_MONTHS if options["advance"] or options["offline"] else 0
        if options["no_history"]:
            history_months = 0
        tally = Tally()
        started = timezone.now()  # a live sandbox's new complaints arrive after this
        paths = scenario_files(options["scenarios"])
        scenarios, brands, customers = scenarios_load(paths)
        # The demo's own accounts: what it loads, walks and resets, whatever else the database holds.
        self.brand_x_user_ids = [str(brand["x_user_id"]) for brand in brands]
        if reset:
            from crm_twitter.demo.reset import demo_reset

            gone = demo_reset(brand_x_user_ids=self.brand_x_user_ids)
            if gone:
                tally.info.append("Reset first: removed " + ", ".join(f"{n} {kind}" for kind, n in gone.items()))
        with transaction.atomic():
            users = self.users_load(tally)
            self.teams_load(users, tally)
            self.accounts_load(brands, tally)
            self.customers_load(customers, tally)
            self.rates_load(customers, tally, history=bool(history_months))
        self.orders_load(customers, tally)
        if history_months:
            self.history_load(users, history_months, tally)
        if options["offline"]:
            self.messages_load_offline(paths, scenarios, tally)
        if options["sync"]:
            self.accounts_sync(tally)
        if options["advance"] or options["offline"]:
            self.cases_advance(users, scenarios, tally, arrived_after=started if options["sync"] else None)
            # After the walk: a supervisor's move counts as a person's touch, which the walk leaves alone.
            self.cases_to_language_teams(users, tally)
        self.report(tally)

    # --- people and teams ---------------------------------------------------------------------

    def users_load(self, tally: Tally) -> dict[str, Any]:
        User = get_user_model()
        groups = {role.value: Group.objects.get_or_create(name=role.value)[0] for role in Role}
        wanted = [("demo", "Dana", "Demo", True, [Role.SUPERVISOR.value])]
        wanted += [
            (u, first, last, False, [Role.AGENT.value])
            for *_, agents in (*TEAMS, FALLBACK_TEAM)
            for (u, first, last) in agents
        ]
        users = {}
        password_hash = ""
        for username, first, last, is_admin, roles in wanted:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@demo.example",
                    "is_staff": is_admin,
                    "is_superuser": is_admin,
                },
            )
            if created:
                # One hash for every demo login: hashing is deliberately slow, and they share a password.
                password_hash = password_hash or make_password(DEMO_PASSWORD)
                user.password = password_hash
                user.save(update_fields=["password"])
                tally.add("logins")
            user.groups.add(*(groups[r] for r in roles))
            users[username] = user
        return users

    def teams_load(self, users: dict[str, Any], tally: Tally) -> None:
        for slug, name, languages, zone, hours, agents in (*TEAMS, FALLBACK_TEAM):
            team, created = Team.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "languages": languages,
                    "time_zone": zone,
                    "working_hours": hours,
                    "is_fallback": slug == FALLBACK_TEAM[0],
                    "supervisors_email": "supervisors@demo.example",
                },
            )
            tally.add("teams", int(created))
            members = [(username, TeamMembership.Role.AGENT) for username, *_ in agents]
            members.append(("demo", TeamMembership.Role.SUPERVISOR))
            for username, role in members:
                _, made = TeamMembership.objects.get_or_create(team=team, user=users[username], defaults={"role": role})
                tally.add("team memberships", int(made))

    def accounts_load(self, brands: list[dict], tally: Tally) -> None:
        try:
            from crm_twitter.sandbox.state import sandbox_credentials
        except ImportError:  # pragma: no cover - the sandbox ships with the app

            def sandbox_credentials(user_id: str) -> dict[str, str]:
                return {"bearer_token": "sandbox-app-bearer-token", "access_token": f"{user_id}-sandbox-access-token"}

        for brand in brands:
            x_id = str(brand["x_user_id"])
            account = BrandAccount.objects.filter(x_user_id=x_id).first()
            if account is None:
                account = BrandAccount(
                    x_user_id=x_id,
                    handle=brand["handle"].lstrip("@"),
                    display_name=brand.get("name", "")[:100],
                    role=brand.get("role") or BrandAccount.Role.SUPPORT,
                    region=brand.get("region", ""),
                    default_language=brand.get("lang", "") or brand.get("language", ""),
                    monthly_budget=Decimal("250.00") if brand.get("role") != BrandAccount.Role.EXECUTIVE else None,
                )
                # Placeholder credentials the sandbox accepts; stored encrypted like real ones.
                account.set_credentials(**sandbox_credentials(x_id))
                account.save()
                tally.add("brand accounts")
            elif not account.has_credentials:
                account.set_credentials(**sandbox_credentials(x_id))
                account.save(update_fields=["credentials_encrypted", "updated_at"])

    def customers_load(self, customers: list[dict], tally: Tally) -> None:
        """A Customer and its XUser per scenario customer, so orders and ingest find them."""
        existing = {u.x_id: u for u in XUser.objects.filter(x_id__in=[str(c["x_user_id"]) for c in customers])}
        for row in customers:
            x_id = str(row["x_user_id"])
            x_user = existing.get(x_id)
            if x_user is not None and x_user.customer_id:
                continue
            customer = Customer.objects.create(
                display_name=row.get("name", "")[:200] or row["handle"],
                country=(row.get("country") or "")[:2].upper(),
                language=row.get("lang", ""),
                time_zone=row.get("time_zone", ""),
                is_vip=bool(row.get("vip")),
                email=row.get("email", ""),
            )
            tally.add("customers")
            if x_user is None:
                XUser.objects.create(
                    x_id=x_id,
                    handle=row["handle"].lstrip("@"),
                    name=row.get("name", "")[:200],
                    customer=customer,
                    followers_count=int(row.get("followers") or 0),
                    lang=row.get("lang", ""),
                    location=row.get("location", "") or row.get("country", ""),
                    accepts_dms=row.get("accepts_dms", True),
                )
                tally.add("X users")
            else:
                x_user.customer = customer
                x_user.save(update_fields=["customer", "updated_at"])

    def rates_load(self, customers: list[dict], tally: Tally, *, history: bool = False) -> None:
        """Rates for the currencies the demo's orders use; with the history also last year's rates
        (a little different), so refunds of every past month convert."""
        from crm_twitter.demo.history import history_currencies

        currencies = {o.get("currency", "USD").upper() for c in customers for o in c.get("orders") or []}
        currencies |= {"USD", "EUR", "GBP", "CNY", "JPY", "MXN"}
        periods = [(RATES_VALID_FROM, Decimal("1"))]
        if history:
            currencies |= history_currencies()
            periods.insert(0, (HISTORY_RATES_VALID_FROM, Decimal("0.97")))
        reporting = app_settings.REPORTING_CURRENCY
        base = Decimal(USD_RATES.get(reporting, "1"))
        for currency in sorted(currencies):
            if currency == reporting:
                continue
            if currency not in USD_RATES:
                tally.notes.append(f"no demo exchange rate for {currency}: add one in the admin for the reports")
                continue
            for valid_from, drift in periods:
                rate = (Decimal(USD_RATES[currency]) * drift / base).quantize(Decimal("0.00000001"))
                _, created = ExchangeRate.objects.get_or_create(
                    currency=currency, valid_from=valid_from, defaults={"rate": rate}
                )
                tally.add("exchange rates", int(created))

    def orders_load(self, customers: list[dict], tally: Tally) -> None:
        """Orders through the shop-import service (linked to customers by X handle); new ones only."""
        from crm_twitter.services.orders import orders_upsert

        rows = []
        now = timezone.now()
        for c_index, customer in enumerate(customers):
            for o_index, order in enumerate(customer.get("orders") or []):
                ordered = now - dt.timedelta(days=12 + (c_index * 5 + o_index * 3) % 30, hours=c_index % 24)
                row = {
                    "store": order.get("store") or "default",
                    "order_number": str(order["order_number"]),
                    "customer_handle": customer["handle"].lstrip("@"),
                    "status": order.get("status") or "shipped",
                    "ordered_at": order.get("ordered_at") or ordered.isoformat(),
                    "shipped_at": order.get("shipped_at") or (ordered + dt.timedelta(days=2)).isoformat(),
                    "items": [
                        {
                            "sku": i["sku"],
                            "title": i.get("title", ""),
                            "quantity": i.get("quantity", 1),
                            "unit_price": str(i.get("unit_price", "0")),
                        }
                        for i in order.get("items") or []
                    ],
                }
                for key in (
                    "currency",
                    "total_amount",
                    "carrier",
                    "tracking_number",
                    "destination_country",
                    "payment_method",
                    "payment_reference",
                    "marketplace",
                ):
                    if order.get(key) not in (None, ""):
                        row[key] = str(order[key])
                rows.append(row)
        if not rows:
            return
        existing = set(
            Order.objects.filter(order_number__in={r["order_number"] for r in rows}).values_list(
                "store", "order_number"
            )
        )
        new_rows = [r for r in rows if (r["store"], r["order_number"]) not in existing]
        if not new_rows:
            return
        results = orders_upsert(rows=new_rows)
        tally.add("orders", sum(1 for r in results if r.status == "created"))
        for result in results:
            if result.status == "error":
                tally.notes.append(f"order {result.order_number} refused: {result.errors}")

    def history_load(self, users: dict[str, Any], months: int, tally: Tally) -> None:
        """The year behind the desk: resolved and closed cases, backdated (see crm_twitter.demo.history)."""
        from crm_twitter.demo.history import history_build

        started = time.monotonic()
        result = history_build(users=users, months=months, brand_x_user_ids=self.brand_x_user_ids)
        seconds = time.monotonic() - started
        tally.add("history customers", result.customers)
        tally.add("history orders", result.orders)
        tally.add("history cases (resolved or closed)", result.cases)
        tally.add("history tweets", result.tweets)
        tally.add("history direct messages", result.direct_messages)
        tally.add("history case events", result.events)
        tally.add("history promises", result.promises)
        if result.cases:
            tally.info.append(f"History: {result.cases} cases over {', '.join(result.months)} ({seconds:.1f} s)")

    # --- messages and cases ---------------------------------------------------------------------

    def messages_load_offline(self, paths: list[Path], scenarios: list[dict], tally: Tally) -> None:
        """Play the scenarios into an in-memory fake X and ingest what it holds — no HTTP, no sandbox.

        Ingest is the same code the sync uses, so threading, order linking and case opening follow
        the same rules. X ids are generated per playback, so a desk that already holds the
        scenario customers' messages is left alone.
        """
        from crm_twitter.models import DirectMessage, Tweet

        customer_ids = [str(c["x_user_id"]) for s in scenarios for c in s.get("customers") or []]
        if (
            Tweet.objects.filter(author__x_id__in=customer_ids).exists()
            or DirectMessage.objects.filter(sender__x_id__in=customer_ids).exists()
        ):
            return
        from crm_twitter.x.ingest import dm_events_ingest, tweets_ingest

        accounts = {a.x_user_id: a for a in BrandAccount.objects.filter(is_active=True)}
        for path in paths:
            for kind, account_x_id, page in offline_pages(path):
                account = accounts.get(account_x_id)
                if account is None:
                    continue
                if kind == "tweets":
                    result = tweets_ingest(account=account, page=page)
                    tally.add("tweets", result.new_tweets)
                else:
                    result = dm_events_ingest(account=account, page=page)
                    tally.add("direct messages", result.new_dms)
                tally.add("cases", len(result.cases_opened))

    def accounts_sync(self, tally: Tally) -> None:
        """One sync per active account against the sandbox (never X itself: the demo's credentials
        are placeholders, and a demo must not spend a real API budget)."""
        from crm_twitter.x.sync import account_sync

        self.write(f"Syncing the brand accounts from {app_settings.API_BASE_URL} …")
        for account in BrandAccount.objects.filter(is_active=True).order_by("pk"):
            result = account_sync(account_id=account.pk)
            tally.add("tweets", result.new_tweets)
            tally.add("direct messages", result.new_dms)
            tally.add(
                "cases",
                len(result.cases_opened)
                if isinstance(result.cases_opened, (list, tuple))
                else int(result.cases_opened or 0),
            )
            if result.stopped_reason:
                tally.notes.append(f"sync of @{account.handle} stopped: {result.stopped_reason}")

    def cases_advance(
        self, users: dict[str, Any], scenarios: list[dict], tally: Tally, *, arrived_after: dt.datetime | None = None
    ) -> None:
        """Walk the open, untouched cases a step further, each to a planned place in the lifecycle.

        Noise (spam, praise, retweets, bystanders) is set aside as not actionable; the newest
        new complaint stays new for the agents to pick up; the rest rotate through the plans so
        the desk shows every state. Cases a person already acted on are left alone, so a second
        run changes nothing.
        """
        from crm_twitter.demo.history import USER_PREFIX

        noise = {
            str(person["x_user_id"])
            for scenario in scenarios
            for person in scenario.get("others") or []
            if person.get("role") in NOISE_ROLES
        }
        # What each scenario customer complains about, for the agent who confirms the category.
        intended = {
            str(person["x_user_id"]): person["complaint_category"]
            for scenario in scenarios
            for person in scenario.get("customers") or []
            if person.get("complaint_category")
        }
        categories = {c.slug: c for c in ComplaintCategory.objects.filter(is_active=True)}
        cases = list(
            Case.objects.filter(merged_into__isnull=True, brand_account__x_user_id__in=self.brand_x_user_ids)
            .exclude(customer_x_user__x_id__startswith=USER_PREFIX)  # the backdated history is finished work
            # Complaints that arrived live while this load ran are left as they came, and out of
            # the rotation: however long the load took, the desk it makes is the same.
            .exclude(opened_at__gt=arrived_after or timezone.now())
            .select_related("customer", "customer_x_user", "team", "assignee", "suggested_category")
            .order_by("opened_at", "pk")
        )
        agents_by_language = {
            lang: users[agents[0][0]] for _, _, languages, _, _, agents in TEAMS for lang in languages
        }
        touched = set(Case.objects.filter(events__actor__isnull=False).values_list("pk", flat=True).distinct())
        newest_new = max(
            (c for c in cases if c.status == CaseStatus.NEW), key=lambda c: (c.opened_at, c.pk), default=None
        )
        rotation = 0
        for case in cases:
            is_noise = case.customer_x_user is not None and case.customer_x_user.x_id in noise
            if is_noise:
                plan = "not_actionable"
            else:
                plan = PLANS[rotation % len(PLANS)]
                rotation += 1
            if case.status not in OPEN_STATUSES or case.pk in touched or plan == "new" or case == newest_new:
                continue
            # A supervisor hands each case to the agent who speaks its language (English: the
            # Americas team for customers there or of unknown country, the Europe team for the rest).
            language = (case.language or "")[:2]
            agent = agents_by_language.get(language) or case.assignee or users["agent_en"]
            if language == "en":
                agent = users["agent_en"] if case.customer.country in ("", *AMERICAS) else users["agent_uk"]
            # The agent confirms the category: the suggestion when it is what the customer complains
            # about (or nothing else is known), corrected to the scenario's category when it is not.
            category = None
            if case.customer_x_user is not None:
                category = categories.get(intended.get(case.customer_x_user.x_id, ""))
            if category is None and case.suggested_category is not None and case.suggested_category.is_active:
                category = case.suggested_category
            try:
                with transaction.atomic():
                    case = case_walk(case=case, plan=plan, agent=agent, index=rotation, category=category)
            except CaseRuleError as exc:
                tally.notes.append(f"{case}: stopped on the way to {plan}: {exc.message}")
                continue
            tally.add(f"cases moved on ({plan.replace('_', ' ')})")
        self.sla_sweep(tally)

    def cases_to_language_teams(self, users: dict[str, Any], tally: Tally) -> None:
        from crm_twitter.demo.teams import cases_to_language_teams

        moved = cases_to_language_teams(supervisor=users["demo"], brand_x_user_ids=self.brand_x_user_ids)
        tally.add("cases moved to the team speaking their language", moved)

    def sla_sweep(self, tally: Tally) -> None:
        """What the worker does every minute, once now: old open cases show up as overdue at once."""
        from crm_twitter.services.sla import sla_sweep

        result = sla_sweep()
        tally.add("SLA breaches marked", result.breached)

    def report(self, tally: Tally) -> None:
        if tally.created:
            self.write("Created:")
            for what, n in tally.created.items():
                self.write(f"  {n:5d} {what}")
        else:
            self.write("The demo desk is already loaded; nothing to create.")
        for line in tally.info:
            self.write(line)
        for note in tally.notes[:30]:
            self.write(self.style.WARNING(f"  note: {note}"))
        counts = dict(Case.objects.order_by().values_list("status").annotate(n=Count("pk")))
        self.write("Cases by status: " + ", ".join(f"{s} {counts.get(s, 0)}" for s in CaseStatus.values))
        self.write(
            self.style.SUCCESS(
                "Demo login: demo / demo (superuser, supervisor); agents: "
                + ", ".join(u for *_, agents in (*TEAMS, FALLBACK_TEAM) for u, *_ in agents)
                + " / demo"
            )
        )


# --- the lifecycle walk --------------------------------------------------------------------------

# Where the n-th complaint is taken; "new" leaves it for the agents to pick up, "unassigned"
# hands it back to the team queue. Cases not yet in DM (new, unassigned, acknowledged) are not
# categorised yet; from the DM on the agent has confirmed the category.
PLANS = (
    "awaiting_customer",
    "resolved_refund",
    "pending_merchant",
    "closed",
    "escalated",
    "unassigned",
    "resolved_partial",
    "in_dm",
    "closed_reship",
    "acknowledged",
    "resolved_declined",
    "pending_merchant",
    "new",
    "awaiting_customer",
    "escalated",
)
# Scenario people whose posts are not complaints (see the scenario files' "others").
NOISE_ROLES = {"praise", "suspended", "retweeter", "third_party", "bot", "spam"}
S = CaseStatus


def case_walk(*, case: Case, plan: str, agent, index: int, category: ComplaintCategory | None = None) -> Case:
    """Move one open case on from where it is towards ``plan``, the way the desk would: public
    acknowledgement, move to DM, confirm the category, coordinate with the merchant, resolve, close."""
    from crm_twitter.services.case_edits import case_add_note, case_set_category
    from crm_twitter.services.case_inputs import ResponseArrival
    from crm_twitter.services.case_intake import case_response_recorded
    from crm_twitter.services.escalation import case_escalate
    from crm_twitter.services.lifecycle import case_close, case_resolve, case_transition
    from crm_twitter.services.promises import promise_create, promise_keep
    from crm_twitter.services.routing import case_assign
    from crm_twitter.services.satisfaction import satisfaction_record

    now = timezone.now()
    opened = case.opened_at or now

    def at(minutes: int) -> dt.datetime:
        return max(opened, min(now, opened + dt.timedelta(minutes=minutes)))

    if plan == "unassigned":  # the agent routing chose is off: back to the team queue
        if case.assignee_id is not None:
            owner = case.assignee  # the agent going off shift hands it back
            case = case_assign(case=case, assignee=None, actor=owner)
            case_add_note(case=case, actor=owner, text="Back to the team queue: I'm off until Monday.")
        return case
    if case.assignee_id != agent.pk:
        case = case_assign(case=case, assignee=agent, actor=agent)
    if plan == "not_actionable":
        if case.status in (S.NEW, S.ACKNOWLEDGED, S.IN_DM):
            case = case_transition(
                case=case,
                to_status=S.NOT_ACTIONABLE,
                actor=agent,
                reason="Not a complaint (spam, praise or a bystander)",
            )
        return case
    if case.status == S.NEW:  # public acknowledgement within the first-response target
        case = case_response_recorded(
            response=ResponseArrival(case_id=case.pk, at=at(12 + index % 40), channel="public", actor_id=agent.pk)
        )
    if plan == "acknowledged":
        return case
    if case.status in (S.NEW, S.ACKNOWLEDGED):  # details collected privately
        case = case_response_recorded(
            response=ResponseArrival(case_id=case.pk, at=at(75 + index % 90), channel="dm", actor_id=agent.pk)
        )
    if category is not None:  # the details are in: the agent files the complaint
        case = case_set_category(case=case, actor=agent, category=category)
    if plan == "in_dm":
        return case
    if plan == "awaiting_customer":
        if case.status in (S.IN_DM, S.PENDING_MERCHANT, S.ACKNOWLEDGED):
            case = case_transition(
                case=case, to_status=S.AWAITING_CUSTOMER, actor=agent, reason="Asked for a photo of the parcel label"
            )
        return case
    if case.status in (S.ACKNOWLEDGED, S.IN_DM, S.AWAITING_CUSTOMER):
        case = case_transition(
            case=case, to_status=S.PENDING_MERCHANT, actor=agent, reason="Checking with the warehouse and the carrier"
        )
    if plan in {"pending_merchant", "escalated"}:
        refund = index % 2 == 0
        promise_create(
            case=case,
            actor=agent,
            kind=Promise.Kind.REFUND if refund else Promise.Kind.CARRIER_CLAIM,
            description="Refund the order" if refund else "Update the customer on the carrier trace",
            due_at=now + dt.timedelta(hours=20 + index % 30),
        )
        if plan == "escalated":
            case = case_escalate(case=case, actor=agent, reason="Customer threatens a chargeback", level=2)
        return case
    # Resolutions: refunds in the order's currency, a reship, a reasoned decline.
    order = case.orders.order_by("pk").first()
    amount = order.total_amount if order else Decimal("39.90")
    currency = order.currency if order else "USD"
    promise = promise_create(
        case=case,
        actor=agent,
        kind=Promise.Kind.REFUND,
        description="Refund the order",
        due_at=now + dt.timedelta(days=1),
    )
    promise_keep(promise=promise, actor=agent, note="Refund issued")
    if plan in {"resolved_refund", "closed"}:
        case = case_resolve(
            case=case,
            actor=agent,
            outcome=Outcome.REFUND,
            refund_amount=amount,
            refund_currency=currency,
            note="Full refund to the original payment method",
        )
    elif plan == "resolved_partial":
        case = case_resolve(
            case=case,
            actor=agent,
            outcome=Outcome.PARTIAL_REFUND,
            refund_amount=(amount * Decimal("0.3")).quantize(Decimal("0.01")),
            refund_currency=currency,
            note="30% goodwill refund for the late delivery",
        )
    elif plan == "closed_reship":
        case = case_resolve(case=case, actor=agent, outcome=Outcome.RESHIP, note="Reshipped with express tracking")
    else:
        case = case_resolve(
            case=case,
            actor=agent,
            outcome=Outcome.DECLINED,
            note="Delivered and signed for; the carrier's proof was sent to the customer",
        )
    if plan != "resolved_declined":
        case = satisfaction_record(case=case, score=(5, 4, 3, 5, 2)[index % 5], comment="")
    if plan in {"closed", "closed_reship"}:
        case = case_close(case=case, actor=agent)
    return case


ROLE_ORDER = {"support": 0, "regional": 1, "executive": 2}
PAGE_SIZE = 100


def offline_pages(path: Path) -> list[tuple[str, str, Any]]:
    """(kind, brand x id, page) in time order: the scenario played into an in-memory fake X and
    rendered exactly as the sandbox would answer the sync's requests — no HTTP involved."""
    from crm_twitter.sandbox.api import SandboxAPI
    from crm_twitter.sandbox.scenarios import scenario_play
    from crm_twitter.sandbox.state import SandboxState
    from crm_twitter.x import gateway as g

    state = SandboxState()
    scenario_play(state, str(path), live=False)
    api = SandboxAPI(state)
    common = {"user.fields": ",".join(g.USER_FIELDS), "media.fields": ",".join(g.MEDIA_FIELDS)}
    tweet_query = {**common, "tweet.fields": ",".join(g.TWEET_FIELDS), "expansions": ",".join(g.TWEET_EXPANSIONS)}
    dm_query = {**common, "dm_event.fields": ",".join(g.DM_EVENT_FIELDS), "expansions": ",".join(g.DM_EXPANSIONS)}
    brands = sorted(state.brands.values(), key=lambda b: ROLE_ORDER.get(b["role"], 9))
    brand_ids = [str(b["x_user_id"]) for b in brands]

    items: list[tuple[int, str, str, dict]] = []
    conversation_owner: dict[str, str] = {}
    for tweet in sorted(state.tweets.values(), key=lambda t: int(t["id"])):
        mentioned = {m.get("id") for m in tweet.get("entities", {}).get("mentions", [])}
        if tweet["author_id"] in brand_ids:
            owner = tweet["author_id"]
        else:
            owner = next((b for b in brand_ids if b in mentioned), None)
            if owner is None and tweet.get("in_reply_to_user_id") in brand_ids:
                owner = tweet["in_reply_to_user_id"]
            owner = owner or conversation_owner.get(tweet["conversation_id"])
        if owner is None:
            continue  # never reaches the brand's timelines
        conversation_owner.setdefault(tweet["conversation_id"], owner)
        items.append((int(tweet["id"]), "tweets", owner, tweet))
    for event in state.dm_events:
        owner = next((b for b in brand_ids if b in event["_participants"]), None)
        if owner is not None:
            items.append((int(event["id"]), "dms", owner, event))
    items.sort(key=lambda item: item[0])

    pages: list[tuple[str, str, Any]] = []
    batch: list[dict] = []
    for position, (_, kind, owner, obj) in enumerate(items):
        batch.append(obj)
        following = items[position + 1] if position + 1 < len(items) else None
        if following is None or following[1:3] != (kind, owner) or len(batch) >= PAGE_SIZE:
            if kind == "tweets":
                body = api.tweets_body(batch, tweet_query, meta={"result_count": len(batch)})
            else:
                body = api.dm_body(batch, dm_query, {"result_count": len(batch)})
            page = g.Page(
                data=body.get("data", []),
                includes=body.get("includes", {}),
                meta=body.get("meta", {}),
                errors=body.get("errors", []),
            )
            pages.append((kind, owner, page))
            batch = []
    return pages
