"""Benchmark: the agent inbox over 100,000 cases / 1,000,000 messages on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_twitter_bench python bench/inbox.py [--scale 1]

Seeds set-based (one ``INSERT … SELECT … FROM generate_series`` per table: seconds, not hours),
then renders pages server-side with Django's test client — the queue page (50 rows) under every
queue, each filter on its own and in combinations, every kind of search, its self-refresh, and a
case page with 200 messages — and prints, per page, the rows it shows, median, p95 and the number
of queries as a markdown table. A page that shows no rows fails the run (exit status 1): its time
would measure an empty result, not the page. Each timed request is a first render: cached queue
counts are dropped before it. ``--scale 0.1`` gives 10,000 cases / 100,000 messages for a quick
run; ``--scale 0.05`` (5,000 cases), the smallest at which every page has rows, checks that in a
minute or two. It empties the crm_twitter tables it seeds, so it refuses a database whose name
does not contain "bench" unless ``--force`` is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import load_average, markdown_table, median, p95, pg_bulk_load, setup_django

CASE_PAGE_MESSAGES = 200
OPEN_STATUSES = ("new", "acknowledged", "in_dm", "pending_merchant", "awaiting_customer")
LANGUAGES = ("en", "en", "en", "de", "fr", "es", "zh", "ja")
# What customers write (none of it says "blender": that word is the 200-message case's alone, so
# the message-text search finds one case at every scale). A number makes each message unique.
PHRASES = (
    "where is my parcel",
    "my order still has not arrived",
    "the package came damaged",
    "wrong size delivered",
    "I want a refund",
    "tracking has not moved for a week",
    "item missing from the box",
    "courier left it at the wrong address",
    "still waiting for my replacement",
    "the screen is cracked",
    "charged twice for one order",
    "can someone help me please",
)
# Customers' names: a first and a last name from the desk's languages and a few more (ASCII, as X
# display names often are), 6,400 combinations, so a name is shared by a few customers at 100k cases
# and by about 80 at 1M — as on a real desk. Names used to be "Customer 1", "Customer 2"…: every name then shared the
# trigrams of "Customer ", and the name search read all 500,000 names' posting lists at 1M.
_FIRST_NAMES = (
    "Anna Ben Carla David Emma Felix Grace Hugo Isabel Jonas Karin Lukas Maria Noah Olivia "
    "Paul Quentin Rosa Simon Tanja Ugo Vera William Xenia Yusuf Zoe Amelie Bruno Chloe Diego "
    "Elena Fabian Giulia Hannah Ivan Julia Klaus Lea Mateo Nina Oscar Pilar Rafael Sofia "
    "Thomas Lucia Camille Louis Manon Jakob Wei Fang Jing Lei Min Hao Yan Xin Jun Ling Yuki "
    "Haruto Sakura Ren Aoi Sota Mei Kenji Hiroshi Emi Sarah James Laura Daniel Marta Pablo "
    "Ines Tom Alice Mohammed"
)
FIRST_NAMES = tuple(_FIRST_NAMES.split())
_LAST_NAMES = (
    "Smith Johnson Brown Taylor Wilson Davies Evans Roberts Walker Wright Muller Schmidt "
    "Schneider Fischer Weber Meyer Wagner Becker Hoffmann Koch Martin Bernard Dubois Durand "
    "Lefebvre Moreau Laurent Girard Michel Fournier Garcia Rodriguez Gonzalez Fernandez Lopez "
    "Martinez Sanchez Perez Gomez Ruiz Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Sato "
    "Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Rossi Russo "
    "Ferrari Esposito Bianchi Nowak Kowalski Jensen Nielsen Hansen Andersson Johansson Silva "
    "Santos Oliveira Costa Murphy Kelly Novak Horvat"
)
LAST_NAMES = tuple(_LAST_NAMES.split())
# Customer i's name, an SQL expression of ``i``: the first name cycles with i, the last name with
# i / 80, so customers i and i + 6,400 are namesakes.
CUSTOMER_NAME = (
    "(ARRAY[" + ", ".join(f"'{n}'" for n in FIRST_NAMES) + f"])[1 + i % {len(FIRST_NAMES)}] || ' ' || "
    "(ARRAY[" + ", ".join(f"'{n}'" for n in LAST_NAMES) + f"])[1 + (i / {len(FIRST_NAMES)}) % {len(LAST_NAMES)}]"
)
MINUTES_3_YEARS = 3 * 365 * 24 * 60
MINUTES_60_DAYS = 60 * 24 * 60
# Tables the seed fills with more than a handful of rows: loaded without their secondary indexes.
BULK_TABLES = (
    "crm_twitter_customer",
    "crm_twitter_xuser",
    "crm_twitter_case",
    "crm_twitter_case_orders",
    "crm_twitter_order",
    "crm_twitter_tweet",
    "crm_twitter_directmessage",
    "crm_twitter_caseevent",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def literal(field) -> str:
    """A SQL literal for a NOT NULL column the seed leaves alone (keeps working when fields are added)."""
    from django.db import models

    if isinstance(field, models.DateTimeField):
        return "now()"
    if isinstance(field, models.DateField):
        return "CURRENT_DATE"
    if isinstance(field, models.JSONField):
        value = field.default() if callable(field.default) else field.default
        return "'" + json.dumps(value if value is not models.NOT_PROVIDED else {}).replace("'", "''") + "'::jsonb"
    if isinstance(field, models.UUIDField):
        return "gen_random_uuid()"
    default = field.default
    if default is models.NOT_PROVIDED:
        default = "" if isinstance(field, models.CharField | models.TextField) else 0
    if callable(default):
        default = default()
    if isinstance(default, bool):
        return "TRUE" if default else "FALSE"
    if isinstance(default, int | float):
        return str(default)
    return "'" + str(default).replace("'", "''") + "'"


def insert_select(cursor, model, values: dict[str, str], n: int, *, offset: int = 0) -> None:
    """INSERT one row per ``i`` in offset+1..offset+n; ``values`` maps column → SQL expression of ``i``."""
    columns, exprs = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = field.column
        if column in values:
            expr = values[column]
        elif field.null:
            continue
        else:
            expr = literal(field)
        columns.append(f'"{column}"')
        exprs.append(expr)
    cursor.execute(
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) SELECT {", ".join(exprs)} '
        f"FROM generate_series({offset + 1}::bigint, {offset + n}::bigint) AS g(i)"
    )


def pick(options, expr: str) -> str:
    array = "ARRAY[" + ", ".join("'" + str(o).replace("'", "''") + "'" for o in options) + "]"
    return f"({array})[1 + (({expr}) % {len(options)})]"


def index_migrations() -> list:
    """The migrations that define the inbox's PostgreSQL indexes (their module names start with a
    digit): each has a list of ``(name, …)`` and a function creating them."""
    import importlib

    search = importlib.import_module("crm_twitter.migrations.0003_inbox_search_indexes")
    unassigned = importlib.import_module("crm_twitter.migrations.0005_inbox_unassigned_team_index")
    scale = importlib.import_module("crm_twitter.migrations.0017_bench_scale")
    plans = importlib.import_module("crm_twitter.migrations.0021_queue_plans")
    return [
        (search.SEARCH_INDEXES, search.create_search_indexes),
        (unassigned.INDEXES, unassigned.create_indexes),
        (scale.INDEXES, scale.create_indexes),
        (plans.INDEXES, plans.create_indexes),
    ]


def seed(*, cases: int, messages: int) -> dict:
    """Fill the database: one transaction, tables loaded without their secondary indexes, which are
    rebuilt once at the end (``pg_bulk_load``); then VACUUM ANALYZE as autovacuum would."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic():
        info = _seed(cases=cases, messages=messages)
    step = time.perf_counter()
    with connection.cursor() as cursor:
        # What autovacuum does to a table in service: statistics, and the visibility map that lets
        # the counts read their covering index alone (a fresh bulk load has none).
        cursor.execute("VACUUM (ANALYZE)")
    log(f"  VACUUM ANALYZE: {time.perf_counter() - step:.0f} s")
    info["seconds"] = time.perf_counter() - started
    return info


