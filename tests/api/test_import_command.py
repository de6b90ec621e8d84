"""crm_twitter_import_orders: CSV and JSON Lines, progress on stderr, errors by line, exit code."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from crm_twitter.models import Order

CSV = """store,order_number,currency,total_amount,customer_email,item_sku,item_quantity,item_unit_price
eu,90000001,EUR,20.00,a@example.com,SKU-1,1,10.00
eu,90000001,EUR,20.00,a@example.com,SKU-2,2,5.00
eu,90000002,EURO,5.00,,SKU-3,1,5.00
eu,90000003,USD,-1,,SKU-4,0,1.00
eu,90000004,USD,12.50,,,,
"""


def run(path, *args):
    out, err = StringIO(), StringIO()
    try:
        call_command("crm_twitter_import_orders", str(path), *args, stdout=out, stderr=err)
        code = 0
    except CommandError as exc:
        code = exc.returncode
    return code, out.getvalue(), err.getvalue()


def test_csv_import_groups_items_and_reports_bad_lines(tmp_path, db):
    path = tmp_path / "orders.csv"
    path.write_text(CSV)
    code, out, err = run(path)
    assert code == 1
    order = Order.objects.get(order_number="90000001")
    assert sorted((i.sku, i.quantity) for i in order.items.all()) == [("SKU-1", 1), ("SKU-2", 2)]
    assert Order.objects.filter(order_number="90000004").exists()
    assert "line 4: currency:" in err
    assert "line 5: total_amount:" in err
    assert "line 5: items.0.quantity:" in err
    assert "2 created" in out and "2 failed" in out
    assert "rows/s" in err  # the progress bar


def test_import_is_idempotent_and_exits_zero_when_clean(tmp_path, db):
    path = tmp_path / "orders.jsonl"
    rows = [{"order_number": str(91000000 + i), "currency": "GBP", "total_amount": i} for i in range(5)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert run(path, "--store", "uk")[0] == 0
    code, out, _ = run(path, "--store", "uk", "--no-progress")
    assert code == 0
    assert "5 stored (0 created, 5 updated), 0 failed" in out
    assert Order.objects.filter(store="uk").count() == 5


def test_jsonl_bad_json_line_is_reported_with_its_number(tmp_path, db):
    path = tmp_path / "orders.jsonl"
    path.write_text('{"order_number": "92000001"}\n{oops\n\n{"order_number": "92000002", "size": "L"}\n')
    code, _, err = run(path, "--no-progress")
    assert code == 1
    assert "line 2: non_field_errors: Malformed JSON" in err
    assert "line 4: size: Unknown field." in err
    assert list(Order.objects.values_list("order_number", flat=True)) == ["92000001"]


def test_missing_file_is_an_error(tmp_path, db):
    with pytest.raises(CommandError):
        call_command("crm_twitter_import_orders", str(tmp_path / "nope.csv"))
