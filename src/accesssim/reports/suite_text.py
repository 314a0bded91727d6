"""Text output of ``accesssim test``: one line per expectation, then coverage and a summary."""

from __future__ import annotations

from accesssim.suite.checks import CheckResult
from accesssim.suite.suite import SuiteResult


def failure_details(result: CheckResult) -> list[str]:
    lines = [f"expected: {result.expected}", f"actual:   {result.actual}"]
    if result.witness:
        lines.append("witness:")
        for step, hop in enumerate(result.witness, start=1):
            where = ", ".join(str(s) for s in hop.sources)
            mark = f"  <-- {hop.defect.label}" if hop.defect else ""
            lines.append(f"  {step:>2}. {hop.text}  [{where}]{mark}")
    return lines


def suite_to_text(suite: SuiteResult, *, coverage: bool) -> str:
    lines = []
    for result in suite.results:
        status = "PASS" if result.passed else "FAIL"
        lines.append(f"{status} {result.test_id} ({result.kind}, line {result.line}): "
                     f"{result.summary}")
        if not result.passed:
            lines.extend(f"     {line}" for line in failure_details(result))
    for name in suite.without_expectations:
        lines.append(f"note: {name} has no expectations")
    for name in suite.updated:
        lines.append(f"updated: {name} (review the change before committing it)")
    if coverage:
        cov = suite.coverage
        parts = ", ".join(f"{kind} {len(cov.covered[kind] & cov.total[kind])}/"
                          f"{len(cov.total[kind])}" for kind in cov.total)
        lines.append(f"coverage: {cov.percent:.1f}% ({parts})")
        for kind, items in cov.missing():
            lines.append(f"  not exercised: {kind} ({len(items)})")
            lines.extend(f"    {item}" for item in items)
    passed = sum(1 for r in suite.results if r.passed)
    lines.append(f"{passed} passed, {len(suite.results) - passed} failed")
    return "\n".join(lines) + "\n"
