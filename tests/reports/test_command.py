import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tests.reports.conftest import OCTOBER  # noqa: F401


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("crm_twitter_report", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_renders_xlsx_to_a_file_with_progress(october, tmp_path):
    path = tmp_path / "october.xlsx"
    out, err = run("--month", "2026-10", "--format", "xlsx", "--output", str(path))

    assert "Categories" in load_workbook(path).sheetnames
    assert "Generating the complaint report for 2026-10" in err
    assert "4 complaints opened, 4 resolved" in err
    assert f"Wrote {path}" in err
    assert out == ""


def test_renders_csv_to_stdout(october):
    out, _ = run("--month", "2026-10", "--format", "csv")

    assert out.startswith("Complaint report October 2026")
    assert "Damaged,2,50.0" in out


def test_html_is_the_default_format(october, tmp_path):
    path = tmp_path / "r.html"
    run("--month", "2026-10", "--output", str(path))

    assert "<svg" in path.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "October"], "'October' is not a month: write it as YYYY-MM"),
        (["--month", "2026-13"], "the month number must be 01 to 12"),
        (["--month", "2027-01"], "2027-01 is in the future"),
        (["--month", "2026-10", "--format", "pdf"], "Unknown format 'pdf': choose one of html, csv, xlsx"),
    ],
)
def test_bad_month_or_format_is_refused_with_a_clear_message(db, mid_november, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
