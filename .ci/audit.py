"""CI's dependency audit: pip-audit over the installed packages; any known vulnerability
fails the build.

pip-audit asks PyPI for each installed version's advisories. A package it cannot look
up (an index that does not serve that data, no network) is not a finding, so it does
not fail the build, nor does a run that got no answer at all; but the count of packages
actually audited is printed, and a run that could audit none says so loudly instead of
passing quietly as "clean".
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).parent / "pip-audit"


def main() -> int:
    result = subprocess.run(
        [str(PIP_AUDIT), "--format", "json", "--progress-spinner", "off"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print("pip-audit: WARNING: no report (advisory data unreachable?); nothing audited")
        print(result.stderr[-1500:])
        return 0
    dependencies = report["dependencies"]
    skipped = [d for d in dependencies if "skip_reason" in d]
    findings = [
        (d["name"], d["version"], v["id"]) for d in dependencies for v in d.get("vulns", [])
    ]
    audited = len(dependencies) - len(skipped)
    print(f"pip-audit: {audited} of {len(dependencies)} installed packages audited")
    for name, version, advisory in findings:
        print(f"  VULNERABLE {name} {version}: {advisory}")
    if findings:
        return 1
    if audited == 0:
        reason = skipped[0]["skip_reason"] if skipped else "no packages"
        print(
            "  WARNING: no package could be audited here (for example: "
            f"{reason!r}); this run proves nothing about known vulnerabilities"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
