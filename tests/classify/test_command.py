"""``crm_twitter_classify``: one output line per input line, errors by line number, and --evaluate."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def _run(tmp_path, content: bytes, **options):
    source = tmp_path / "in.jsonl"
    source.write_bytes(content)
    target = tmp_path / "out.jsonl"
    err = io.StringIO()
    call_command("crm_twitter_classify", input=str(source), output=str(target), stderr=err, **options)
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()], err.getvalue()


def test_each_line_is_read_for_language_category_risk_and_private_data(tmp_path):
    lines = [
        {"id": 1, "text": "@acme my order 40001234 never arrived, I'll file a chargeback", "channel": "tweet"},
        {"id": "b", "text": "我的快递三个星期了还没到", "channel": "dm"},
        {"id": 3, "text": "", "lang": "en"},
        {"id": 4, "text": "😡😡"},
    ]
    out, err = _run(tmp_path, "\n".join(json.dumps(x, ensure_ascii=False) for x in lines).encode())
    assert [row["id"] for row in out] == [1, "b", 3, 4]
    first = out[0]
    assert first["language"] == "en" and first["category"] == "not-received" and 0 < first["confidence"] <= 1
    assert first["risk_signals"] == [{"kind": "chargeback", "text": "chargeback"}]
    assert [(p["kind"], lines[0]["text"][p["start"] : p["end"]]) for p in first["private_data"]] == [
        ("order_number", "40001234")
    ]
    assert out[1]["language"] == "zh" and out[1]["category"] == "delivery-delay"
    for empty in out[2:]:
        assert empty["category"] is None and empty["risk_signals"] == [] and empty["private_data"] == []
    assert out[2]["language"] == "en"  # a language given in the input is kept
    assert out[3]["language"] is None  # emoji only: nothing to go on
    assert "4 lines read, 0 with errors" in err


def test_a_malformed_line_gets_an_error_with_its_number_and_the_others_are_read(tmp_path):
    content = b'{"id": 1, "text": "parcel never arrived"}\n{not json\n[1, 2]\n{"id": 4, "text": 5}\n' + (
        b'{"id": 5, "text": "caf\xe9 broken \xff mug"}\n'  # invalid UTF-8 bytes
    )
    out, err = _run(tmp_path, content)
    assert len(out) == 5
    assert out[0]["category"] == "not-received"
    assert out[1] == {"id": None, "line": 2, "error": out[1]["error"]} and "line 2" in out[1]["error"]
    assert "line 3" in out[2]["error"] and "line 4" in out[3]["error"]
    assert out[4]["id"] == 5 and "error" not in out[4]
    assert "line 2: not valid JSON" in err and "3 with errors" in err


def test_input_is_streamed_in_batches_of_any_size(tmp_path):
    content = "\n".join(json.dumps({"id": i, "text": f"where is my parcel {i}"}) for i in range(25)).encode()
    out, _ = _run(tmp_path, content, batch=4)
    assert [row["id"] for row in out] == list(range(25))


def test_a_missing_input_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot open"):
        call_command("crm_twitter_classify", input=str(tmp_path / "nope.jsonl"))


def test_evaluate_prints_per_category_per_language_confusions_risk_and_private_data(tmp_path):
    labelled = tmp_path / "labelled.jsonl"
    rows = [
        {"text": "my parcel never arrived", "category": "not-received", "lang": "en", "risk": [], "pii": []},
        {"text": "el paquete llegó roto", "category": "damaged", "lang": "es", "risk": [], "pii": []},
        {
            "text": "order 40001234 is fake, I'm opening a PayPal dispute",
            "category": "counterfeit-quality",
            "lang": "en",
            "risk": ["payment_dispute"],
            "pii": ["order_number"],
        },
    ]
    labelled.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = io.StringIO()
    call_command("crm_twitter_classify", evaluate=str(labelled), stdout=out)
    text = out.getvalue()
    assert "macro-F1" in text and "not-received" in text and "language acc." in text
    assert "es " in text and "Risk signals: 3 messages, 1 with one" in text
    assert "Private data: 3 messages, 1 with one · recall 1.000" in text
