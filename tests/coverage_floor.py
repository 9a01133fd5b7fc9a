"""`make coverage`'s last step: fail when the total or any one module is below its floor.

coverage.py's own ``--fail-under`` checks the total only; a well-covered whole can hide a module
nobody tests, so each module is held to a floor of its own as well.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TOTAL_FLOOR = 90.0
MODULE_FLOOR = 80.0


def main(report: Path) -> int:
    data = json.loads(report.read_text())
    total = data["totals"]["percent_covered"]
    below = {name: f["summary"]["percent_covered"] for name, f in data["files"].items() if f["summary"]["percent_covered"] < MODULE_FLOOR}
    print(f"total line coverage {total:.1f}% (floor {TOTAL_FLOOR:.0f}%)")
    for name, percent in sorted(below.items(), key=lambda item: item[1]):
        print(f"  below the {MODULE_FLOOR:.0f}% module floor: {name} {percent:.1f}%")
    return 0 if total >= TOTAL_FLOOR and not below else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "coverage.json")))
