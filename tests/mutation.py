"""Mutation testing of the core with mutmut, one module group at a time.

    python tests/mutation.py run GROUP       # mutate GROUP's modules, run its tests against each mutant
    python tests/mutation.py report GROUP    # kill rate per module and the survivors (no run)
    python tests/mutation.py list            # the groups

`make mutation GROUP=policy` runs then reports; `make mutation` does every group in turn.

Why a directory per group (``.mutation/GROUP/``): mutmut 3 reads its settings from the
pyproject.toml in the working directory and keeps its results in ``mutants/`` beside it, and a
change of test selection throws away every cached verdict. A group of its own keeps each group's
targeted tests (unit tests plus the integration tests on SQLite that reach those modules, seconds
per mutant instead of the whole suite's minutes) and its results apart, so groups can be rerun
alone. Every package is copied (the tests import them all); only the group's files are mutated.

A survivor listed in tests/MUTANTS.md (its mutant name in backticks) is reported as equivalent;
any other survivor is open. Survivors in functions that run at import (``BUILT_AT_IMPORT``) are
judged again by hand after the run, and those the tests then kill are reported as killed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / ".mutation"
MUTANTS_MD = REPO / "tests" / "MUTANTS.md"
PACKAGES = ("domain", "projections", "scheduler", "notifications", "plantrail", "web")
# What the tests read besides the packages (tests/ and pyproject.toml mutmut copies itself).
ALSO_COPY = ("examples",)

UNIT_DOMAIN = ["tests/unit/test_timeliness.py", "tests/unit/test_boundaries.py", "tests/unit/test_action_rules.py"]

# group -> (files to mutate, tests that judge them). Tests run on SQLite only (no PostgreSQL URL).
GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "policy": (
        ["scheduler/policy.py"],
        ["tests/unit/test_policy.py", "tests/unit/test_boundaries.py", "tests/integration/test_reminders.py"],
    ),
    "timeliness": (
        ["domain/timeliness.py"],
        [*UNIT_DOMAIN, "tests/unit/test_policy.py", "tests/integration/test_timeline.py"],
    ),
    "domain-rules": (
        ["domain/action_rules.py", "domain/sign_off.py", "domain/claims.py", "domain/access.py", "domain/email_address.py"],
        [
            *UNIT_DOMAIN,
            "tests/unit/test_sign_off_rules.py",
            "tests/unit/test_access.py",
            "tests/unit/test_email_address.py",
            "tests/integration/test_sign_off.py",
            "tests/integration/test_lifecycle_progress.py",
        ],
    ),
    "domain-aggregates": (
        # lifecycle.py and descriptions.py are Action's command mixins, judged by the same tests.
        ["domain/action.py", "domain/lifecycle.py", "domain/descriptions.py", "domain/plan.py", "domain/person.py", "domain/reminder.py"],
        [
            *UNIT_DOMAIN,
            "tests/unit/test_action_aggregate.py",
            "tests/unit/test_action_lifecycle.py",
            "tests/unit/test_plan_aggregate.py",
            "tests/unit/test_person_reminder_aggregates.py",
            "tests/unit/test_event_versions.py",
            "tests/integration/test_lifecycle_progress.py",
            "tests/integration/test_timeline.py",
        ],
    ),
    "domain-support": (
        # Small rule modules every aggregate and use case leans on: names, text checks, update
        # rounds, the problem collector and the effective-date check (commands.py's dataclasses
        # have no mutants).
        ["domain/names.py", "domain/text.py", "domain/rounds.py", "domain/problems.py", "domain/commands.py"],
        [
            "tests/unit/test_names.py",
            "tests/unit/test_input_rules.py",
            "tests/unit/test_rounds.py",
            "tests/unit/test_boundaries.py",
            "tests/unit/test_importers.py",
            "tests/unit/test_sheet_reader.py",
            "tests/unit/test_plan_aggregate.py",
            "tests/unit/test_action_aggregate.py",
            "tests/unit/test_person_reminder_aggregates.py",
            "tests/unit/test_action_lifecycle.py",
            "tests/integration/test_import_names.py",
            "tests/integration/test_round_updates.py",
        ],
    ),
    "use-cases": (
        # The application's use cases: slower to judge (each test builds a store), so run a module
        # at a time (`mutmut run "domain.application*"` in .mutation/use-cases).
        [
            "domain/application.py",
            "domain/people_use_cases.py",
            "domain/sign_off_use_cases.py",
            "domain/reminder_use_cases.py",
            "domain/remembered.py",
        ],
        [
            "tests/unit/test_remembered.py",
            "tests/integration/test_remembered_aggregates.py",
            "tests/integration/test_saved_catch_up.py",
            "tests/unit/test_application.py",
            "tests/unit/test_application_door.py",
            "tests/unit/test_people_use_cases.py",
            "tests/unit/test_sign_off_use_cases.py",
            "tests/unit/test_reminder_use_cases.py",
            "tests/unit/test_sign_off_rules.py",
            "tests/integration/test_application_store.py",
            "tests/integration/test_lifecycle_progress.py",
            "tests/integration/test_sign_off_decisions.py",
            "tests/integration/test_roles.py",
            "tests/integration/test_concurrent_writes.py",
            "tests/integration/test_import_names.py",
            "tests/integration/test_reminder_raising.py",
            "tests/integration/test_service.py",
            "tests/integration/test_summary_counts.py",
        ],
    ),
    "timeline": (
        ["projections/timeline.py"],
        [
            "tests/integration/test_timeline.py",
            "tests/integration/test_timeline_rows.py",
            "tests/integration/test_projector.py",
            "tests/integration/test_saved_catch_up.py",
        ],
    ),
    "chain": (
        ["projections/chain.py", "domain/integrity.py"],
        [
            "tests/unit/test_integrity_records.py",
            "tests/integration/test_chain_links.py",
            "tests/integration/test_integrity.py",
            "tests/integration/test_tampering.py",
        ],
    ),
    "summary": (
        ["projections/summary.py"],
        # A small plan counted by hand (seconds), then the cache's own tests on the seed plan.
        ["tests/integration/test_summary_counts.py", "tests/integration/test_summary_cache.py"],
    ),
    "queries": (
        ["projections/queries.py"],
        [
            "tests/integration/test_queries.py",
            "tests/integration/test_timeline.py",
            "tests/integration/test_projector.py",
            "tests/e2e/test_views_cli.py",
        ],
    ),
    "sign-off-policy": (
        ["scheduler/sign_off_policy.py"],
        ["tests/unit/test_sign_off_policy.py"],
    ),
    "relay": (
        ["notifications/relay.py"],
        [
            "tests/integration/test_reminders.py",
            "tests/integration/test_admin_notices.py",
            "tests/integration/test_outbox_claims.py",
            "tests/integration/test_reminder_isolation.py",
        ],
    ),
    "sweep": (
        ["scheduler/sweep.py"],
        [
            "tests/integration/test_reminders.py",
            "tests/integration/test_digest.py",
            "tests/integration/test_reminder_isolation.py",
            "tests/integration/test_sweep_outcome.py",
        ],
    ),
    "importers": (
        ["domain/importing.py", "domain/plan_document.py", "plantrail/importers/*"],
        [
            "tests/unit/test_importers.py",
            "tests/unit/test_sheet_reader.py",
            "tests/unit/test_plan_file_reading.py",
            "tests/integration/test_import_store.py",
            "tests/integration/test_import_names.py",
            "tests/e2e/test_sheets_in.py",
        ],
    ),
    "settings": (
        ["plantrail/settings.py"],
        ["tests/unit/test_settings.py", "tests/e2e/test_settings_cli.py", "tests/e2e/test_errors_cli.py"],
    ),
}

KILLED = {"killed", "timeout", "caught by type check", "segfault"}

# Functions that build a statement once, at import (a module constant such as
# projections.current_state.ACTIONS_WITH_HEADS is made by calling them). mutmut 3 picks the
# mutant at call time in a process that imported the modules already, so their mutants never
# run mutated and survive whatever the tests say. `run` judges these survivors again by hand:
# each mutant's change applied to a scratch checkout and the group's tests run there.
BUILT_AT_IMPORT: dict[str, tuple[str, ...]] = {
    "timeline": ("projections.timeline.x_is_head__",),
}
BY_HAND = "by_hand.json"


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def prepare(group: str) -> Path:
    """Lay out .mutation/GROUP: links to the sources, a pyproject.toml whose [tool.mutmut] is the group's."""
    files, tests = GROUPS[group]
    here = WORK / group
    here.mkdir(parents=True, exist_ok=True)
    for name in (*PACKAGES, *ALSO_COPY, "tests"):
        link = here / name
        if not link.is_symlink():
            link.symlink_to(REPO / name)
    base = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    shared = tomllib.loads(base).get("tool", {}).get("mutmut", {})
    # The repository's [tool.mutmut] holds the shared settings; the group's own come last and win.
    without_mutmut = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", "", base)
    lines = ["[tool.mutmut]"]
    for key, value in shared.items():
        if key not in {"source_paths", "only_mutate", "pytest_add_cli_args_test_selection", "also_copy"}:
            lines.append(f"{key} = {value!r}".replace("True", "true").replace("False", "false"))
    lines += [
        f"source_paths = {_toml_list(list(PACKAGES))}",
        f"only_mutate = {_toml_list(files)}",
        f"also_copy = {_toml_list(list(ALSO_COPY))}",
        f"pytest_add_cli_args_test_selection = {_toml_list(tests)}",
    ]
    (here / "pyproject.toml").write_text(without_mutmut.rstrip() + "\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return here


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PLANTRAIL_TEST_POSTGRES_URL"}


def _mutmut(here: Path, *args: str, capture: bool = True) -> subprocess.CompletedProcess[str]:
    mutmut = str(Path(sys.executable).parent / "mutmut")
    return subprocess.run([mutmut, *args], cwd=here, env=_env(), text=True, capture_output=capture)


def statuses(here: Path) -> dict[str, str]:
    out = _mutmut(here, "results", "--all", "true")
    found: dict[str, str] = {}
    for line in out.stdout.splitlines():
        match = re.match(r"\s*(\S+__mutmut_\d+): (.+)$", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def run(group: str, max_children: int) -> int:
    here = prepare(group)
    print(f"mutmut over {', '.join(GROUPS[group][0])} in {here.relative_to(REPO)} (tests: {' '.join(GROUPS[group][1])})", flush=True)
    earlier = statuses(here) if (here / "mutants").exists() else {}
    # mutmut keeps a verdict until the mutated function changes; a survivor of an earlier run is
    # judged again here, against the tests written since.
    again = [m for m, status in earlier.items() if status not in KILLED]
    code = _mutmut(here, "run", "--max-children", str(max_children), capture=False).returncode
    if again and code == 0:
        print(f"judging {len(again)} earlier survivors again", flush=True)
        code = _mutmut(here, "run", "--max-children", str(max_children), *again, capture=False).returncode
    if code == 0 and group in BUILT_AT_IMPORT:
        judge_by_hand(group, here)
    return code


def judge_by_hand(group: str, here: Path) -> None:
    """Apply each surviving mutant of a function run at import (``BUILT_AT_IMPORT``) to a scratch
    checkout of HEAD, run the group's tests there, and keep the verdicts in ``by_hand.json``."""
    import json
    import shutil
    import tempfile

    prefixes = BUILT_AT_IMPORT[group]
    survivors = [m for m, status in statuses(here).items() if status == "survived" and m.startswith(prefixes)]
    verdicts: dict[str, str] = {}
    scratch = Path(tempfile.mkdtemp(prefix=f"mutation-{group}-"))
    checkout = scratch / "repo"
    subprocess.run(["git", "worktree", "add", "-q", "--detach", str(checkout), "HEAD"], cwd=REPO, check=True)
    try:
        for mutant in survivors:
            diff = _mutmut(here, "show", mutant).stdout
            patch = diff[diff.index("\n---") + 1 :] if "\n---" in diff else ""
            subprocess.run(["git", "checkout", "-q", "--", "."], cwd=checkout, check=True)
            applied = subprocess.run(["patch", "-p0", "-s", "-F3"], cwd=checkout, input=patch, text=True, capture_output=True)
            if not patch or applied.returncode != 0:
                verdicts[mutant] = "not applied"
                continue
            tests = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *GROUPS[group][1]],
                cwd=checkout,
                env=_env(),
                capture_output=True,
            )
            verdicts[mutant] = "killed by hand" if tests.returncode != 0 else "survived by hand"
            print(f"  {mutant}: {verdicts[mutant]}", flush=True)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(checkout)], cwd=REPO, check=False)
        shutil.rmtree(scratch, ignore_errors=True)
    (here / BY_HAND).write_text(json.dumps(verdicts, indent=1), encoding="utf-8")


