"""JUnit XML for ``accesssim test --junit``: one testcase per expectation, named by its id."""

from __future__ import annotations

import re
from collections import defaultdict

from junitparser import Failure, JUnitXml, TestCase, TestSuite

from accesssim.reports.suite_text import failure_details
from accesssim.suite.checks import CheckResult

#: Characters XML 1.0 does not allow, even escaped (C0 controls but tab and newlines, etc.).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Show a control character as ``\\xNN`` so the XML always parses and nothing is lost."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


def results_to_junit(results: list[CheckResult]) -> str:
    by_scenario: dict[str, list[CheckResult]] = defaultdict(list)
    for result in results:
        by_scenario[result.scenario].append(result)
    xml = JUnitXml(name="accesssim")
    for scenario in sorted(by_scenario):
        suite = TestSuite(_xml_safe(scenario))
        for result in by_scenario[scenario]:
            case = TestCase(_xml_safe(result.expectation), classname=_xml_safe(scenario))
            if not result.passed:
                failure = Failure(_xml_safe(f"expected {result.expected}, got {result.actual}"))
                failure.text = _xml_safe("\n".join(failure_details(result)))
                case.result = [failure]
            suite.add_testcase(case)
        suite.update_statistics()
        xml.add_testsuite(suite)
    xml.update_statistics()
    text: str = xml.tostring().decode("utf-8")
    return text
