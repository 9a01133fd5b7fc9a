"""History, as-at, summary, changes and report through the real CLI."""

import csv
import io
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.conftest import as_json
from tests.text_tables import table_rows

PUBLISHED = [  # the seed report's high-level summary, in its priority numbering
    {"number": 1, "name": "Risk Assessment Processes", "alert": 0, "warning": 1, "ok": 2, "complete": 14},
    {"number": 2, "name": "Children's Plans", "alert": 0, "warning": 4, "ok": 3, "complete": 4},
    {"number": 3, "name": "Joint Strategic Planning", "alert": 0, "warning": 3, "ok": 2, "complete": 4},
    {"number": 4, "name": "Leadership", "alert": 0, "warning": 2, "ok": 3, "complete": 0},
    {"number": 5, "name": "Help when They Need It", "alert": 0, "warning": 1, "ok": 6, "complete": 1},
]


def test_summary_as_at_the_report_date_is_the_published_summary(imported):
    data = as_json(imported("summary", "SOS 001", "--as-at", "2015-03-25", "--format", "json"))
    assert data["plan"] == "SOS 001" and data["as_at"] == "2015-03-25"
    assert data["priorities"] == PUBLISHED
    assert data["totals"] == {"alert": 0, "warning": 11, "ok": 16, "complete": 23}
    table = table_rows(imported("summary", "SOS 001", "--as-at", "2015-03-25").stdout)
    counts = ("alert", "warning", "ok", "complete")
    expected = [[f"{p['number']}. {p['name']}", *[str(p[k]) for k in counts]] for p in PUBLISHED]
    expected.append(["Total", *[str(sum(p[k] for p in PUBLISHED)) for k in counts]])
    assert [list(row.values()) for row in table] == expected


def test_show_and_actions_answer_on_both_time_axes(recording_directly):
    imported = recording_directly
    meeting = datetime.now(UTC).isoformat()
    imported("update", "SS_ICSAP_ICSP1", "--progress", "100", "--on", "2015-03-20", "--note", "Signed off (late return)")
    true_then = as_json(imported("show", "SS_ICSAP_ICSP1", "--as-at", "2015-03-25", "--format", "json"))
    as_told = as_json(imported("show", "SS_ICSAP_ICSP1", "--as-at", "2015-03-25", "--known-at", meeting, "--format", "json"))
    assert (true_then["status"], as_told["status"]) == ("Complete", "Warning")
    listed = as_json(imported("actions", "SOS 001", "--as-at", "2015-03-25", "--known-at", meeting, "--format", "json"))
    assert {a["code"]: a["progress"] for a in listed}["SS_ICSAP_ICSP1"] == 80
    before_plan = as_json(imported("actions", "SOS 001", "--as-at", "2014-09-01", "--format", "json"))
    assert before_plan == []  # nothing existed before the plan was agreed


def test_history_lists_every_event_with_its_changes_and_flags_backdating(recording_directly):
    imported = recording_directly
    imported(
        "redate", "SS_ICSAP_PAR1", "--due", "2015-06-30", "--reason", "consultation extended", "--on", "2015-03-30", "--by", "David Leng"
    )
    events = as_json(imported("history", "SS_ICSAP_PAR1", "--format", "json"))
    assert next(e["type"] for e in events) == "ActionAdded"
    redate = events[-1]
    assert redate["type"] == "DueDateRevised"
    assert redate["changes"]["due_date"] == ["2015-03-31", "2015-06-30"]
    assert (redate["actor"], redate["reason"], redate["effective_on"], redate["backdated"]) == (
        "David Leng",
        "consultation extended",
        "2015-03-30",
        True,
    )
    assert set(redate) >= {"type", "action", "actor", "effective_on", "recorded_at", "reason", "changes"}
    by_actor = as_json(imported("history", "--actor", "David Leng", "--format", "json"))
    assert [e["type"] for e in by_actor] == ["DueDateRevised"]
    notes = as_json(
        imported("history", "SOS 001", "--type", "NoteAdded", "--since", "2015-03-01", "--until", "2015-03-06", "--format", "json")
    )
    assert notes and all(e["type"] == "NoteAdded" and "2015-03-01" <= e["effective_on"] <= "2015-03-06" for e in notes)
    assert all(e["text"] for e in notes)
    today = datetime.now(UTC).date().isoformat()
    recorded_today = as_json(imported("history", "SS_ICSAP_PAR1", "--axis", "recorded", "--since", today, "--format", "json"))
    assert len(recorded_today) == len(events)
    rows = list(csv.DictReader(io.StringIO(imported("history", "SS_ICSAP_PAR1", "--format", "csv").stdout)))
    assert rows[-1]["type"] == "DueDateRevised" and rows[-1]["changes"] == "due date: 2015-03-31 → 2015-06-30; due date revisions: 0 → 1"


