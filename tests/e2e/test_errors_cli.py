"""Errors a user can make with the store or the output file: named plainly, exit codes as
documented, no traceback, no 5 MB echo, nothing replaced by surprise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli_runner import invoke
from tests.conftest import POSTGRES_URL

HUGE = "x" * 5_000_000


@pytest.mark.parametrize(
    "args",
    [
        ("show", HUGE),
        ("actions", HUGE),
        ("update", "SS_ICSAP_IMP1", "--progress", HUGE),
        ("update", "SS_ICSAP_IMP1", "--progress", "5", "--on", HUGE),
        ("redate", "SS_ICSAP_IMP1", "--due", HUGE, "--reason", "r"),
        ("reassign", "SS_ICSAP_IMP1", "--owner", HUGE, "--reason", "r"),
        ("show", "SS_ICSAP_IMP1", "--known-at", HUGE),
        ("outbox", "--status", HUGE),
        ("verify", "--seal", HUGE),
        ("cancel", "SS_ICSAP_IMP1", "--reason", HUGE),
        ("--db", f"sqlite:///{HUGE}/x.db", "plans"),
        ("--db", HUGE, "plans"),
    ],
    ids=lambda a: " ".join(x if len(x) < 20 else "HUGE" for x in a),
)
def test_a_5mb_bad_value_is_echoed_cut_to_about_80_characters(imported, args):
    result = imported(*args, expect=None)
    assert result.returncode in (1, 2)
    assert len(result.stderr) < 400 and "x" * 80 not in result.stderr.replace("…", "")
    assert len(result.stderr.splitlines()) <= 4  # one line, or click's usage, hint, blank and the line


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PLANTRAIL_TEST_POSTGRES_URL")
def test_a_missing_postgresql_schema_or_database_is_named_with_exit_1():
    base = POSTGRES_URL.split("?")[0]
    schema = invoke({"PLANTRAIL_DATABASE_URL": f"{base}?schema=no_such_schema_here"}, "plans", expect=1)
    assert schema.stderr == (
        "plantrail: error: database URL: PostgreSQL schema 'no_such_schema_here' does not exist; "
        "create it (CREATE SCHEMA no_such_schema_here) or correct ?schema=\n"
    )
    database = invoke({"PLANTRAIL_DATABASE_URL": base.rsplit("/", 1)[0] + "/no_such_database_here"}, "plans", expect=1)
    assert "PostgreSQL database 'no_such_database_here' does not exist" in database.stderr
    assert "try again" not in database.stderr and len(database.stderr.splitlines()) == 1


def test_report_out_refuses_to_replace_a_file_without_force(imported, tmp_path: Path):
    out = tmp_path / "report.html"
    out.write_text("the clerk's own notes")
    refused = imported("report", "SOS 001", "--as-at", "2015-03-25", "--out", str(out), expect=2)
    assert "already exists; give --force" in refused.stderr and out.read_text() == "the clerk's own notes"
    imported("report", "SOS 001", "--as-at", "2015-03-25", "--out", str(out), "--force")
    assert "SS_ICSAP_IMP1" in out.read_text()
    assert sorted(p.name for p in tmp_path.iterdir() if "report" in p.name) == ["report.html"]  # no temporary file left


def test_report_out_never_follows_a_symlink_planted_at_the_temporary_name(imported, tmp_path: Path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "report.html"
    os.symlink(victim, tmp_path / "report.html.partial")
    imported("report", "SOS 001", "--as-at", "2015-03-25", "--out", str(out))
    assert victim.read_text() == "precious" and "SS_ICSAP_IMP1" in out.read_text() and not out.is_symlink()


def test_report_out_into_a_missing_folder_is_bad_input(imported, tmp_path: Path):
    result = imported("report", "SOS 001", "--out", str(tmp_path / "nowhere" / "r.html"), expect=2)
    assert "does not exist" in result.stderr and len(result.stderr.splitlines()) == 1
