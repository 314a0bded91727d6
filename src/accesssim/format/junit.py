"""JUnit XML for ``accesssim test --junit``: one testcase per expectation, named by its id."""

from __future__ import annotations

from collections import defaultdict

from junitparser import Failure, JUnitXml, TestCase, TestSuite

from accesssim.checks import CheckResult
from accesssim.format.suite_text import failure_details


def results_to_junit(results: list[CheckResult]) -> str:
    by_scenario: dict[str, list[CheckResult]] = defaultdict(list)
    for result in results:
        by_scenario[result.scenario].append(result)
    xml = JUnitXml(name="accesssim")
    for scenario in sorted(by_scenario):
        suite = TestSuite(scenario)
        for result in by_scenario[scenario]:
            case = TestCase(result.expectation, classname=scenario)
            if not result.passed:
                failure = Failure(f"expected {result.expected}, got {result.actual}")
                failure.text = "\n".join(failure_details(result))
                case.result = [failure]
            suite.add_testcase(case)
        suite.update_statistics()
        xml.add_testsuite(suite)
    xml.update_statistics()
    text: str = xml.tostring().decode("utf-8")
    return text
