"""crm_twitter_import_orders on the files shops really send: other encodings, binary files, huge
fields, deeply nested JSON, bad bytes late in the file — refused by line, never a traceback, and
the summary always says how many rows were stored and refused."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from crm_twitter.models import Order
from crm_twitter.services import order_files

HEADER = "store,order_number,currency,total_amount,carrier\n"


def run(path, *args):
    out, err = StringIO(), StringIO()
    try:
        call_command("crm_twitter_import_orders", str(path), "--no-progress", *args, stdout=out, stderr=err)
        code, message = 0, ""
    except CommandError as exc:
        code, message = exc.returncode, str(exc)
    return code, out.getvalue(), err.getvalue(), message


def jsonl(*rows) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def test_a_latin1_csv_is_refused_line_by_line_with_the_byte_and_a_hint(tmp_path, db):
    path = tmp_path / "orders.csv"
    path.write_bytes((HEADER + "eu,60000001,EUR,1.00,DHL\neu,60000002,EUR,2.00,Poste Française\n").encode("latin-1"))

    code, out, err, _ = run(path)

    assert code == 1
    assert "line 3: carrier: Not valid UTF-8 text: byte 0xE7." in err
    assert "--encoding cp1252" in err
    assert "2 orders read from orders.csv: 1 stored (1 created, 0 updated), 1 failed." in out
    assert list(Order.objects.values_list("order_number", flat=True)) == ["60000001"]


def test_the_same_file_imports_with_its_encoding_named(tmp_path, db):
    path = tmp_path / "orders.csv"
    path.write_bytes((HEADER + "eu,60000002,EUR,2.00,Poste Française\n").encode("cp1252"))

    code, out, _, _ = run(path, "--encoding", "cp1252")

    assert code == 0, out
    assert Order.objects.get().carrier == "Poste Française"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_unicode_files_are_recognised_by_their_byte_order_mark_or_nul_bytes(tmp_path, db, encoding):
    path = tmp_path / "orders.csv"
    path.write_bytes((HEADER + "jp,60000003,JPY,1200.00,ヤマト運輸\n").encode(encoding))

    code, _out, err, _ = run(path)

    assert code == 0, err
    assert Order.objects.get().carrier == "ヤマト運輸"


def test_a_unicode_jsonl_file_too(tmp_path, db):
    path = tmp_path / "orders.jsonl"
    text = jsonl({"order_number": "60000004", "carrier": "Correos Exprés", "currency": "EUR"})
    path.write_bytes(text.encode("utf-16"))

    assert run(path)[0] == 0
    assert Order.objects.get().carrier == "Correos Exprés"


def test_a_broken_utf16_unit_refuses_only_its_line(tmp_path, db):
    path = tmp_path / "orders.jsonl"
    good = jsonl(*({"order_number": str(61000000 + i)} for i in range(300)))
    bad = '{"order_number": "61999999", "carrier": "X'.encode("utf-16-le") + b"\x00\xd8" + '"}\n'.encode("utf-16-le")
    path.write_bytes(
        b"\xff\xfe" + good.encode("utf-16-le") + bad + jsonl({"order_number": "62000000"}).encode("utf-16-le")
    )

    code, out, err, _ = run(path)

    assert code == 1
    assert "line 301: non_field_errors: Not valid UTF-16 text: byte 0x00 (column 43)." in err
    assert "302 orders read from orders.jsonl: 301 stored" in out
    assert Order.objects.count() == 301


@pytest.mark.parametrize(
    "content",
    [b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)) * 4, b"store,order\n\x00\x01\x02\x89PNG"],
    ids=["xlsx", "binary-after-a-header"],
)
def test_a_binary_file_is_refused_before_anything_is_stored(tmp_path, db, content):
    path = tmp_path / "orders.csv"
    path.write_bytes(content)

    code, out, _err, message = run(path)

    assert code == 1
    assert "not a text file" in message and "line " in message
    assert "0 orders read from orders.csv: 0 stored (0 created, 0 updated), 0 failed." in out
    assert not Order.objects.exists()


def test_a_csv_field_over_128_kib_stops_with_its_line_and_stores_nothing(tmp_path, db):
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + "eu,63000001,EUR,1.00,DHL\n" + f"eu,63000002,EUR,1.00,{'x' * 200_000}\n")

    code, out, _err, message = run(path)

    assert code == 1
    assert message == "orders.csv: line 3: a field is longer than 131,072 characters; nothing was imported"
    assert "0 stored" in out
    assert not Order.objects.exists()


def test_deeply_nested_json_refuses_its_line_only(tmp_path, db):
    path = tmp_path / "orders.jsonl"
    deep = '{"order_number": "64000002", "raw": ' + "[" * 50_000 + "]" * 50_000 + "}\n"
    path.write_text(jsonl({"order_number": "64000001"}) + deep + jsonl({"order_number": "64000003"}))

    code, out, err, _ = run(path)

    assert code == 1
    assert "line 2: non_field_errors: Malformed JSON: nested too deeply (more than 64 levels) (column 100)" in err
    assert "3 orders read from orders.jsonl: 2 stored (2 created, 0 updated), 1 failed." in out


def test_deeply_nested_items_in_a_csv_cell_refuse_their_row(tmp_path, db):
    path = tmp_path / "orders.csv"
    path.write_text('order_number,items\n65000001,"' + "[" * 5000 + "]" * 5000 + '"\n65000002,[]\n')

    code, _, err, _ = run(path)

    assert code == 1
    assert "line 2: items: Malformed JSON: nested too deeply" in err
    assert list(Order.objects.values_list("order_number", flat=True)) == ["65000002"]


def test_a_bad_byte_after_2500_good_rows_refuses_that_line_and_imports_the_rest(tmp_path, db):
    path = tmp_path / "orders.jsonl"
    head = jsonl(*({"order_number": str(66000000 + i), "currency": "EUR"} for i in range(2500)))
    tail = jsonl(*({"order_number": str(67000000 + i)} for i in range(10)))
    path.write_bytes(head.encode() + b'{"order_number": "66999999", "carrier": "caf\xe9"}\n' + tail.encode())

    code, out, err, _ = run(path)

    assert code == 1
    assert "line 2501: non_field_errors: Not valid UTF-8 text: byte 0xE9 (column 45)." in err
    assert "2,511 orders read from orders.jsonl: 2,510 stored (2,510 created, 0 updated), 1 failed." in out
    assert Order.objects.count() == 2510


def test_an_interrupted_import_says_what_was_stored(tmp_path, db, monkeypatch):
    path = tmp_path / "orders.jsonl"
    path.write_text(jsonl(*({"order_number": str(68000000 + i)} for i in range(5000))))
    real_upsert = order_files.orders_upsert
    calls = []

    def upsert_then_ctrl_c(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_upsert(**kwargs)

    monkeypatch.setattr(order_files, "orders_upsert", upsert_then_ctrl_c)

    code, out, _, message = run(path)

    assert code == 130
    assert "run it again" in message
    assert "2,000 stored (2,000 created, 0 updated), 0 failed; interrupted after line 4,000" in out
    assert "up to 2,000 more rows (lines 2,001-4,000) may have been stored" in out
    assert Order.objects.count() == 2000


def test_a_database_failure_midway_is_reported_with_the_counts(tmp_path, db, monkeypatch):
    path = tmp_path / "orders.jsonl"
    path.write_text(jsonl(*({"order_number": str(69000000 + i)} for i in range(2001))))
    real_upsert = order_files.orders_upsert
    calls = []

    def upsert_then_fail(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("database went away")
        return real_upsert(**kwargs)

    monkeypatch.setattr(order_files, "orders_upsert", upsert_then_fail)

    code, out, _, message = run(path)

    assert code == 1
    assert message.startswith("Import stopped by an error: database went away")
    assert "2,000 stored" in out and "stopped by ConnectionError" in out


def test_a_quantity_in_lookalike_digits_is_a_row_error(tmp_path, db):
    path = tmp_path / "orders.jsonl"
    path.write_text(jsonl({"order_number": "70000001", "items": [{"sku": "A", "quantity": "²"}]}))

    code, _, err, _ = run(path)

    assert code == 1
    assert "line 1: items.0.quantity: Must be a whole number." in err


def test_an_unknown_encoding_is_refused(tmp_path, db):
    path = tmp_path / "orders.csv"
    path.write_text(HEADER)

    for name in ("klingon", "bz2_codec"):
        code, _, _, message = run(path, "--encoding", name)
        assert code == 1
        assert "Unknown or unsupported text encoding" in message
