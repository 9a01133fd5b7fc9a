"""What only a real process shows: exit codes of the console script, undecodable arguments,
and output cut short by a closed pipe. Everything else runs in-process (tests/cli_runner.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES


def plantrail_process(tmp_path: Path, *args: str | bytes) -> subprocess.CompletedProcess:
    env = {**os.environ, "PLANTRAIL_DATABASE_URL": str(tmp_path / "p.db"), "PLANTRAIL_USER": "clerk"}
    return subprocess.run([sys.executable, "-m", "plantrail", *args], capture_output=True, env=env, timeout=120)


def test_the_console_script_exits_0_1_and_2_with_one_line_errors(tmp_path: Path):
    assert plantrail_process(tmp_path, "import", str(EXAMPLES / "sos-001.plan.json")).returncode == 0
    missing = plantrail_process(tmp_path, "show", "NO_SUCH_ACTION")
    assert missing.returncode == 1
    assert missing.stderr.decode().splitlines() == ["plantrail: error: action 'NO_SUCH_ACTION' not found"]
    bad = plantrail_process(tmp_path, "update", "SS_ICSAP_IMP1", "--progress", "150")
    assert bad.returncode == 2 and b"Traceback" not in bad.stderr and b"--progress" in bad.stderr


def test_an_argument_that_is_not_utf8_is_refused_with_exit_2(tmp_path: Path):
    result = plantrail_process(tmp_path, "show", b"SS_ICSAP_\xff\xfe")
    assert result.returncode == 2
    assert result.stderr.decode() == "plantrail: error: argument 2 is not valid UTF-8 text; check the terminal's encoding\n"


@pytest.mark.parametrize("fmt", ["json", "table"])  # the table streams (about 200 kB here, past a pipe's buffer)
def test_output_cut_short_by_a_closed_pipe_is_not_an_error(tmp_path: Path, fmt: str):
    plantrail_process(tmp_path, "import", str(EXAMPLES / "sos-001.plan.json"))
    env = {**os.environ, "PLANTRAIL_DATABASE_URL": str(tmp_path / "p.db")}
    shell = f"{sys.executable} -m plantrail history --format {fmt} | head -c 10 > /dev/null; echo ${{PIPESTATUS[0]}}"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, env=env, timeout=120, text=True)
    assert result.stdout.strip() == "0"
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
