"""Run the production ``plantrail`` command group in-process (click's CliRunner).

The exit-code mapping lives in the group itself, so this is the same path the console script
takes, minus a process start: coverage sees it, and a run costs milliseconds. Tests of signals,
broken pipes and several processes at once still start real processes.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from click.testing import CliRunner

from plantrail.cli import cli


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def invoke(env: dict[str, str], *args: str, expect: int | None = 0) -> CliResult:
    """Run ``plantrail ARGS`` with ``env`` added to the environment; check the exit code."""
    result = CliRunner().invoke(cli, list(args), env=env, prog_name="plantrail")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # A traceback is a bug whatever exit code the test expected.
        raise AssertionError(
            "plantrail raised instead of exiting:\n" + "".join(traceback.format_exception(*result.exc_info))  # type: ignore[misc]
        )
    outcome = CliResult(result.exit_code, result.stdout, result.stderr)
    if expect is not None:
        assert outcome.returncode == expect, f"exit {outcome.returncode}\nstdout: {outcome.stdout}\nstderr: {outcome.stderr}"
    return outcome
