"""Chromium for the browser tests: Debian's binary driven by Playwright, a live uvicorn server,
and axe-core injected into each page.

Without Chromium the browser tests skip with a loud reason, except under CI
(PLANTRAIL_REQUIRE_CHROMIUM=1, set by .ci/run), where its absence fails the run."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import uvicorn

CHROMIUM = os.environ.get("PLANTRAIL_CHROMIUM", "/usr/bin/chromium")
REQUIRE_CHROMIUM = os.environ.get("PLANTRAIL_REQUIRE_CHROMIUM") == "1"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE_FILE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SCREENSHOTS = os.environ.get("PLANTRAIL_SCREENSHOTS_DIR")


def require_chromium() -> None:
    if Path(CHROMIUM).is_file() or shutil.which(CHROMIUM):
        return
    reason = f"Chromium is missing ({CHROMIUM} not found), so the browser tests did NOT run (apt-get install chromium fonts-liberation)"
    if REQUIRE_CHROMIUM:
        pytest.fail(reason + "; PLANTRAIL_REQUIRE_CHROMIUM=1 makes this a failure")
    pytest.skip(reason)


class LiveServer:
    """A real uvicorn server on 127.0.0.1 in a thread, serving ``app``."""

    def __init__(self, app: Any, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1/2.2 A and AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's CSP does not govern: the
        # page itself still runs under default-src 'self'.
        page.evaluate(AXE_FILE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate(
        "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}}); "
        "return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})); }",
        WCAG_TAGS,
    )
    return list(result)


def screenshot(page: Any, name: str) -> None:
    """Screenshots for the README, when PLANTRAIL_SCREENSHOTS_DIR names a folder."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)
