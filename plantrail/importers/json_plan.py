"""The native plan format: JSON validated against ``plantrail/schemas/plan.schema.json``."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from domain.action_rules import checked_priority
from domain.errors import DomainError
from domain.plan_document import (
    ActionSpec,
    CommitteeSpec,
    DatedText,
    Evidence,
    PersonSpec,
    PlanDocument,
    PrioritySpec,
    ProgressFigure,
    SubActionSpec,
)
from domain.problems import Problems
from plantrail.dates import DateFormatError, parse_date
from plantrail.errors import clipped
from plantrail.importers import ImportFileError

_validator: Draft202012Validator | None = None


def schema() -> dict[str, Any]:
    return json.loads(resources.files("plantrail").joinpath("schemas/plan.schema.json").read_text(encoding="utf-8"))


def _schema_validator() -> Draft202012Validator:
    global _validator
    if _validator is None:
        _validator = Draft202012Validator(schema())
    return _validator


def json_path(parts: Any) -> str:
    """``actions[3].notes[0].on`` from jsonschema's path parts."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def read_plan_file(path: Path, skip: Callable[[Any], Collection[int]] | None = None) -> PlanDocument:
    """The plan file as a document; ``skip`` names the positions of actions to leave out (known
    unchanged since they were last imported: neither validated nor read again)."""
    data = load_plan_data(path)
    return plan_from_data(data, str(path), skip=skip(data) if skip else ())


def load_plan_data(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"{path}: cannot read: {error.strerror}") from None
    try:
        # A byte order mark (Notepad and Excel write one) is not part of the JSON.
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise ImportFileError(f"{path}: not UTF-8 text (byte {error.start}); save the file as UTF-8") from None
    except json.JSONDecodeError as error:
        raise ImportFileError(f"{path}: line {error.lineno} column {error.colno}: malformed JSON: {error.msg}") from None
    return data


def _schema_errors(data: Any) -> list[Any]:
    return sorted(_schema_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])


def plan_from_data(data: Any, source: str, *, skip: Collection[int] = ()) -> PlanDocument:
    errors = _schema_errors({**data, "actions": [a for i, a in enumerate(data["actions"]) if i not in skip]} if skip else data)
    if errors and skip:
        errors = _schema_errors(data)  # so that each message names the action's own position in the file
    if errors:
        raise ImportFileError([f"{source}: {plain_words(e)}" for e in errors])
    reader = _Reader(source)
    document = reader.plan(data, skip)
    reader.problems.raise_if_any(ImportFileError)
    return document


def plain_words(error: Any) -> str:
    """A schema error as a clerk would say it: where, which field, what is wrong."""
    where = json_path(error.absolute_path)
    value = error.instance
    shown = clipped(value)
    match error.validator:
        case "required":
            missing = error.message.split("'")[1] if "'" in error.message else "a field"
            return f"{where}: {missing}: missing (it is required)"
        case "additionalProperties":
            known = sorted(error.schema.get("properties", {}))
            extra = sorted(set(value) - set(known)) if isinstance(value, dict) else []
            return f"{where}: {', '.join(extra) or 'a field'}: not a field plantrail knows (known: {', '.join(known)})"
        case "type":
            wanted = {"string": "text", "integer": "a whole number", "array": "a list", "object": "an object", "null": "empty"}
            types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
            return f"{where}: must be {' or '.join(wanted.get(str(t), str(t)) for t in types)}, got {shown}"
        case "minLength":
            return f"{where}: must not be empty"
        case "maxLength":
            return f"{where}: {len(value)} characters, at most {error.validator_value} allowed"
        case "minItems":
            return f"{where}: needs at least {error.validator_value} item(s)"
        case "minimum" | "maximum":
            bound = "at least" if error.validator == "minimum" else "at most"
            return f"{where}: must be {bound} {error.validator_value}, got {shown}"
        case "enum" | "const":
            allowed = error.validator_value if error.validator == "enum" else [error.validator_value]
            return f"{where}: must be one of {', '.join(str(a) for a in allowed)}, got {shown}"
        case "anyOf" | "oneOf":
            return f"{where}: {shown} is not an accepted value here"
    return f"{where}: {error.message}"