def _seed(*, cases: int, messages: int) -> dict:
    from django.contrib.auth.models import Group
    from django.db import connection

    from crm_twitter import models as m
    from tests.factories import BrandAccountFactory, TeamFactory, TeamMembershipFactory, UserFactory

    customers = max(cases // 2, 1)
    # Customers with many cases: every hundredth case goes to one of a few regulars (one per 10,000
    # cases, so each has about a hundred at every scale; customer 1, the 200-message case's, is one).
    regulars = max(cases // 10_000, 1)

    def cust_of(case_expr: str) -> str:
        return (
            f"(CASE WHEN ({case_expr}) % 100 = 0 THEN 1 + (({case_expr}) / 100) % {regulars} "
            f"ELSE 1 + (({case_expr}) - 1) % {customers} END)"
        )

    tables = [
        m.Media,
        m.Tweet,
        m.DirectMessage,
        m.CaseEvent,
        m.Promise,
        m.OutboundMessage,
        m.Notification,
        m.ApiCall,
        m.Case.orders.through,
        m.OrderItem,
        m.Order,
        m.Case,
        m.XUser,
        m.Customer,
        m.TeamMembership,
        m.Team,
        m.BrandAccount,
    ]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'"{t._meta.db_table}"' for t in tables) + " RESTART IDENTITY CASCADE")
    teams = [
        TeamFactory(name=f"Bench {code}", slug=f"bench-{code}", languages=[code])
        for code in ("en", "de", "fr", "es", "zh", "ja")
    ]
    team_by_lang = {t.languages[0]: t.pk for t in teams}
    agents = []
    for i in range(40):
        user = UserFactory(username=f"bench-agent-{i}", first_name="Agent", last_name=str(i), roles=["crm_agent"])
        TeamMembershipFactory(team=teams[i % len(teams)], user=user)
        agents.append(user.pk)
    supervisor = UserFactory(username="bench-supervisor", first_name="Sam", last_name="Visor", roles=["crm_supervisor"])
    Group.objects.get(name="crm_supervisor")
    brands = [
        BrandAccountFactory(handle="benchhelp", x_user_id="990001"),
        BrandAccountFactory(handle="benchhelp_eu", x_user_id="990002"),
    ]
    categories = list(m.ComplaintCategory.objects.values_list("pk", flat=True))

    lang = pick(LANGUAGES, "i * 7")
    with connection.cursor() as cursor, pg_bulk_load(cursor, BULK_TABLES, log=log):
        step = time.perf_counter()
        insert_select(
            cursor,
            m.Customer,
            {
                "display_name": CUSTOMER_NAME,
                "email": "'customer' || i || '@example.com'",
                "country": pick(("US", "US", "GB", "DE", "FR", "ES", "CN", "JP"), "i * 7"),
                "language": lang,
                "time_zone": "'UTC'",
                "is_vip": "(i % 97 = 0)",
            },
            customers,
        )
        insert_select(
            cursor,
            m.XUser,
            {
                "x_id": "(100000000 + i)::text",
                "handle": "'cust' || i",
                "name": CUSTOMER_NAME,
                "customer_id": "i",
                "followers_count": "CASE WHEN i % 50 = 0 THEN 20000 + i % 90000 ELSE i % 3000 END",
                "lang": lang,
                "location": "''",
            },
            customers,
        )
        log(f"  customers and X users: {time.perf_counter() - step:.0f} s")
        step = time.perf_counter()
        cust = cust_of("i")
        bucket = "((i * 7919) % 100)"
        status = (
            f"CASE WHEN {bucket} < 25 THEN {pick(OPEN_STATUSES, 'i * 13')} "
            f"WHEN {bucket} < 85 THEN 'resolved' WHEN {bucket} < 97 THEN 'closed' ELSE 'not_actionable' END"
        )
        is_open = f"({bucket} < 25)"
        # Three years of history: open cases were opened in the last 60 days, the rest at any time.
        opened = (
            f"(now() - ((i * 104729) % (CASE WHEN {is_open} THEN {MINUTES_60_DAYS} ELSE {MINUTES_3_YEARS} END))"
            " * INTERVAL '1 minute')"
        )
        due = "(now() + (((i * 37) % 2880) - 480) * INTERVAL '1 minute')"
        agent_array = "(ARRAY[" + ",".join(map(str, agents)) + "])"
        # Agents work their own team's cases (agent j is in team j % 6); one case in twenty went to
        # someone in another team (moved, or handed over).
        team_agents = {
            code: [pk for j, pk in enumerate(agents) if j % len(teams) == k]
            for k, code in enumerate(t.languages[0] for t in teams)
        }
        own_team_agent = (
            "CASE "
            + " ".join(
                f"WHEN {pick(LANGUAGES, f'({cust}) * 7')} = '{code}' "
                f"THEN (ARRAY[{','.join(map(str, pks))}])[1 + (i % {len(pks)})]"
                for code, pks in team_agents.items()
            )
            + " END"
        )
        team_expr = (
            "CASE "
            + " ".join(
                f"WHEN {pick(LANGUAGES, f'({cust}) * 7')} = '{code}' THEN {pk}" for code, pk in team_by_lang.items()
            )
            + " END"
        )
        category_array = "(ARRAY[" + ",".join(map(str, categories)) + "])"
        insert_select(
            cursor,
            m.Case,
            {
                "reference": "'CS-2025-' || lpad(i::text, 7, '0')",
                "customer_id": cust,
                "customer_x_user_id": cust,
                # Alternating in pairs: with ``i % 2`` the second account never got the even-numbered
                # categories (12 of them, picked by ``i % 12``), so "category + brand account" found nothing.
                "brand_account_id": str(brands[0].pk) + " + ((i / 2) % 2)",
                "status": status,
                "priority": pick(("low", "normal", "normal", "normal", "high", "urgent"), "i * 31"),
                "priority_score": "(i * 17) % 100",
                # A quarter unassigned, in runs of three consecutive cases so every language (hence
                # every team, the measured agent's included) gets some: ``i % 4`` picked only
                # customers whose language routes to the English and French teams.
                "assignee_id": (
                    f"CASE WHEN (i / 3) % 4 = 0 THEN NULL WHEN i % 20 = 7 THEN {agent_array}[1 + (i % {len(agents)})] "
                    f"ELSE {own_team_agent} END"
                ),
                "team_id": team_expr,
                "language": pick(LANGUAGES, f"({cust}) * 7"),
                "category_id": f"CASE WHEN i % 5 = 0 THEN NULL ELSE {category_array}[1 + (i % {len(categories)})] END",
                "category_confirmed": "(i % 3 = 0)",
                "suggested_category_id": f"{category_array}[1 + ((i * 3) % {len(categories)})]",
                # One in ten escalated, in pairs so both parities (hence every team) get some.
                "escalation_level": "CASE WHEN ((i / 2) * 11) % 10 = 0 THEN 1 + (i % 3) ELSE 0 END",
                "sla_due_at": f"CASE WHEN {is_open} THEN {due} END",
                "is_overdue": f"({is_open} AND {due} < now())",
                "opened_at": opened,
                "first_response_at": f"{opened} + INTERVAL '30 minutes'",
                "last_message_at": f"{opened} + INTERVAL '2 hours'",
                "last_message_preview": "'@benchhelp my parcel ' || i || ' never arrived, where is it?'",
                "resolved_at": f"CASE WHEN NOT {is_open} THEN LEAST(now(), {opened} + (1 + i % 96) * INTERVAL '1 hour') END",
                # A rare 150k (0.5 %): the "reach 100k+" filter finds a handful deep in the queue.
                "reach": "CASE WHEN i % 199 = 0 THEN 150000 WHEN i % 50 = 0 THEN 20000 ELSE i % 3000 END",
                "conversation_ids": "'[]'::jsonb",
            },
            cases,
        )
        log(f"  cases: {time.perf_counter() - step:.0f} s")
        step = time.perf_counter()
        # Every case's "created" event (the case page and the reports read the event table).
        insert_select(
            cursor,
            m.CaseEvent,
            {
                "case_id": "i",
                "kind": "'created'",
                "message": "''",
                "data": "'{}'::jsonb",
                "created_at": "(SELECT opened_at FROM crm_twitter_case WHERE id = i)",
            },
            cases,
        )
        insert_select(
            cursor,
            m.Order,
            {
                "store": "'default'",
                "order_number": "(40000000 + i)::text",
                "customer_id": f"1 + (i - 1) % {customers}",
                "currency": "'EUR'",
                "total_amount": "(i % 200) + 9.90",
                "carrier": "'DHL'",
                "tracking_number": "'RR' || lpad(i::text, 9, '0') || 'CN'",
                "ordered_at": "now() - INTERVAL '20 days'",
                "raw": "'{}'::jsonb",
            },
            cases // 2,
        )
        cursor.execute(
            f'INSERT INTO "{m.Case.orders.through._meta.db_table}" (case_id, order_id) '
            f"SELECT 2 * g.i, g.i FROM generate_series(1, {cases // 2}) AS g(i)"
        )
        # Messages: 60 % public tweets, 40 % DMs, spread over the cases (case 1 gets its own 200).
        log(f"  events and orders: {time.perf_counter() - step:.0f} s")
        step = time.perf_counter()
        case_of = f"(2 + (i % {cases - 1}))"
        three_years = f"((i * 7) % {MINUTES_3_YEARS}) * INTERVAL '1 minute'"
        tweets = int(messages * 0.6)
        dms = messages - tweets
        insert_select(
            cursor,
            m.Tweet,
            {
                "x_id": "(1800000000000000000 + i)::text",
                "brand_account_id": str(brands[0].pk),
                "author_id": cust_of(case_of),
                "case_id": case_of,
                "direction": "'inbound'",
                "party": "'customer'",
                "kind": "'reply'",
                "text": f"'@benchhelp ' || {pick(PHRASES, 'i * 13')} || ' #' || i",
                "lang": "'en'",
                "conversation_id": f"(1800000000000000000 + {case_of})::text",
                "created_at": f"now() - {three_years}",
                "public_metrics": "'{}'::jsonb",
                "mentioned_user_ids": "'[]'::jsonb",
                "raw": "'{}'::jsonb",
            },
            tweets,
        )
        insert_select(
            cursor,
            m.DirectMessage,
            {
                "x_event_id": "(1900000000000000000 + i)::text",
                "dm_conversation_id": "'conv-' || " + case_of,
                "brand_account_id": str(brands[0].pk),
                "sender_id": cust_of(case_of),
                "case_id": case_of,
                "direction": "'inbound'",
                "event_type": "'MessageCreate'",
                "text": f"'my order number is ' || (40000000 + i % 50000) || ', ' || {pick(PHRASES, 'i * 5')}",
                "created_at": f"now() - {three_years} - INTERVAL '3 minutes'",
                "raw": "'{}'::jsonb",
            },
            dms,
        )
        log(f"  {messages:,} messages: {time.perf_counter() - step:.0f} s")
        step = time.perf_counter()
        # The 200-message case: a thread, DMs both ways, notes, media, an order, a promise.
        half = CASE_PAGE_MESSAGES // 2
        insert_select(
            cursor,
            m.Tweet,
            {
                "x_id": "(1700000000000000000 + i)::text",
                "brand_account_id": str(brands[0].pk),
                "author_id": "1",
                "case_id": "1",
                "direction": "'inbound'",
                "party": "'customer'",
                "kind": "'reply'",
                "text": "'@benchhelp message ' || i || ' about my blender'",
                "lang": "'en'",
                "conversation_id": "'1700000000000000001'",
                "in_reply_to_tweet_id": "CASE WHEN i > 1 THEN (1700000000000000000 + i - 1)::text ELSE '' END",
                "created_at": "now() - (400 - 2 * i) * INTERVAL '1 minute'",
                "public_metrics": "'{}'::jsonb",
                "mentioned_user_ids": "'[]'::jsonb",
                "raw": "'{}'::jsonb",
            },
            half,
        )
        insert_select(
            cursor,
            m.DirectMessage,
            {
                "x_event_id": "(1600000000000000000 + i)::text",
                "dm_conversation_id": "'conv-1'",
                "brand_account_id": str(brands[0].pk),
                "sender_id": "1",
                "case_id": "1",
                "direction": "'inbound'",
                "event_type": "'MessageCreate'",
                "text": "'DM ' || i || ': order 40000002, photo attached'",
                "created_at": "now() - (399 - 2 * i) * INTERVAL '1 minute'",
                "raw": "'{}'::jsonb",
            },
            half,
        )
        insert_select(
            cursor,
            m.Media,
            {
                "media_key": "'3_' || (1500000000000000000 + i)",
                "type": "'photo'",
                "url": "'https://pbs.twimg.com/media/bench' || i || '.jpg'",
                "tweet_id": "(SELECT id FROM crm_twitter_tweet WHERE x_id = (1700000000000000000 + i * 10)::text)",
                "is_evidence": "TRUE",
                "raw": "'{}'::jsonb",
            },
            10,
        )
        insert_select(
            cursor,
            m.CaseEvent,
            {
                "case_id": "1",
                "actor_id": str(agents[0]),
                "kind": "'note'",
                "message": "'Checked with warehouse ' || i",
                "data": "'{}'::jsonb",
                "created_at": "now() - (401 - 20 * i) * INTERVAL '1 minute'",
            },
            20,
        )
        cursor.execute(
            "UPDATE crm_twitter_case SET status = 'in_dm', sla_due_at = now() + INTERVAL '1 hour', "
            "resolved_at = NULL WHERE id = 1"
        )
        insert_select(
            cursor,
            m.Promise,
            {
                "case_id": "1",
                "kind": "'refund'",
                "description": "'Refund by Friday'",
                "due_at": "now() + INTERVAL '2 days'",
                "status": "'open'",
            },
            1,
        )
    with connection.schema_editor(atomic=False) as editor:
        # The inbox's own indexes, should an earlier run (before pg_bulk_load) have left them dropped.
        for _indexes, create in index_migrations():
            create(None, editor)
    log(f"  indexes rebuilt: {time.perf_counter() - step:.0f} s")
    return {
        "supervisor": supervisor,
        "agent_id": agents[1],
        "brand_id": brands[1].pk,
        "team_id": teams[1].pk,
        "category": m.ComplaintCategory.objects.get(pk=categories[2]).slug,
    }


