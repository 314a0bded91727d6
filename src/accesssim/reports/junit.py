"""JUnit XML for ``accesssim test --junit`` (one testcase per expectation, named by its id) and
``accesssim check --junit`` (the same, plus the exposures the change opened and the gate's other
reasons, so a CI test view shows why the gate failed)."""

from __future__ import annotations

import re
from collections import defaultdict

from junitparser import Failure, JUnitXml, TestCase, TestSuite

from accesssim.gate.result import GateReport
from accesssim.reports.gate_text import hop_lines, opened_line, waived
from accesssim.reports.suite_text import failure_details
from accesssim.suite.checks import CheckResult

#: Characters XML 1.0 does not allow, even escaped (C0 controls but tab and newlines, etc.).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Show a control character as ``\\xNN`` so the XML always parses and nothing is lost."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


def _expectation_suites(results: list[CheckResult]) -> list[TestSuite]:
    by_scenario: dict[str, list[CheckResult]] = defaultdict(list)
    for result in results:
        by_scenario[result.scenario].append(result)
    suites = []
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
        suites.append(suite)
    return suites


def _render(suites: list[TestSuite]) -> str:
    xml = JUnitXml(name="accesssim")
    for suite in suites:
        xml.add_testsuite(suite)
    xml.update_statistics()
    text: str = xml.tostring().decode("utf-8")
    return text


def results_to_junit(results: list[CheckResult]) -> str:
    return _render(_expectation_suites(results))


def _failing(name: str, classname: str, message: str, details: str) -> TestCase:
    case = TestCase(_xml_safe(name), classname=_xml_safe(classname))
    failure = Failure(_xml_safe(message))
    failure.text = _xml_safe(details)
    case.result = [failure]
    return case


def gate_to_junit(report: GateReport) -> str:
    """The expectations as ``test`` writes them; a suite ``exposures`` with one testcase per
    opened exposure (failing unless an unexpired waiver covers it); a suite ``gate`` with one
    failing testcase per scenario path without expectations and per expired waiver."""
    suites = _expectation_suites(list(report.expectations))
    exposures = TestSuite("exposures")
    for md in report.models:
        for opened in md.opened:
            line = opened_line(opened, report)
            if waived(opened, report):
                case = TestCase(_xml_safe(opened.fingerprint), classname=_xml_safe(md.model))
            else:
                case = _failing(opened.fingerprint, md.model, line,
                                "\n".join([line, *hop_lines(opened, "  ")]))
            exposures.add_testcase(case)
    exposures.update_statistics()
    suites.append(exposures)
    gate = TestSuite("gate")
    for reason in report.reasons:
        if reason.kind in ("no-expectations", "no-longer-checked", "expired-waiver"):
            where = str(reason.source) if reason.source else ""
            name = f"{reason.kind}: {reason.fingerprint or where or reason.message}"
            gate.add_testcase(_failing(name, reason.kind, reason.message,
                                       f"{reason.message}\n{where}".strip()))
    gate.update_statistics()
    suites.append(gate)
    return _render(suites)
