"""Dependencies point inward (DESIGN.md): read the imports to keep it true."""

import ast
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OUTER = {"projections", "scheduler", "notifications", "plantrail"}


def imported_top_levels(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (REPO / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(REPO))] = names
    return found


def test_domain_imports_only_the_standard_library_and_eventsourcing():
    allowed = set(sys.stdlib_module_names) | {"eventsourcing", "domain", "__future__"}
    offenders = {f: sorted(names - allowed) for f, names in imported_top_levels("domain").items() if names - allowed}
    assert offenders == {}


@pytest.mark.parametrize("package", ["projections", "scheduler", "notifications"])
def test_outer_packages_never_import_the_composition_root(package):
    offenders = {f: names & {"plantrail"} for f, names in imported_top_levels(package).items() if "plantrail" in names}
    assert offenders == {}


def test_projections_do_not_import_scheduler_or_notifications():
    offenders = {
        f: names & {"scheduler", "notifications"}
        for f, names in imported_top_levels("projections").items()
        if names & {"scheduler", "notifications"}
    }
    assert offenders == {}


def imported_modules(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (REPO / package).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        found[str(path.relative_to(REPO))] = names
    return found


def test_web_and_the_cli_are_peers():
    def cli_module(name: str) -> bool:
        return name == "plantrail.cli" or name.startswith(("plantrail.cli.", "plantrail.commands_", "plantrail.cli_support"))

    offenders = {
        f: sorted(n for n in names if cli_module(n)) for f, names in imported_modules("web").items() if any(map(cli_module, names))
    }
    assert offenders == {}
    cli_files = [f for f in imported_modules("plantrail") if "/cli" in f or "/commands_" in f]
    assert cli_files, "the CLI modules moved: update this test"
    offenders = {f: sorted(n for n in imported_modules("plantrail")[f] if n.split(".")[0] == "web") for f in cli_files}
    assert all(not names for names in offenders.values()), offenders


@pytest.mark.parametrize("package", ["projections", "scheduler", "notifications", "domain"])
def test_inner_packages_never_import_web(package):
    offenders = {f: names & {"web"} for f, names in imported_top_levels(package).items() if "web" in names}
    assert offenders == {}
