"""``make audit``: pip-audit over the installed dependencies, honest about what it could check.

pip-audit asks a vulnerability database (PyPI's JSON API by default, or OSV) about every installed
distribution. Where that database cannot be reached, pip-audit either fails with a connection
error (OSV) or marks every dependency "not found on PyPI" and still reports "No known
vulnerabilities found" with exit 0 (PyPI's JSON API behind a registry that serves only the package
index, as on our CI machines). Neither is a pass. This wrapper says which of three things
happened (SECURITY.md T24, ASVS 15.2.1):

* findings: each vulnerable dependency with its advisory and fixed versions; exit 1;
* audited: how many dependencies were checked (and which could not be); exit 0;
* unreachable: the database could not be asked, so nothing was audited; a notice and exit 0, so
  that a closed network does not fail the build, but never a silent pass.

``python -m cakupan.common.depaudit [--service pypi|osv] [-- more pip-audit arguments]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FINDINGS = 1
# What pip-audit (2.10) writes when it could not ask the database about a dependency.
_NOT_AUDITED = ("not found on PyPI", "could not be audited")
_NETWORK = (
    "ConnectionError",
    "NameResolutionError",
    "Max retries exceeded",
    "Temporary failure in name resolution",
    "timed out",
    "Network is unreachable",
    "Connection refused",
)


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # "findings", "audited", "unreachable" or "error"
    exit_code: int
    lines: list[str]


def interpret(returncode: int, report: dict[str, Any] | None, stderr: str, service: str) -> Outcome:
    """What one pip-audit run found, from its exit code, JSON report and error output."""
    if report is None:
        if any(marker in stderr for marker in _NETWORK):
            return Outcome(
                "unreachable",
                0,
                [
                    f"NOT AUDITED: the vulnerability database ({service}) is unreachable from "
                    "this machine, so no dependency was checked.",
                    "This is not a pass: run `make audit` where it can be reached.",
                ],
            )
        tail = stderr.strip().splitlines()[-5:]
        return Outcome(
            "error", returncode or 1, ["pip-audit failed:", *(f"  {line}" for line in tail)]
        )
    dependencies: list[dict[str, Any]] = report.get("dependencies", [])
    editable = [d for d in dependencies if "editable" in d.get("skip_reason", "")]
    skipped = [
        d
        for d in dependencies
        if any(marker in d.get("skip_reason", "") for marker in _NOT_AUDITED)
    ]
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if vulnerable:
        lines = [f"{len(vulnerable)} vulnerable dependencies (of {len(audited)} audited):"]
        for dep in vulnerable:
            for vuln in dep["vulns"]:
                fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
                aliases = ", ".join(vuln.get("aliases") or [])
                also = f" ({aliases})" if aliases else ""
                lines.append(
                    f"  {dep['name']} {dep['version']}: {vuln['id']}{also}; fixed in {fixed}"
                )
        return Outcome("findings", FINDINGS, lines)
    if not audited and skipped:
        return Outcome(
            "unreachable",
            0,
            [
                f"NOT AUDITED: the vulnerability database ({service}) answered for none of the "
                f"{len(skipped)} dependencies (pip-audit: {skipped[0]['skip_reason']!r}).",
                "This is not a pass: run `make audit` where it can be reached.",
            ],
        )
    lines = [
        f"No known vulnerabilities in {len(audited)} audited dependencies ({service})"
        + (f"; {len(editable)} editable (this project) not audited." if editable else ".")
    ]
    if skipped:
        names = ", ".join(sorted(d["name"] for d in skipped))
        lines.append(f"Could not be audited ({len(skipped)}): {names}")
    return Outcome("audited", 0, lines)


def run(service: str, extra: Sequence[str]) -> Outcome:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "pip-audit.json"
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip_audit",
                "--vulnerability-service",
                service,
                "--skip-editable",
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--output",
                str(output),
                *extra,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        report = json.loads(output.read_text(encoding="utf-8")) if output.exists() else None
    return interpret(completed.returncode, report, completed.stderr, service)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make audit", description="pip-audit, honest about what it could check"
    )
    parser.add_argument("--service", choices=("pypi", "osv"), default="pypi")
    parser.add_argument("extra", nargs="*", help="more pip-audit arguments (after --)")
    args = parser.parse_args(argv)
    outcome = run(args.service, args.extra)
    for line in outcome.lines:
        print(line)  # noqa: T201 - the report of a command-line tool
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