class _Reader:
    """Builds the document, turning every date string into a real date with its path in errors."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems = Problems()

    def at(self, path: str) -> str:
        return f"{self.source}: {path}"

    def day(self, value: str, path: str) -> date:
        """The date in any form ``plantrail.dates`` reads; a bad one is noted and reading goes on."""
        try:
            return parse_date(value)
        except DateFormatError as error:
            self.problems.add(f"{self.at(path)}: {error}")
            return date.min

    def priority(self, value: str | None, path: str) -> str | None:
        try:
            return checked_priority(value)
        except DomainError as error:
            self.problems.add(f"{self.at(path)}: {error}")
            return None

    def optional_day(self, value: str | None, path: str) -> date | None:
        return None if value is None else self.day(value, path)

    def notes(self, items: list[dict[str, Any]], path: str) -> list[DatedText]:
        return [
            DatedText(text=n["text"], author=n["author"], effective_on=self.day(n["on"], f"{path}[{i}].on"), source=self.at(f"{path}[{i}]"))
            for i, n in enumerate(items)
        ]

    def evidence(self, item: str | dict[str, Any], path: str) -> Evidence:
        if isinstance(item, str):
            return Evidence(text=item)
        return Evidence(text=item["text"], effective_on=self.optional_day(item.get("on"), f"{path}.on"))

    def plan(self, data: dict[str, Any], skip: Collection[int] = ()) -> PlanDocument:
        p = data["plan"]
        return PlanDocument(
            code=p["code"],
            title=p["title"],
            description=p.get("description", ""),
            timezone=p.get("timezone", "Europe/London"),
            warning_days=p.get("warning_days", 14),
            sponsor=p.get("sponsor"),
            created_on=self.optional_day(p.get("created_on"), "plan.created_on"),
            sign_off=p.get("sign_off"),
            sign_off_days=p.get("sign_off_days"),
            notify_rejection=p.get("notify_rejection"),
            priorities=[
                PrioritySpec(number=x["number"], name=x["name"], description=x.get("description", ""), source=self.at(f"priorities[{i}]"))
                for i, x in enumerate(data.get("priorities", []))
            ],
            committees=[
                CommitteeSpec(
                    meets_on=self.day(x["meets_on"], f"committees[{i}].meets_on"),
                    committee=x["committee"],
                    report_deadline=self.optional_day(x.get("report_deadline"), f"committees[{i}].report_deadline"),
                    source=self.at(f"committees[{i}]"),
                )
                for i, x in enumerate(data.get("committees", []))
            ],
            people=[
                PersonSpec(
                    name=x["name"],
                    initials=x.get("initials"),
                    email=x.get("email"),
                    role=x.get("role"),
                    manager=x.get("manager"),
                    source=self.at(f"people[{i}]"),
                )
                for i, x in enumerate(data.get("people", []))
            ],
            actions=[self.action(x, f"actions[{i}]") for i, x in enumerate(data["actions"]) if i not in skip],
            source=self.source,
        )

    def action(self, x: dict[str, Any], path: str) -> ActionSpec:
        return ActionSpec(
            code=x["code"],
            title=x["title"],
            description=x.get("description", ""),
            owners=list(x.get("owners", [])),
            due_date=self.optional_day(x.get("due_date"), f"{path}.due_date"),
            original_due_date=self.optional_day(x.get("original_due_date"), f"{path}.original_due_date"),
            priority=self.priority(x.get("priority"), f"{path}.priority"),
            priority_number=x.get("priority_area"),
            lifecycle=x.get("lifecycle", "open"),
            added_on=self.optional_day(x.get("added_on"), f"{path}.added_on"),
            progress=[
                ProgressFigure(
                    progress=f["value"],
                    effective_on=self.day(f["on"], f"{path}.progress[{j}].on"),
                    source=self.at(f"{path}.progress[{j}]"),
                )
                for j, f in enumerate(x.get("progress", []))
            ],
            notes=self.notes(x.get("notes", []), f"{path}.notes"),
            sub_actions=[
                SubActionSpec(
                    details=s["details"],
                    notes=self.notes(s.get("notes", []), f"{path}.sub_actions[{j}].notes"),
                    source=self.at(f"{path}.sub_actions[{j}]"),
                )
                for j, s in enumerate(x.get("sub_actions", []))
            ],
            success_measures=list(x.get("success_measures", [])),
            evidence=[self.evidence(e, f"{path}.evidence[{j}]") for j, e in enumerate(x.get("evidence", []))],
            source=self.at(f"{path} ({x['code']})"),
        )
