"""history, changes and actions as tables and pages: --limit/--offset, the same rows in every
format, bad paging values refused, and the pager only on a terminal."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.cli_runner import CliResult, invoke
from tests.conftest import _postgres_schema_url
from tests.e2e.conftest import as_json
from tests.text_tables import table_rows

# Notes recorded out of date order: history lists them by effective date.
NOTE_DATES = [date(2015, 3, 1) + timedelta(days=d) for d in (9, 2, 14, 5, 11, 1, 7)]
MOVED = {"A2": 40, "A3": 15, "A5": 90, "A6": 5}  # progress recorded inside the changes window


def parse_table(text: str) -> tuple[str, list[dict[str, str]]]:
    """The title (the line above the header) and the rows of the first table in ``text``."""
    lines = text.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith("─")) - 2], table_rows(text)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Plan WF 1 with action HR1 (added 2015-03-01) and seven notes, then A1–A6, of which four
    move in February 2015, on a SQLite file and on PostgreSQL. Built once: the tests only read it."""
    if request.param == "sqlite":
        yield from _filled(str(tmp_path_factory.mktemp("listings") / "cli.db"))
    else:
        for url in _postgres_schema_url():
            yield from _filled(url)


def _filled(url: str) -> Iterator[str]:
    env = {"PLANTRAIL_DATABASE_URL": url, "PLANTRAIL_USER": "clerk"}

    def run(*args: str) -> CliResult:
        return invoke(env, *args)

    run("person", "add", "Ann Owner", "--email", "ann@example.org")
    run("plan", "create", "WF 1", "--title", "Workforce plan")
    run("action", "add", "WF 1", "HR1", "--title", "Recruit", "--owner", "Ann Owner", "--due", "2016-04-30", "--on", "2015-03-01")
    for n, day in enumerate(NOTE_DATES):
        run("note", "WF 1/HR1", f"Note number {n} about recruitment progress and the interviews held that week", "--on", day.isoformat())
    for code in ("A1", "A2", "A3", "A4", "A5", "A6"):
        run("action", "add", "WF 1", code, "--title", f"Action {code}", "--owner", "Ann Owner", "--due", "2016-06-30", "--on", "2015-01-05")
    for code, progress in MOVED.items():
        run("update", f"WF 1/{code}", "--progress", str(progress), "--on", "2015-02-10")
    yield url


@pytest.fixture
def noted(store: str):
    env = {"PLANTRAIL_DATABASE_URL": store, "PLANTRAIL_USER": "clerk"}

    def run(*args: str, expect: int = 0) -> CliResult:
        return invoke(env, *args, expect=expect)

    return run


def expected_notes() -> list[tuple[str, str]]:
    return sorted(
        (day.isoformat(), f"Note number {n} about recruitment progress and the interviews held that week")
        for n, day in enumerate(NOTE_DATES)
    )


@pytest.mark.parametrize(("limit", "offset"), [(3, 2), (2, 0), (10, 5), (4, 7), (1, 6)])
def test_history_pages_are_the_right_slice_in_every_format(noted, limit, offset):
    page = ["history", "WF 1/HR1", "--type", "NoteAdded", "--limit", str(limit), "--offset", str(offset)]
    wanted = expected_notes()[offset : offset + limit]
    as_data = as_json(noted(*page, "--format", "json"))
    assert [(e["effective_on"], e["text"]) for e in as_data] == wanted
    title, rows = parse_table(noted(*page).stdout)
    assert [(r["Effective"].split(" ")[0], r["What changed"]) for r in rows] == wanted
    if wanted:
        shown = re.fullmatch(r"History \(events (\d+)–(\d+) of (\d+), ordered by effective date\)", title)
        assert shown and [int(x) for x in shown.groups()] == [offset + 1, offset + len(wanted), len(NOTE_DATES)]
    else:
        assert title == f"History (no events past {offset} of {len(NOTE_DATES)}, ordered by effective date)"
    csv_lines = noted(*page, "--format", "csv").stdout.splitlines()
    assert len(csv_lines) == 1 + len(wanted)  # the header, then one line per note (no newline inside them)


def test_history_offset_alone_skips_and_limit_zero_shows_nothing(noted):
    everything = as_json(noted("history", "WF 1", "--format", "json"))
    assert as_json(noted("history", "WF 1", "--offset", "3", "--format", "json")) == everything[3:]
    assert as_json(noted("history", "WF 1", "--limit", "0", "--format", "json")) == []
    assert as_json(noted("history", "WF 1", "--offset", str(len(everything)), "--format", "json")) == []