def search_targets(*, around: int = 4242) -> dict[str, str]:
    """What the searches look for, read from the seeded data so each one finds a case at any scale.

    An open case's customer (handle, name) for the open-queue searches; a resolved case with an
    order (reference, order number, tracking number) for the resolved-queue ones. Both taken near
    case ``around`` (or the middle of a smaller seed), not at the start of the table.
    """
    from crm_twitter.models import Case

    start = min(around, max(Case.objects.count() // 2, 1))
    open_case = (
        Case.objects.filter(status__in=OPEN_STATUSES, pk__gte=start, customer_x_user__isnull=False)
        .select_related("customer", "customer_x_user")
        .order_by("pk")
        .first()
    )
    done = (
        Case.objects.filter(status__in=("resolved", "closed"), resolved_at__isnull=False, pk__gte=start)
        .filter(orders__isnull=False)
        .order_by("pk")
        .first()
    )
    if open_case is None or done is None:
        sys.exit("bench/inbox.py: the seed has no open case or no resolved case with an order to search for")
    order = done.orders.order_by("pk").first()
    return {
        "handle": "@" + open_case.customer_x_user.handle,
        "name": open_case.customer.display_name,
        "reference": done.reference,
        "order_number": order.order_number,
        "tracking_number": order.tracking_number,
    }


def cold_caches() -> None:
    """Forget what a repeated request would find cached (outside the timed request).

    The queue counts are cached for 5 s, and the page refreshes every 20 s: in real use most
    requests (the first visit, every refresh) pay for counting, so each timed request here does
    too. The order matcher may memoise the numbers it found per text; a case page's first render
    (a new message, another web worker) finds nothing there, so neither does the timed one. The
    whole cache is emptied (the queue's 20-second row fragments too): otherwise whether a request
    found the rows cached depended on timing, and its query count varied by one to three.
    """
    from django.core.cache import cache

    from crm_twitter.services import order_matching

    cache.clear()
    memo = getattr(order_matching, "_find_cached", None)
    if memo is not None and hasattr(memo, "cache_clear"):
        memo.cache_clear()


USER_IDS: list[int] = []


def rows_shown(response) -> int:
    """How many rows the page shows: the queue's case rows, or the case page's timeline entries."""
    context = response.context
    for key in ("rows", "timeline"):
        if context is not None and key in context:
            return len(context[key])
    raise AssertionError(f"bench/inbox.py cannot tell how many rows {response.request['PATH_INFO']} shows")


def measure(
    client, url: str, params: dict, *, repeat: int, headers: dict | None = None, explain: int = 0
) -> tuple[float, float, int, int, float]:
    """Median and p95 wall-clock ms of ``repeat`` GETs, the queries one GET runs, the rows it shows and
    the median ms spent waiting for the database (what grows with data; the rest is Python).

    With ``explain``, the page's slowest queries (that many) go to stderr with their time and the
    EXPLAIN (ANALYZE, BUFFERS) of each: where a page's time goes, without guessing.
    """
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    for _ in range(3):  # warm caches (query plans, templates)
        response = client.get(url, params, headers=headers or {})
        assert response.status_code == 200, (url, params, response.status_code)
    # One more, untimed, with the templates instrumented so the response carries its context (the
    # instrumentation stays off for the timed requests).
    setup_test_environment()
    try:
        cold_caches()
        response = client.get(url, params, headers=headers or {})
    finally:
        teardown_test_environment()
    # A filter the form refuses would silently measure the unfiltered queue.
    form = response.context.get("form") if response.context else None
    assert form is None or not form.errors, (params, form.errors)
    shown = rows_shown(response)
    executed = []

    def count(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            executed.append(((time.perf_counter() - start) * 1000, sql, params))

    cold_caches()
    with connection.execute_wrapper(count):
        client.get(url, params, headers=headers or {})
    if explain:
        explain_slowest(executed, explain)
    timings, sql_ms = [], []

    def sql_time(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - start

    for _ in range(repeat):
        cold_caches()
        spent = [0.0]
        with connection.execute_wrapper(sql_time):
            start = time.perf_counter()
            client.get(url, params, headers=headers or {})
            timings.append((time.perf_counter() - start) * 1000)
        sql_ms.append(spent[0] * 1000)
    return median(timings), p95(timings), len(executed), shown, median(sql_ms)


def explain_slowest(executed: list, n: int) -> None:
    from django.db import connection

    for ms, sql, params in sorted(executed, key=lambda e: e[0], reverse=True)[:n]:
        log(f"--- {ms:.1f} ms: {sql[:300]}")
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            log("\n".join("    " + line for (line,) in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 100,000 cases / 1,000,000 messages")
    parser.add_argument(
        "--repeat", type=int, default=None, help="timed runs per page (default 40; 20 above --scale 1, for time)"
    )
    parser.add_argument("--force", action="store_true", help="seed a database whose name lacks 'bench'")
    parser.add_argument("--reuse", action="store_true", help="measure the data already seeded")
    parser.add_argument(
        "--only", default="", help="measure only the pages whose label contains this text (or one of a|b|c)"
    )
    parser.add_argument("--explain", type=int, default=0, help="print each page's N slowest queries, explained")
    args = parser.parse_args()
    if args.repeat is None:
        # At 1M cases the seed alone takes ~15 minutes on two shared cores: 20 runs per page keep
        # `BENCH_SCALE=10 make bench` within its half hour.
        args.repeat = 40 if args.scale <= 1 else 20

    vendor = setup_django()
    from django.conf import settings
    from django.core.management import call_command

    if vendor != "postgresql":
        sys.exit("bench/inbox.py needs PostgreSQL: set DATABASE_URL=postgres://…/crm_twitter_bench")
    name = settings.DATABASES["default"]["NAME"]
    if "bench" not in name and not args.force:
        sys.exit(f"refusing to empty the crm_twitter tables of {name!r} (no 'bench' in its name); use --force")
    settings.ALLOWED_HOSTS = ["*"]
    call_command("createcachetable", verbosity=0)

    cases = max(int(100_000 * args.scale), 100)
    messages = max(int(1_000_000 * args.scale), 1000)
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    if args.reuse:
        user_model = get_user_model()
        info = {
            "seconds": 0.0,
            "supervisor": user_model.objects.get(username="bench-supervisor"),
            "agent_id": user_model.objects.get(username="bench-agent-1").pk,
        }
        from crm_twitter.models import BrandAccount, ComplaintCategory, Team

        info.update(
            brand_id=BrandAccount.objects.get(handle="benchhelp_eu").pk,
            team_id=Team.objects.get(slug="bench-de").pk,
            category=ComplaintCategory.objects.order_by("pk").values_list("slug", flat=True)[2],
        )
    else:
        info = seed(cases=cases, messages=messages)
    from crm_twitter.models import Case, DirectMessage, Tweet

    supervisor = Client()
    supervisor.force_login(info["supervisor"])
    USER_IDS[:] = [info["supervisor"].pk, info["agent_id"]]
    agent = Client()
    agent.force_login(get_user_model().objects.get(pk=info["agent_id"]))
    queue = reverse("crm_twitter_inbox:queue")
    case_url = reverse("crm_twitter_inbox:case", args=[1])
    htmx = {"HX-Request": "true", "HX-Target": "queue-results"}
    today = dt.date.today()
    target = search_targets()
    month_ago = (today - dt.timedelta(days=30)).isoformat()
    week_ago = (today - dt.timedelta(days=7)).isoformat()
    scenarios = [
        ("Queue: all open (supervisor)", supervisor, queue, {"queue": "all_open"}, None),
        ("Queue: my cases (agent)", agent, queue, {"queue": "mine"}, None),
        ("Queue: unassigned (agent, own teams)", agent, queue, {"queue": "unassigned"}, None),
        ("Queue: escalated", supervisor, queue, {"queue": "escalated"}, None),
        ("Queue: overdue", supervisor, queue, {"queue": "overdue"}, None),
        ("Queue: awaiting customer", supervisor, queue, {"queue": "awaiting_customer"}, None),
        ("Queue: resolved", supervisor, queue, {"queue": "resolved"}, None),
        (
            "Filter: status in_dm + language de",
            supervisor,
            queue,
            {"queue": "all_open", "status": "in_dm", "language": "de"},
            None,
        ),
        (
            "Filter: category + brand account",
            supervisor,
            queue,
            {"queue": "all_open", "category": info["category"], "brand_account": str(info["brand_id"])},
            None,
        ),
        (
            "Filter: team + escalation 1+",
            supervisor,
            queue,
            {"queue": "all_open", "team": str(info["team_id"]), "escalation": "1"},
            None,
        ),
        (
            "Filter: reach 10k+ + opened last 30 days",
            supervisor,
            queue,
            {"queue": "all_open", "reach_min": "10000", "opened_from": month_ago},
            None,
        ),
        # Each filter of the form on its own ("any filter", 50 rows where that many match).
        ("Filter: status", supervisor, queue, {"queue": "all_open", "status": "pending_merchant"}, None),
        ("Filter: category", supervisor, queue, {"queue": "all_open", "category": info["category"]}, None),
        (
            "Filter: brand account",
            supervisor,
            queue,
            {"queue": "all_open", "brand_account": str(info["brand_id"])},
            None,
        ),
        ("Filter: language", supervisor, queue, {"queue": "all_open", "language": "fr"}, None),
        ("Filter: team", supervisor, queue, {"queue": "all_open", "team": str(info["team_id"])}, None),
        ("Filter: assignee", supervisor, queue, {"queue": "all_open", "assignee": str(info["agent_id"])}, None),
        ("Filter: assignee nobody", supervisor, queue, {"queue": "all_open", "assignee": "none"}, None),
        ("Filter: escalation level 3", supervisor, queue, {"queue": "all_open", "escalation": "3"}, None),
        ("Filter: reach 1k+", supervisor, queue, {"queue": "all_open", "reach_min": "1000"}, None),
        ("Filter: reach 100k+ (rare, 0.5 %)", supervisor, queue, {"queue": "all_open", "reach_min": "100000"}, None),
        (
            "Filter: opened in a 7-day range",
            supervisor,
            queue,
            {"queue": "all_open", "opened_from": (today - dt.timedelta(days=14)).isoformat(), "opened_to": week_ago},
            None,
        ),
        (
            "Filter: resolved, category + date range",
            supervisor,
            queue,
            {"queue": "resolved", "category": info["category"], "opened_from": month_ago},
            None,
        ),
        (
            # Three years of history: a week a year back, deep in the resolved queue's order.
            "Filter: resolved, opened in a 7-day range a year ago",
            supervisor,
            queue,
            {
                "queue": "resolved",
                "opened_from": (today - dt.timedelta(days=400)).isoformat(),
                "opened_to": (today - dt.timedelta(days=394)).isoformat(),
            },
            None,
        ),
        (
            # Wide and old: too many cases to read and sort (a quarter of the history), and two years
            # of later resolutions between today and them in the queue's order.
            "Filter: resolved, opened 2 to 3 years ago (wide, old)",
            supervisor,
            queue,
            {
                "queue": "resolved",
                "opened_from": (today - dt.timedelta(days=3 * 365)).isoformat(),
                "opened_to": (today - dt.timedelta(days=2 * 365)).isoformat(),
            },
            None,
        ),
        (
            "Filter: resolved, opened before 18 months ago (no start)",
            supervisor,
            queue,
            {"queue": "resolved", "opened_to": (today - dt.timedelta(days=548)).isoformat()},
            None,
        ),
        (
            "Filter (agent): unassigned + language + escalation",
            agent,
            queue,
            {"queue": "unassigned", "language": "de", "escalation": "1"},
            None,
        ),
        ("Filter: page 5", supervisor, queue, {"queue": "all_open", "page": "5"}, None),
        ("Search: @handle", supervisor, queue, {"queue": "all_open", "q": target["handle"]}, None),
        ("Search: case reference", supervisor, queue, {"queue": "resolved", "q": target["reference"]}, None),
        ("Search: order number", supervisor, queue, {"queue": "resolved", "q": target["order_number"]}, None),
        ("Search: tracking number", supervisor, queue, {"queue": "resolved", "q": target["tracking_number"]}, None),
        ("Search: customer name", supervisor, queue, {"queue": "all_open", "q": target["name"]}, None),
        ("Search: message text (pg_trgm index)", supervisor, queue, {"queue": "all_open", "q": "blender"}, None),
        ("Queue refresh (htmx partial)", supervisor, queue, {"queue": "all_open"}, htmx),
        (f"Case page ({CASE_PAGE_MESSAGES} messages + notes)", supervisor, case_url, {}, None),
    ]
    rows, empty = [], []
    load_at_start = load_average()
    log(f"  load average {load_at_start} before the pages")
    for label, client, url, params, headers in scenarios:
        if not any(part.lower() in label.lower() for part in args.only.split("|")):
            continue
        med, p, queries, shown, sql = measure(
            client, url, params, repeat=args.repeat, headers=headers, explain=args.explain
        )
        rows.append((label, shown, f"{med:.1f}", f"{p:.1f}", f"{sql:.1f}", queries))
        if not shown:
            empty.append(label)
    load = load_average()
    print(
        f"Inbox pages on PostgreSQL: {Case.objects.count():,} cases, "
        f"{Tweet.objects.count() + DirectMessage.objects.count():,} messages "
        f"(seeded in {info['seconds']:.0f} s); Django test client, server-side, {args.repeat} runs each, "
        f"50 rows per queue page; {os.cpu_count()} CPUs, load average {load_at_start} before the pages "
        f"and {load} at the end (1, 5, 15 min).\n"
    )
    print(markdown_table(("Page", "rows", "median ms", "p95 ms", "SQL ms (median)", "queries"), rows))
    if empty:
        # A page that shows nothing times the empty-result path, not the page its label names.
        sys.exit(
            f"bench/inbox.py FAILED: {len(empty)} page(s) showed no rows, so their times do not measure "
            f"what they say: {'; '.join(empty)}. Fix the seed so each of them has data (below --scale 0.05 "
            f"the rarest combination, reach 10k+ opened in the last 30 days, may match nothing)."
        )


if __name__ == "__main__":
    main()
