"""Text output of ``accesssim test``: one line per expectation, then coverage and a summary."""

from __future__ import annotations

from accesssim.i18n import ENGLISH, Translator, msg
from accesssim.reports.text import hop_line, say
from accesssim.suite.checks import CheckResult
from accesssim.suite.suite import SuiteResult


def failure_details(result: CheckResult, tr: Translator = ENGLISH) -> list[str]:
    lines = [tr(msg("expected: {expected}", expected=say(result.expected, tr))),
             tr(msg("actual:   {actual}", actual=say(result.actual, tr)))]
    if result.witness:
        lines.append(tr(msg("witness:")))
        for step, hop in enumerate(result.witness, start=1):
            where = ", ".join(str(s) for s in hop.sources)
            lines.append(f"  {hop_line(step, hop, where, tr)}")
    return lines


def status_word(passed: bool, tr: Translator = ENGLISH) -> str:
    return tr(msg("PASS")) if passed else tr(msg("FAIL"))


def suite_to_text(suite: SuiteResult, *, coverage: bool, tr: Translator = ENGLISH) -> str:
    lines = []
    for result in suite.results:
        lines.append(tr(msg("{status} {test} ({kind}, line {line}): {summary}",
                            status=status_word(result.passed, tr), test=result.test_id,
                            kind=result.kind, line=result.line, summary=say(result.summary, tr))))
        if not result.passed:
            lines.extend(f"     {line}" for line in failure_details(result, tr))
    for name in suite.without_expectations:
        lines.append(tr(msg("note: {name} has no expectations", name=name)))
    for name in suite.updated:
        lines.append(tr(msg("updated: {name} (review the change before committing it)",
                            name=name)))
    if coverage:
        cov = suite.coverage
        parts = ", ".join(f"{kind} {len(cov.covered[kind] & cov.total[kind])}/"
                          f"{len(cov.total[kind])}" for kind in cov.total)
        percent = f"{cov.percent:.1f}"
        lines.append(tr(msg("coverage: {percent}% ({parts})", percent=percent, parts=parts)))
        for kind, items in cov.missing():
            lines.append("  " + tr(msg("not exercised: {kind} ({count})", kind=kind,
                                       count=len(items))))
            lines.extend(f"    {item}" for item in items)
    passed = sum(1 for r in suite.results if r.passed)
    lines.append(tr(msg("{passed} passed, {failed} failed", passed=passed,
                        failed=len(suite.results) - passed)))
    return "\n".join(lines) + "\n"