def test_changes_between_committees(recording_directly):
    imported = recording_directly
    imported("redate", "SS_ICSAP_PAR1", "--due", "2015-06-30", "--reason", "consultation extended", "--on", "2015-03-30")
    imported("note", "SS_ICSAP_VIS2", "Engagement sessions booked", "--on", "2015-03-31")
    data = as_json(imported("changes", "SOS 001", "--from", "2015-03-25", "--to", "2015-04-02", "--format", "json"))
    moved = {a["code"]: a for a in data["actions"]}
    assert moved["SS_ICSAP_PAR1"]["due_date_revisions"] == [
        {"on": "2015-03-30", "from": "2015-03-31", "to": "2015-06-30", "reason": "consultation extended"}
    ]
    assert moved["SS_ICSAP_PAR1"]["slips_since_original"] == 1
    assert moved["SS_ICSAP_PAR1"]["status"] == ["Warning", "OK"]  # the amber that turned green by moving its date
    assert moved["SS_ICSAP_MOR1"]["status"] == ["Warning", "Alert"]
    assert [n["text"] for n in moved["SS_ICSAP_VIS2"]["new_notes"]] == ["Engagement sessions booked"]
    leadership = next(p for p in data["priorities"] if p["number"] == 4)
    assert leadership["alert"] == {"from": 0, "to": 2, "moved": 2}
    as_csv = imported("changes", "SOS 001", "--from", "2015-03-25", "--to", "2015-04-02", "--format", "csv").stdout
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(as_csv.removeprefix("\ufeff")))}
    assert set(rows) == set(moved)
    assert (rows["SS_ICSAP_PAR1"]["status"], rows["SS_ICSAP_PAR1"]["slips_since_original"]) == ("Warning → OK", "1")
    imported("changes", "SOS 001", "--from", "2015-04-02", "--to", "2015-03-25", expect=2)


def test_report_escapes_note_text_and_writes_csv_and_json(imported, tmp_path: Path):
    imported("note", "SS_ICSAP_IMP1", "Trainers <script>alert(1)</script> & managers", "--on", "2015-03-24")
    out = tmp_path / "report.html"
    imported("report", "SOS 001", "--as-at", "2015-03-25", "--since", "2015-03-06", "--out", str(out))
    html = out.read_text()
    assert "Trainers &lt;script&gt;alert(1)&lt;/script&gt; &amp; managers" in html
    assert "<script>" not in html
    data = json.loads(_write(imported, tmp_path, "json"))
    assert data["summary"]["priorities"] == PUBLISHED
    rows = list(csv.DictReader(io.StringIO(_write(imported, tmp_path, "csv"))))
    assert len(rows) == 50 and {r["status"] for r in rows} == {"Warning", "OK", "Complete"}


def _write(run_cli, folder: Path, fmt: str) -> str:
    out = folder / f"report.{fmt}"
    run_cli("report", "SOS 001", "--as-at", "2015-03-25", "--out", str(out), "--format", fmt)
    return out.read_text()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium); .ci/run installs it")
