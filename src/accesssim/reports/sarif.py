"""SARIF 2.1.0 of ``accesssim check`` (``--sarif``) for GitHub code scanning: one rule per
failure type and per other reason kind, one result per reason, located at the changed line that
opened it (so it shows on the pull request's diff), the witness as a code flow.

GitHub rejects or silently cuts files over its published limits; this output stays inside
them and says what it left out (run properties and a tool notification) instead.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from accesssim import __version__
from accesssim.gate.result import GateReport, Opened, Reason
from accesssim.model.provenance import Source
from accesssim.reports.gate_text import gained_label, who
from accesssim.search.defects import FailureType

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: GitHub stores only the first 5,000 results of a run (25,000 is the hard limit).
MAX_RESULTS = 5000
#: GitHub keeps 1,000 thread-flow locations per result (10,000 is the hard limit).
MAX_FLOW_LOCATIONS = 1000
#: GitHub shows 100 locations per result (1,000 is the hard limit); used for related lines.
MAX_RELATED = 100
#: GitHub refuses an upload over 10 MB; staying under that uncompressed is always safe.
MAX_BYTES = 10_000_000

#: What each failure type means and how to fix it (docs/model-format.md, "How failure types
#: are assigned").
_TYPE_HELP = {
    FailureType.MASKING_DEFECT: "A screen that the policy lets an account outside the "
    "boundary open shows a non-public field in clear, or a policy rule unmasks a masked field "
    "for it. Mask the field on that screen, or remove the unmask rule.",
    FailureType.UNCHECKED_TRANSITION: "A transition with `checked: false` leads to a screen the "
    "policy does not let the account open, so the account reaches it anyway. Check access on "
    "the transition, or remove it.",
    FailureType.TERMINAL_PLACEMENT: "A terminal owned inside the system's boundary stands open "
    "at a location where people outside the boundary can use it. Move the terminal, or close "
    "it to them.",
    FailureType.TERMINAL_MISDISTRIBUTION: "A terminal owned inside the system's boundary is "
    "assigned to a person outside it. Take the terminal back.",
    FailureType.DISASTER_LENDING: "A terminal lent for disaster response (`purpose: "
    "disaster-lending`) is still usable by people outside the boundary in normal time. Return "
    "it when the disaster is over.",
    FailureType.OUTAGE_WORKAROUND: "A terminal or a role set up as an outage workaround "
    "(`outage-workaround`) still lets people outside the boundary in. Remove the workaround "
    "when the outage is over.",
    FailureType.EMERGENCY_RIGHTS: "A disaster account (`purpose: disaster`) or an allow that "
    "rests on a disaster role (`role_purposes: disaster`) is usable outside disaster mode. "
    "Make it usable in disaster mode only.",
    FailureType.CREDENTIAL_MISUSE: "Someone uses an account that is not theirs: a credential "
    "they know (`known_by`), or someone else's session left logged in on a terminal. Change "
    "the credential, or end the session.",
    FailureType.TEMPORARY_DISPLAY: "A display meant to be temporary (`purpose: "
    "temporary-display`) shows a non-public field in clear on a screen an account outside the "
    "boundary may open. End the display, or mask the field.",
    FailureType.ENCODING_OMISSION: "A field that should be shown encoded (`purpose: "
    "encoding-omission`) is shown in clear on a screen an account outside the boundary may "
    "open. Encode or mask the field.",
    FailureType.EXTERNAL_ACCOUNT: "An account issued by one organization (`issued_by`) is used "
    "by people of another organization who do not hold it. Issue each organization its own "
    "accounts.",
}

_OTHER_RULES = {
    "broken-expectation": ("BrokenExpectation", "a scenario expectation does not hold",
                           "An expectation written in the scenario no longer holds on this "
                           "version of the model. Fix the change, or the expectation if the "
                           "change is intended."),
    "no-expectations": ("NoExpectations", "a scenario path holds no expectation",
                        "A scenario folder or file holds no expectation at all, so the gate "
                        "cannot tell a safe change from a harmful one. Add expectations."),
    "no-longer-checked": ("NoLongerChecked", "something the base checked is no longer checked",
                          "A scenario the base version checked is gone, or a Casbin file a "
                          "base scenario read is still in the repository but no scenario "
                          "reads it now: what it guarded is no longer checked. Keep a "
                          "scenario pointing at it, or delete the file on purpose."),
    "expired-waiver": ("ExpiredWaiver", "a waiver is past its expiry date",
                       "A waiver in accesssim-waivers.yaml accepted an exposure until a day "
                       "that has passed. Fix the exposure, or renew the waiver on purpose."),
    "opened-exposure": ("OpenedExposure", "an exposure was opened or widened",
                        "Someone outside the boundary can see a field in a mode or on days "
                        "they could not before. Undo the changed line, or waive the exposure."),
}
_KIND_RULE = {"expectation": "broken-expectation", "no-expectations": "no-expectations",
              "no-longer-checked": "no-longer-checked",
              "expired-waiver": "expired-waiver", "exposure": "opened-exposure"}


def _rules() -> list[dict[str, Any]]:
    rules = []
    for t in FailureType:
        name = "".join(w.capitalize() for w in t.value.split("-"))
        rules.append(_rule(t.value, name, t.label, _TYPE_HELP[t], "security"))
    for rule_id, (name, short, full) in _OTHER_RULES.items():
        rules.append(_rule(rule_id, name, short, full,
                           "security" if rule_id == "opened-exposure" else "correctness"))
    return rules


def _rule(rule_id: str, name: str, short: str, full: str, tag: str) -> dict[str, Any]:
    """A rule; ``security-severity`` (0-10) is how GitHub ranks security alerts: a leak of
    non-public data across the boundary is rated high."""
    properties: dict[str, Any] = {"tags": [tag, "access-control"]}
    if tag == "security":
        properties["security-severity"] = "8.0"
    title = short[:1].upper() + short[1:]
    markdown = f"**{title}.** {full}"
    if tag == "security":
        markdown += ("\n\nTo accept a known exposure for a while, add its fingerprint (the "
                     "alert's `accesssimFingerprint/v1`) and the model file it was found in, "
                     "with an owner, a reason and an expiry date, to `accesssim-waivers.yaml`.")
    return {"id": rule_id, "name": name,
            "shortDescription": {"text": title},
            "fullDescription": {"text": full.replace("`", "")},
            "help": {"text": full.replace("`", ""), "markdown": markdown},
            "defaultConfiguration": {"level": "error"},
            "properties": properties}


def _location(src: Source | None, message: str | None = None) -> dict[str, Any]:
    loc: dict[str, Any] = {}
    if src is not None:
        # a relative URI: spaces and non-ASCII names percent-encoded, as SARIF requires
        uri = quote(src.file.replace("\\", "/"), safe="/")
        physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}
        if src.line >= 1:
            physical["region"] = {"startLine": src.line}
        if src.sheet:  # a spreadsheet row: the row number, and the sheet said beside it
            physical["properties"] = {"sheet": src.sheet}
        loc["physicalLocation"] = physical
    if message:
        loc["message"] = {"text": message}
    return loc


def _code_flow(opened: Opened, cut: list[str]) -> dict[str, Any]:
    hops = opened.hops
    if len(hops) > MAX_FLOW_LOCATIONS:
        cut.append(opened.fingerprint)
        hops = hops[:MAX_FLOW_LOCATIONS]
    steps = [{"location": _location(hop.sources[0] if hop.sources else None, hop.text)}
             for hop in hops]
    return {"message": {"text": f"how {opened.person} reaches {opened.field}"},
            "threadFlows": [{"locations": steps}]}


def _result(reason: Reason, opened: Opened | None, rule_index: dict[str, int],
            report: GateReport, cut: list[str]) -> dict[str, Any]:
    rule_id = _KIND_RULE[reason.kind]
    if opened is not None and opened.failure_types:
        rule_id = opened.failure_types[0].value
    text = reason.message
    where = reason.source
    result: dict[str, Any] = {"ruleId": rule_id, "ruleIndex": rule_index[rule_id],
                              "level": "error"}
    if opened is not None:
        text = (f"{reason.message} ({opened.status} {opened.fingerprint}: {who(opened)} sees "
                f"{opened.field}: {gained_label(opened)}; finding {opened.finding})")
        where = opened.location
        result["codeFlows"] = [_code_flow(opened, cut)]
        related = opened.changed[1:1 + MAX_RELATED]
        if related:
            result["relatedLocations"] = [dict(_location(s, "also changed"), id=i)
                                          for i, s in enumerate(related, start=1)]
    if where is None and report.models:
        where = Source(report.models[0].model, 0)
    result["message"] = {"text": text}
    if where is not None:
        result["locations"] = [_location(where)]
    key = reason.fingerprint or hashlib.sha256(
        f"{reason.kind}\n{reason.message}".encode()).hexdigest()[:16]
    result["partialFingerprints"] = {"accesssimFingerprint/v1": key}
    return result


def check_to_sarif(report: GateReport) -> str:
    rules = _rules()
    rule_index = {r["id"]: i for i, r in enumerate(rules)}
    opened = {o.fingerprint: o for o in report.opened}
    cut: list[str] = []
    results = [_result(r, opened.get(r.fingerprint or "") if r.kind == "exposure" else None,
                       rule_index, report, cut) for r in report.reasons]
    total = len(results)
    if total > MAX_RESULTS:
        results = results[:MAX_RESULTS]
    text = _render(rules, results, report, cut, total)
    while len(text.encode()) > MAX_BYTES and results:
        keep = max(0, min(len(results) - 1, len(results) * MAX_BYTES // len(text.encode())
                          * 9 // 10))
        results = results[:keep]
        text = _render(rules, results, report, cut, total)
    return text


def _render(rules: list[dict[str, Any]], results: list[dict[str, Any]], report: GateReport,
            cut: list[str], total: int) -> str:
    kept = {r["partialFingerprints"]["accesssimFingerprint/v1"] for r in results}
    cut = [c for c in cut if c in kept]
    notes = []
    if len(results) < total:
        notes.append(f"{total - len(results)} of {total} results left out to stay within "
                     "GitHub's SARIF limits; the text and JSON outputs list them all")
    if cut:
        shown = ", ".join(cut[:10]) + (", ..." if len(cut) > 10 else "")
        notes.append(f"{len(cut)} code flow(s) cut to their first {MAX_FLOW_LOCATIONS} hops "
                     f"(GitHub's limit): {shown}")
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "accesssim", "version": __version__,
                            "semanticVersion": __version__, "rules": rules}},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the repository root"}}},
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": [{"level": "note", "message": {"text": n}}
                                           for n in notes]}],
        "results": results,
        "properties": {"result": report.result, "counts": report.counts(),
                       "truncated": bool(notes), "notes": notes},
    }
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, ensure_ascii=False, separators=(",", ":")) + "\n"
