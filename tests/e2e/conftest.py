"""Fixtures for running the real ``plantrail`` entry point against a fresh SQLite file."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES


@pytest.fixture
def run(tmp_path: Path):
    env = {**os.environ, "PLANTRAIL_DATABASE_URL": str(tmp_path / "cli.db"), "PLANTRAIL_USER": "clerk"}

    def run(*args: str, expect: int = 0) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "plantrail", *args], capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == expect, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        return result

    return run


@pytest.fixture
def imported(run):
    run("import", str(EXAMPLES))
    return run


def as_json(result) -> object:
    return json.loads(result.stdout)