def test_the_report_renders_in_a_browser_to_screen_and_pdf(imported, tmp_path: Path):
    out = tmp_path / "report.html"
    imported("report", "SOS 001", "--as-at", "2015-03-25", "--since", "2015-03-06", "--out", str(out))
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]
    url = out.as_uri()
    subprocess.run(
        [CHROMIUM, *HEADLESS, *profile, f"--screenshot={tmp_path / 'page.png'}", "--window-size=1280,2000", url],
        check=True,
        capture_output=True,
        timeout=120,
    )
    subprocess.run(
        [CHROMIUM, *HEADLESS, *profile, f"--print-to-pdf={tmp_path / 'page.pdf'}", "--no-pdf-header-footer", url],
        check=True,
        capture_output=True,
        timeout=120,
    )
    dom = subprocess.run([CHROMIUM, *HEADLESS, *profile, "--dump-dom", url], check=True, capture_output=True, text=True, timeout=120).stdout
    assert (tmp_path / "page.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = (tmp_path / "page.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") + pdf.count(b"/Type/Page") >= 2
    for text in (
        "SOS 001 Children's Inspection Action Plan",
        "As at 2015-03-25",
        "Key to symbols",
        "High level summary",
        "Risk Assessment Processes",
        "SS_ICSAP_IMP1",
        "Changed since 2015-03-06",
        "▲ Alert",
    ):
        assert text in dom, text


def test_history_says_where_each_progress_figure_came_from(imported):
    imported("update", "SS_ICSAP_IMP1", "--progress", "80", "--on", "2015-04-02")
    figures = [e for e in as_json(imported("history", "SS_ICSAP_IMP1", "--format", "json")) if e["type"] == "ProgressUpdated"]
    assert {e["source"] for e in figures[:-1]} == {"import"}
    assert figures[-1]["source"] == "cli" and figures[-1]["changes"] == {"progress": [figures[-2]["changes"]["progress"][1], 80]}


def test_changes_count_due_dates_revised_after_the_earlier_date_up_to_the_later_and_as_known_at_a_moment(recording_directly):
    imported = recording_directly
    for code, on in (("SS_ICSAP_PAR1", "2015-03-25"), ("SS_ICSAP_PAR2", "2015-03-26"), ("SS_ICSAP_MOR1", "2015-04-02")):
        imported("redate", code, "--due", "2015-07-31", "--reason", f"moved on {on}", "--on", on)
    imported("redate", "SS_ICSAP_ICSP1", "--due", "2015-08-31", "--reason", "after the window", "--on", "2015-04-03")
    between = as_json(imported("changes", "SOS 001", "--from", "2015-03-25", "--to", "2015-04-02", "--format", "json"))
    revised = {a["code"]: [r["reason"] for r in a["due_date_revisions"]] for a in between["actions"] if "due_date_revisions" in a}
    assert revised == {"SS_ICSAP_PAR2": ["moved on 2015-03-26"], "SS_ICSAP_MOR1": ["moved on 2015-04-02"]}

    told = datetime.now(UTC).isoformat()
    imported("update", "SS_ICSAP_PAR2", "--progress", "55", "--on", "2015-03-20", "--note", "late return")
    imported("update", "SS_ICSAP_PAR2", "--progress", "65", "--on", "2015-03-30")
    as_told = as_json(imported("changes", "SOS 001", "--from", "2015-03-25", "--to", "2015-04-02", "--known-at", told, "--format", "json"))
    now = as_json(imported("changes", "SOS 001", "--from", "2015-03-25", "--to", "2015-04-02", "--format", "json"))
    par2_then = next(a for a in as_told["actions"] if a["code"] == "SS_ICSAP_PAR2")
    par2_now = next(a for a in now["actions"] if a["code"] == "SS_ICSAP_PAR2")
    assert "progress" not in par2_then
    assert (par2_now["progress"], par2_now["progress_delta"]) == ([55, 65], 10)


def test_a_restated_figure_reads_as_confirmed_in_the_history_table(imported):
    figure = as_json(imported("show", "SS_ICSAP_PAR1", "--format", "json"))["progress"]
    imported("update", "SS_ICSAP_PAR1", "--progress", str(figure), "--by", "David Leng")
    [restated] = as_json(imported("history", "SS_ICSAP_PAR1", "--actor", "David Leng", "--format", "json"))
    assert restated["changes"] == {"progress": [figure, figure]}
    [row] = table_rows(imported("history", "SS_ICSAP_PAR1", "--actor", "David Leng", "--no-pager").stdout)
    assert row["What changed"] == f"progress confirmed at {figure}%"


def test_a_summary_as_known_before_anything_was_recorded_says_so(imported):
    # The import was recorded today: as known at 2015, nothing of the plan had been.
    early = imported("summary", "SOS 001", "--as-at", "2015-04-02", "--known-at", "2015-04-02").stdout.splitlines()
    assert early[0] == "SOS 001 high level summary as at 2015-04-02, as known at 2015-04-02T23:59+01:00"  # London's summer time
    assert early[1] == "(no action of SOS 001 had been recorded by then)"
    later = imported("summary", "SOS 001", "--as-at", "2015-04-02", "--known-at", "2099-01-01").stdout.splitlines()
    assert later[0].endswith("as known at 2099-01-01T23:59+00:00") and "recorded by then" not in later[1]
