"""Re-importing an unchanged plan file against importing it the first time.

    python -m benchmarks.reimport [--actions 2000] [--format json|csv|xlsx …] [--store sqlite|postgres|both]

Writes a plan file in the shape of a Covalent export (each action with owners, dated progress
figures, notes and sub-actions with notes), or the same actions as a CSV or XLSX action list
(one progress figure and the latest note each), imports it into a fresh store through the same use
case as ``plantrail import``, then imports the same file again (which must add nothing), and
then once more after changing one action in the file. Prints each time and the ratios
(target: an unchanged file ≤ 10 % of the first import).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks.common import add_store_arguments, fresh_database, stores

START = date(2014, 9, 5)
PEOPLE = [f"Owner {n:03d}" for n in range(60)]
NOTE = "Interagency training is being delivered by the CP Training Coordinator; numbers are collated for the CPC. (CS)"


def plan_file(actions: int, seed: int = 3) -> dict:
    rng = random.Random(seed)
    people = [{"name": name, "email": f"owner{n}@example.org"} for n, name in enumerate(PEOPLE)]
    rows = []
    for number in range(actions):
        added = START + timedelta(days=rng.randrange(30))
        days = sorted(added + timedelta(days=rng.randrange(1, 200)) for _ in range(8))
        progress = sorted(rng.sample(range(5, 96), 3))
        rows.append(
            {
                "code": f"IMP{number:05d}",
                "title": f"Improvement action {number}",
                "description": "Implement training on the impact of abuse and neglect across agencies.",
                "owners": rng.sample(PEOPLE, rng.choice((1, 2))),
                "due_date": (added + timedelta(days=rng.randrange(200, 400))).isoformat(),
                "priority": rng.choice(("High", "Medium", "Low")),
                "priority_area": rng.randint(1, 5),
                "added_on": added.isoformat(),
                "progress": [{"value": v, "on": d.isoformat()} for v, d in zip(progress, days[:3], strict=True)],
                "notes": [{"text": f"{NOTE} {k}", "author": "CS", "on": d.isoformat()} for k, d in enumerate(days[3:6])],
                "sub_actions": [
                    {"details": f"Sub-action {k} of {number}", "notes": [{"text": NOTE, "author": "AB", "on": days[6 + k].isoformat()}]}
                    for k in range(2)
                ],
            }
        )
    return {
        "format": "plantrail-plan/1",
        "plan": {"code": "REIMPORT", "title": "Re-import benchmark", "timezone": "Europe/London", "created_on": START.isoformat()},
        "priorities": [{"number": n, "name": f"Priority {n}", "description": ""} for n in range(1, 6)],
        "committees": [],
        "people": people,
        "actions": rows,
    }


SHEET_COLUMNS = [
    "Code & Title",
    "Description",
    "Covalent Owner",
    "Due Date",
    "Progress",
    "Priority Area",
    "Priority",
    "Latest note",
    "Note date",
]


def sheet_rows(document: dict) -> list[list]:
    """The plan's actions as an action list's rows (header first): one progress figure and the
    latest note per action, as Covalent exports them."""
    rows: list[list] = [SHEET_COLUMNS]
    for a in document["actions"]:
        note = a["notes"][-1]
        rows.append(
            [
                f"{a['code']} - {a['title']}",
                a["description"],
                "; ".join(a["owners"]),
                a["due_date"],
                a["progress"][-1]["value"],
                f"Priority {a['priority_area']}",
                a["priority"],
                note["text"],
                note["on"],
            ]
        )
    return rows


def write_file(document: dict, path: Path) -> None:
    if path.suffix == ".json":
        path.write_text(json.dumps(document))
    elif path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as out:
            csv.writer(out).writerows(sheet_rows(document))
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("Actions")
        for row in sheet_rows(document):
            sheet.append(row)
        book.save(path)


def timed_import(url: str, path: Path) -> tuple[float, dict]:
    from plantrail.bootstrap import bootstrap
    from plantrail.imports import SheetTarget, import_files

    # An action list names its plan (made by the first import) and is dated at its export date.
    target = SheetTarget("REIMPORT", "Re-import benchmark", create_plan=True, register_owners=True, exported_on=date(2015, 3, 31))
    services = bootstrap(url)
    try:
        started = time.perf_counter()
        outcome = import_files(services, [path], target, actor="Covalent import")
        return time.perf_counter() - started, outcome.summary
    finally:
        services.close()


def measure(kind: str, postgres_url: str, actions: int, file_format: str) -> None:
    print(f"\n== {kind}: a {file_format} file of {actions:,} actions ==")
    document = plan_file(actions)
    with tempfile.TemporaryDirectory(prefix="plantrail-reimport-") as folder, fresh_database(kind, postgres_url) as url:
        path = Path(folder) / f"plan.{file_format}"
        write_file(document, path)
        first, summary = timed_import(url, path)
        print(f"  first import              {first:7.2f} s  ({summary['events_recorded']:,} events)")
        again, summary = timed_import(url, path)
        assert summary["events_recorded"] == 0, summary
        print(f"  same file again           {again:7.2f} s  ({summary['events_recorded']} events)")
        document["actions"][actions // 2]["notes"].append({"text": "A late note.", "author": "CS", "on": "2015-03-20"})
        write_file(document, path)
        changed, summary = timed_import(url, path)
        assert summary["events_recorded"] == 1, summary
        print(f"  one action changed        {changed:7.2f} s  ({summary['events_recorded']} event)")
    print(f"  ratio unchanged / first:  {again / first:.1%}  (target ≤ 10 %); one changed / first: {changed / first:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=2000)
    parser.add_argument("--format", dest="formats", choices=["json", "csv", "xlsx"], action="append", help="file format(s) (default: all)")
    add_store_arguments(parser)
    args = parser.parse_args()
    for kind in stores(args.store):
        for file_format in args.formats or ["json", "csv", "xlsx"]:
            measure(kind, args.postgres_url, args.actions, file_format)


if __name__ == "__main__":
    main()