def test_history_table_shows_the_same_rows_as_json(noted):
    for subject in ("WF 1/HR1", "WF 1"):
        entries = as_json(noted("history", subject, "--format", "json"))
        title, rows = parse_table(noted("history", subject).stdout)
        assert title == f"History ({len(entries)} events, ordered by effective date)"
        assert [(r["Effective"].split(" ")[0], r["Type"], r["Subject"], r["Actor"]) for r in rows] == [
            (e["effective_on"], e["type"], e["subject"], e["actor"]) for e in entries
        ]
        notes = [(r["Effective"].split(" ")[0], r["What changed"]) for r in rows if r["Type"] == "NoteAdded"]
        assert notes == [(e["effective_on"], e["text"]) for e in entries if e["type"] == "NoteAdded"]


CHANGES = ["changes", "WF 1", "--from", "2015-02-01", "--to", "2015-02-28"]


@pytest.mark.parametrize(("limit", "offset"), [(2, 1), (10, 0), (3, 3), (5, 4)])
def test_changes_pages_are_the_right_slice_and_the_table_matches_json(noted, limit, offset):
    moved = sorted(MOVED.items())  # listed in code order within the one priority-less group
    wanted = moved[offset : offset + limit]
    data = as_json(noted(*CHANGES, "--limit", str(limit), "--offset", str(offset), "--format", "json"))
    assert [(a["code"], a["progress"]) for a in data["actions"]] == [(code, [0, p]) for code, p in wanted]
    _, rows = parse_table(noted(*CHANGES, "--limit", str(limit), "--offset", str(offset)).stdout)
    assert [(r["Code"], r["Progress"]) for r in rows] == [(code, f"0% → {p}%") for code, p in wanted]
    csv_lines = noted(*CHANGES, "--limit", str(limit), "--offset", str(offset), "--format", "csv").stdout.splitlines()
    assert [line.split(",")[0] for line in csv_lines[1:]] == [code for code, _ in wanted]


def test_actions_table_shows_the_same_rows_as_json(noted):
    found = as_json(noted("actions", "WF 1", "--as-at", "2015-03-20", "--format", "json"))
    _, rows = parse_table(noted("actions", "WF 1", "--as-at", "2015-03-20").stdout)
    assert [(r["Code"], r["Title"], r["Owners"], r["Due"], r["Progress"], r["Status"].split(" ")[-1]) for r in rows] == [
        (a["code"], a["title"], "; ".join(a["owners"]), a["due_date"], f"{a['progress']}%", a["status"]) for a in found
    ]
    assert {a["code"]: a["progress"] for a in found} == {"HR1": 0, "A1": 0, "A4": 0, **MOVED}


@pytest.mark.parametrize("command", [["history", "WF 1"], CHANGES])
@pytest.mark.parametrize(
    ("option", "value"),
    [("--limit", "-1"), ("--offset", "-5"), ("--limit", "ten"), ("--offset", "1.5"), ("--limit", "")],
)
def test_bad_paging_values_exit_2_naming_the_option(noted, command, option, value):
    result = noted(*command, option, value, expect=2)
    assert option in result.stderr and result.stdout == ""


def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run ``plantrail ARGS`` as a process whose stdin and stdout are a pseudo-terminal; return what it printed there."""
    controller, terminal = os.openpty()
    process = subprocess.Popen([sys.executable, "-m", "plantrail", *args], stdin=terminal, stdout=terminal, stderr=subprocess.PIPE, env=env)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    assert process.wait(timeout=60) == 0, process.stderr.read() if process.stderr else ""
    return shown.decode()


def test_a_terminal_gets_the_pager_a_pipe_and_no_pager_do_not(noted, store: str, tmp_path: Path):
    paged = tmp_path / "paged.txt"
    env = {
        **os.environ,
        "PLANTRAIL_DATABASE_URL": store,
        "PAGER": f"{sys.executable} -c \"import shutil,sys; shutil.copyfileobj(sys.stdin, open({str(paged)!r}, 'w'))\"",
    }
    expected = noted("history", "WF 1/HR1", "--type", "NoteAdded", "--format", "json").stdout
    _on_a_terminal(["history", "WF 1/HR1", "--type", "NoteAdded", "--format", "json"], env)
    assert json.loads(paged.read_text()) == json.loads(expected)
    paged.unlink()
    shown = _on_a_terminal(["history", "WF 1/HR1", "--no-pager", "--format", "json"], env)
    assert not paged.exists() and json.loads(shown)[0]["type"] == "ActionAdded"
    piped = subprocess.run(
        [sys.executable, "-m", "plantrail", "history", "WF 1/HR1", "--format", "json"], env=env, capture_output=True, check=True
    )
    assert not paged.exists() and as_json(piped)[0]["type"] == "ActionAdded"