def by_hand_verdicts(here: Path) -> dict[str, str]:
    import json

    path = here / BY_HAND
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def equivalents() -> set[str]:
    if not MUTANTS_MD.exists():
        return set()
    return set(re.findall(r"`([\w.]+__mutmut_\d+)`", MUTANTS_MD.read_text(encoding="utf-8")))


def module_of(mutant: str) -> str:
    # scheduler.policy.xǁ_Evaluatorǁdue_soon__mutmut_3 (a method), scheduler.policy.x__key__mutmut_1 (a function)
    return re.split(r"\.x[ǁ_]", mutant, maxsplit=1)[0].replace(".", "/") + ".py"


def report(group: str) -> int:
    here = prepare(group)
    if not (here / "mutants").exists():
        print(f"{group}: not run yet (make mutation GROUP={group})")
        return 1
    found = statuses(here)
    hand = by_hand_verdicts(here)
    found = {m: ("killed" if status == "survived" and hand.get(m) == "killed by hand" else status) for m, status in found.items()}
    known = equivalents()
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: list[str] = []
    for mutant, status in sorted(found.items()):
        counts = by_module[module_of(mutant)]
        counts["mutants"] += 1
        if status in KILLED:
            counts["killed"] += 1
        elif status == "survived" and mutant in known:
            counts["equivalent"] += 1
        elif status == "survived":
            counts["open"] += 1
            survivors.append(f"{mutant}: {status}")
        else:  # "no tests" (no selected test reaches it) or "not checked" (the run was stopped first)
            counts["untested"] += 1
            survivors.append(f"{mutant}: {status}")
    print(f"{'module':34} {'mutants':>7} {'killed':>7} {'equiv.':>7} {'open':>5} {'untested':>8} {'killed %':>9}")
    for module, c in sorted(by_module.items()):
        rate = 100 * c["killed"] / c["mutants"] if c["mutants"] else 0.0
        print(f"{module:34} {c['mutants']:7} {c['killed']:7} {c['equivalent']:7} {c['open']:5} {c['untested']:8} {rate:8.1f}%")
    if survivors:
        print(
            f"\nsurvivors not explained in tests/MUTANTS.md ({len(survivors)}; `cd {here.relative_to(REPO)} && ../../.venv/bin/mutmut show NAME` shows the change):"
        )
        print("\n".join(f"  {s}" for s in survivors))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["run", "report", "list"])
    parser.add_argument("group", nargs="?", default="all")
    parser.add_argument("--max-children", type=int, default=2, help="parallel mutants (the machine has 2 shared cores)")
    args = parser.parse_args()
    if args.command == "list":
        for name, (files, tests) in GROUPS.items():
            print(f"{name:18} {' '.join(files)}\n{'':18} tests: {' '.join(tests)}")
        return 0
    groups = list(GROUPS) if args.group == "all" else [args.group]
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group {unknown[0]!r}; one of: {', '.join(GROUPS)}")
    status = 0
    for group in groups:
        if args.command == "run":
            status |= run(group, args.max_children)
        print(f"\n== {group}")
        status |= report(group)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
