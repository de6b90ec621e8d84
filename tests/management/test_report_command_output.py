"""crm_twitter_report --output: a path that cannot be written is a clear CommandError, not a traceback."""

from __future__ import annotations

import errno
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("crm_twitter_report", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_an_output_in_a_missing_directory_is_refused_before_the_report_is_generated(db, tmp_path, monkeypatch):
    monkeypatch.setattr(
        "crm_twitter.management.commands.crm_twitter_report.report_generate",
        lambda **kw: pytest.fail("the report was generated for nothing"),
    )
    target = tmp_path / "nonexistent" / "report.html"

    with pytest.raises(CommandError, match=f"the directory {tmp_path / 'nonexistent'} does not exist"):
        run("--month", "2025-01", "--output", str(target))


def test_an_output_that_is_a_directory_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="is a directory"):
        run("--month", "2025-01", "--format", "csv", "--output", str(tmp_path))


def test_a_write_that_fails_midway_is_a_command_error(db, tmp_path, monkeypatch):
    def disk_full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)

    with pytest.raises(CommandError, match=r"Cannot write the report to .*: No space left on device"):
        run("--month", "2025-01", "--output", str(tmp_path / "report.html"))
