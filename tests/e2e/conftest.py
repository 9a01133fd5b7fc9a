"""Fixtures for running the real ``plantrail`` command group against a fresh SQLite file."""

import json
from pathlib import Path

import pytest

from tests.cli_runner import CliResult, invoke
from tests.conftest import EXAMPLES


@pytest.fixture
def run(tmp_path: Path):
    env = {"PLANTRAIL_DATABASE_URL": str(tmp_path / "cli.db"), "PLANTRAIL_USER": "clerk"}

    def run(*args: str, expect: int = 0) -> CliResult:
        return invoke(env, *args, expect=expect)

    return run


@pytest.fixture
def imported(run):
    run("import", str(EXAMPLES))
    return run


def as_json(result) -> object:
    return json.loads(result.stdout)


@pytest.fixture
def recording_directly(imported):
    """The seed plan with sign-off turned off (`none`): for tests of the changes themselves,
    which under the default (`completion`) would wait for a manager as claims."""
    imported("sign-off", "SOS 001", "--mode", "none", "--reason", "tests of direct recording")
    return imported
