"""Schema-driven fuzzing: every operation of our own OpenAPI schema, fed valid-looking and
garbage input by hypothesis, must answer with something other than a 5xx.

Bodies are built from each operation's request schema (right field names with values of the
declared type, wrong types, unknown fields, non-objects); path ids are real rows or random
numbers; query parameters come from the documented ones. No new dependency: hypothesis drives
it, the schema is the one ``/api/schema/`` serves.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import patched_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_twitter.api.schema import SCHEMA_SETTINGS
from tests.api.conftest import token_client
from tests.factories import (
    CaseFactory,
    ComplaintCategoryFactory,
    DirectMessageFactory,
    OrderItemFactory,
    PromiseFactory,
    ReplyTemplateFactory,
    ReportSnapshotFactory,
    TweetFactory,
    UserFactory,
)


def _schema() -> dict:
    with patched_settings(SCHEMA_SETTINGS):
        return SchemaGenerator().get_schema(request=None, public=True)


SCHEMA = None


def schema() -> dict:
    global SCHEMA
    if SCHEMA is None:
        SCHEMA = _schema()
    return SCHEMA


def operations() -> list[tuple[str, str]]:
    import django

    django.setup()
    return sorted((path, method) for path, ops in _schema()["paths"].items() for method in ops)


JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1e999",
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00",
            "2026-13-45",
            "@handle",
            "EUR",
            "refund",
            "dm",
            "public",
            "closed",
            "in_dm",
            "x" * 400,
            "\x00",
            "☃",
        ]
    ),
)
JSON_ANY = st.recursive(
    JSON_LEAF,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
    max_leaves=8,
)


def resolve(node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema()["components"]["schemas"][name]
    if "allOf" in node and len(node["allOf"]) == 1:
        return resolve(node["allOf"][0])
    return node


def typed(node: dict, depth: int = 0) -> st.SearchStrategy:
    """A value of the declared type (often valid), or sometimes anything at all."""
    node = resolve(node)
    if "oneOf" in node or "anyOf" in node:
        return st.one_of([typed(n, depth + 1) for n in node.get("oneOf", node.get("anyOf"))])
    if "enum" in node:
        return st.sampled_from([v for v in node["enum"] if v is not None] or [""])
    kind = node.get("type")
    if kind == "integer":
        return st.integers(min_value=-5, max_value=10**6) | st.integers(min_value=-(2**66), max_value=2**66)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False, width=32)
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        fmt = node.get("format")
        if fmt == "date-time":
            return st.datetimes(
                min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
            ).map(lambda d: d.isoformat())
        if fmt == "date":
            return st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)).map(str)
        if fmt == "decimal" or node.get("pattern", "").startswith("^-?\\d"):
            return st.decimals(min_value=Decimal("-100"), max_value=Decimal("1e12"), places=2, allow_nan=False).map(str)
        if fmt == "email":
            return st.sampled_from(["a@example.com", "not-an-email", "x@y"])
        return st.text(max_size=int(node.get("maxLength", 30)) + 2)
    if kind == "array" and depth < 3:
        return st.lists(typed(node.get("items", {}), depth + 1), max_size=3)
    if kind == "object" and depth < 3:
        return object_of(node, depth + 1)
    return JSON_ANY


def object_of(node: dict, depth: int = 0) -> st.SearchStrategy:
    props = node.get("properties", {})
    required = node.get("required", [])
    if not props:
        return st.dictionaries(st.text(max_size=8), JSON_LEAF, max_size=3)
    fields = {
        name: st.one_of(typed(sub, depth), JSON_LEAF) if depth else typed(sub, depth) for name, sub in props.items()
    }
    return st.fixed_dictionaries(
        {name: fields[name] for name in required},
        optional={name: strategy for name, strategy in fields.items() if name not in required},
    )


def body_for(operation: dict) -> st.SearchStrategy:
    content = operation.get("requestBody", {}).get("content", {})
    node = content.get("application/json", {}).get("schema")
    if node is None:
        return st.just(None)
    node = resolve(node)
    good = object_of(node)
    with_unknown = st.builds(lambda d, k, v: {**d, k: v}, good, st.text(min_size=1, max_size=8), JSON_LEAF)
    return st.one_of(good, good, good, with_unknown, object_of(node, depth=1), JSON_ANY)


def query_for(operation: dict) -> st.SearchStrategy:
    params = [p for p in operation.get("parameters", []) if p["in"] == "query"]
    if not params:
        return st.just({})
    return st.fixed_dictionaries(
        {},
        optional={
            p["name"]: st.one_of(typed(p.get("schema", {})), JSON_LEAF).map(
                lambda v: json.dumps(v) if not isinstance(v, str) else v
            )
            for p in params
        },
    )


@pytest.fixture
def world(db, settings):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "API_THROTTLE_RATE": None}
    manager = UserFactory(username="fuzzer", roles=["crm_manager"])
    case = CaseFactory()
    TweetFactory(
        case=case,
        brand_account=case.brand_account,
        author=case.customer_x_user,
        text=f"@{case.brand_account.handle} where is order 40001234",
    )
    DirectMessageFactory(case=case, brand_account=case.brand_account, sender=case.customer_x_user)
    PromiseFactory(case=case, due_at=timezone.now() + dt.timedelta(days=1))
    OrderItemFactory(order__customer=case.customer)
    ComplaintCategoryFactory(slug="lost-parcel")
    ReplyTemplateFactory()
    ReportSnapshotFactory(csv="a,b\n", html="<p>r</p>", xlsx=b"PK")
    CaseFactory(customer=case.customer, customer_x_user=case.customer_x_user)
    from crm_twitter import models as m

    ids = set()
    for model in (
        m.Case,
        m.Promise,
        m.Order,
        m.Customer,
        m.Tweet,
        m.DirectMessage,
        m.ComplaintCategory,
        m.ReplyTemplate,
        m.Team,
        m.BrandAccount,
        m.ReportSnapshot,
    ):
        ids.update(model.objects.values_list("id", flat=True)[:20])
    return {"client": token_client(manager), "ids": sorted(ids)}


@pytest.mark.parametrize(("path", "method"), operations())
def test_no_operation_answers_5xx(world, path, method):
    operation = schema()["paths"][path][method]
    client = world["client"]
    params = re.findall(r"{(\w+)}", path)

    def path_value(name):
        if name == "fmt":
            return st.sampled_from(["csv", "html", "xlsx"])
        real = st.sampled_from(world["ids"])
        return st.one_of(real, real, real, st.integers(min_value=0, max_value=10**18))

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(
        values=st.fixed_dictionaries({name: path_value(name) for name in params}),
        body=body_for(operation),
        query=query_for(operation),
    )
    def run(values, body, query):
        url = path.format(**values)
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items() if "&" not in str(v) and "#" not in str(v))
        if body is None:
            response = client.generic(method.upper(), url)
        else:
            response = client.generic(method.upper(), url, json.dumps(body), content_type="application/json")
        assert response.status_code < 500, (method, url, body, response.content[:500])

    run()
