"""The import use case for every entry point: files (JSON plans, CSV and XLSX action lists, or a
folder of them) → plan documents → ``domain.importing.import_plans``, atomically.

Every file is read before anything is saved, and every problem in every file is reported at
once (``domain.problems``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from domain.errors import DomainError, PlanNotFoundError
from domain.ids import person_id
from domain.importing import import_plans
from domain.names import NameIndex, name_key, suggestion
from domain.plan_document import PlanDocument
from domain.problems import InputProblemsError, Problems
from plantrail.event_table import EventTable
from plantrail.import_cache import ImportCache
from plantrail.importers import ImportFileError
from plantrail.importers.csv_actions import read_actions_csv
from plantrail.importers.json_plan import read_plan_file
from plantrail.importers.sheet import SheetOptions, SheetResult
from plantrail.importers.xlsx_actions import read_actions_xlsx
from plantrail.services import Services

PLAN_FILES = (".json",)
# Where a remembered sheet's notices named the file: the same bytes may come back under another
# path (a web upload's temporary folder, a copy), and the notices must name the file as given now.
_THIS_FILE = "\x00file\x00"
SHEETS = {".csv": read_actions_csv, ".xlsx": read_actions_xlsx}


@dataclass(frozen=True)
class SheetTarget:
    """What an action list (CSV or XLSX) is imported into; a plan file names its own plan."""

    plan_code: str | None
    plan_title: str | None = None
    create_plan: bool = False
    register_owners: bool = False
    exported_on: date | None = None


@dataclass
class ImportOutcome:
    files: list[str]
    summary: dict[str, int]
    notices: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"files": self.files, **self.summary, "notices": self.notices}


def files_to_import(path: Path) -> tuple[list[Path], list[str]]:
    """A file, or a folder's plan files and sheets (Excel's ``~$`` lock files left out, and said)."""
    if not path.is_dir():
        return [path], []
    wanted = (*PLAN_FILES, *SHEETS)
    found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in wanted)
    locks = [p for p in found if p.name.startswith("~$")]
    files = [p for p in found if p not in locks]
    if not files:
        raise ImportFileError(f"{path}: no plan files or action lists (*.json, *.csv, *.xlsx) in this folder")
    return files, [f"{p}: skipped (Excel's lock file for an open workbook)" for p in locks]


def import_files(
    s: Services,
    paths: list[Path],
    target: SheetTarget,
    *,
    actor: str,
    notices: list[str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportOutcome:
    actor = s.actor_name(actor)
    notices = list(notices or [])
    problems = Problems()
    documents: list[PlanDocument] = []
    s.projector.catch_up()  # the views' action versions are what the import cache compares with
    cache = ImportCache(s.engine, EventTable.of(s.database))
    # Plan files first: an action list in the same folder may belong to a plan one of them makes.
    for file in [p for p in paths if p.suffix.lower() not in SHEETS]:
        with problems.noted(str(file)):
            documents.append(read_plan_file(file, skip=cache.unchanged))
    batch_plans = {name_key(d.code): d for d in documents}
    batch_people = NameIndex(p.name for d in documents for p in d.people)
    for file in [p for p in paths if p.suffix.lower() in SHEETS]:
        with problems.noted(str(file)):
            options = _sheet_options(s, file, target, actor, batch_plans, batch_people)
            fingerprint = _sheet_fingerprint(file, options)
            # A plan file in the same batch may change the plan under the sheet: then read it.
            known = None if name_key(options.plan_code) in batch_plans else cache.sheet_unchanged(options.plan_code, fingerprint)
            if known is not None:
                notices.extend(n.replace(_THIS_FILE, str(file)) for n in known)
                continue
            result = _read_sheet(file, options)
            sheet = result.document
            cache.read_sheet(options.plan_code, fingerprint, sheet, [n.replace(str(file), _THIS_FILE) for n in result.notices])
            skip = cache.unchanged_specs(sheet.code, sheet.actions)
            documents.append(replace(sheet, actions=[a for i, a in enumerate(sheet.actions) if i not in skip]) if skip else sheet)
            notices.extend(result.notices)
    problems.raise_if_any()
    unreachable = [p.name for d in documents for p in d.people if not p.email and not s.app.exists(person_id(p.name))]
    summary = import_plans(s.app, documents, actor=actor)
    cache.record(summary.action_versions)
    if unreachable:
        notices.append(
            f"registered without an email, so reminders cannot reach them yet: {', '.join(dict.fromkeys(unreachable))} "
            "(add one with `plantrail person edit NAME --email ADDRESS --reason …`)"
        )
    s.projector.catch_up(on_progress)
    return ImportOutcome(files=[str(p) for p in paths], summary=summary.as_dict(), notices=notices)


def _sheet_options(
    s: Services, file: Path, target: SheetTarget, actor: str, batch_plans: dict[str, PlanDocument], batch_people: NameIndex
) -> SheetOptions:
    """How the sheet is read: into which plan, with which priorities known, dated when."""
    if not target.plan_code:
        raise ImportFileError(f"{file}: an action list needs --plan CODE (the plan it belongs to)")
    in_batch = batch_plans.get(name_key(target.plan_code))
    if in_batch is not None:
        plan_code, named = in_batch.code, {name_key(p.name): (p.number, p.name) for p in in_batch.priorities}
    else:
        plan_code, named = _plan_for_sheet(s, target)
    return SheetOptions(
        plan_code=plan_code,
        plan_title=target.plan_title,
        exported_on=target.exported_on or s.app.today(plan_code),
        register_owners=target.register_owners,
        known_priorities={key: number for key, (number, _) in named.items()},
        priority_names={key: name for key, (_, name) in named.items()},
        note_author=actor,
        check_owner=None if target.register_owners else lambda name, column: s.app.person_name(name, field=column, known=batch_people),
    )


# Raise when the readers (plantrail/importers) read the same bytes differently: sheets
# remembered by an earlier reading are then read again.
SHEET_READING = 1


def _sheet_fingerprint(file: Path, options: SheetOptions) -> str:
    """The file's bytes and everything the reading of them depends on but the plan's priorities:
    those are the plan's, and the cache holds the plan's version too (a sheet that adds priority
    areas finds them known when read again, under the numbers its first reading gave them)."""
    digest = hashlib.sha256(f"{SHEET_READING}\0{file.suffix.lower()}\0".encode())
    # check_owner is how owners are checked, not what is read (a sheet is cached only once imported).
    digest.update(orjson.dumps(replace(options, known_priorities={}, priority_names={}, check_owner=None), option=orjson.OPT_SORT_KEYS))
    try:
        digest.update(file.read_bytes())
    except OSError as error:
        raise ImportFileError(f"{file}: cannot be read ({error.strerror or type(error).__name__})") from None
    return digest.hexdigest()


def _read_sheet(file: Path, options: SheetOptions) -> SheetResult:
    reader = SHEETS[file.suffix.lower()]
    try:
        return reader(file, options=options)
    except InputProblemsError:
        raise
    except DomainError as error:
        raise ImportFileError(str(error)) from None


def _plan_for_sheet(s: Services, target: SheetTarget) -> tuple[str, dict[str, tuple[int, str]]]:
    """The plan's stored code and its priorities (number and name) by name; a plan that does not exist is made
    only with ``create_plan`` (a typo in --plan must not start a second plan for ever)."""
    assert target.plan_code is not None
    try:
        plan = s.queries.resolve_plan(target.plan_code)
    except PlanNotFoundError:
        if target.create_plan:
            return target.plan_code.strip(), {}
        codes = [p["code"] for p in s.queries.plans()]
        raise PlanNotFoundError(
            f"plan: {target.plan_code!r} does not exist{suggestion(target.plan_code, codes)}; "
            "to start a new plan from this sheet add --create-plan (and --plan-title)",
            field="plan",
        ) from None
    known = {" ".join(p["name"].split()).casefold(): (p["number"], p["name"]) for p in s.queries.priorities(plan["code"])}
    return plan["code"], known
