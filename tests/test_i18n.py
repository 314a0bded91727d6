"""Japanese output: the catalogues in data/locale/ja/ translate every template the code marks
(msg, N_, and the gettext calls of the Jinja templates), with the same placeholders, each msgid
in one file and none left over; strict runs over every incident scenario reach no template the
extractor missed; the CLI prints Japanese with --lang ja or a ja_JP locale, English otherwise.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from click.testing import CliRunner

import accesssim
from accesssim.cli.main import main
from accesssim.engine import Analyzer, analyzer, load_project
from accesssim.findings.results import Report
from accesssim.gate.check import run_check
from accesssim.gate.result import GateReport, Waiver
from accesssim.gate.waivers import judge
from accesssim.i18n import MissingTranslation, Msg, Translator, placeholders, translator
from accesssim.model.provenance import Source
from accesssim.reports.explain import explanation_to_text
from accesssim.reports.gate_markdown import check_to_markdown
from accesssim.reports.gate_text import check_to_text
from accesssim.reports.suite_text import suite_to_text
from accesssim.reports.text import finding_to_text, report_to_text
from accesssim.search.defects import FailureType
from accesssim.suite.suite import run_suite
from gate_repo import commit, make_repo, open_usage
from helpers import REPO, make_project

PACKAGE = Path(accesssim.__file__).parent
LOCALE = PACKAGE / "data" / "locale" / "ja"
TEMPLATES = PACKAGE / "data" / "templates"
INCIDENTS = sorted((REPO / "scenarios" / "incidents").glob("*.yaml"))
#: The marking functions: msg and N_ in Python; gettext's own names in Jinja templates.
KEYWORDS = {"msg": (1,), "N_": None, "_": None, "gettext": None, "ngettext": (1, 2)}


def _extracted() -> dict[str, str]:
    """msgid -> where it is first marked, from the whole package and its Jinja templates."""
    found: dict[str, str] = {}

    def add(root: Path, method_map: list[tuple[str, str]]) -> None:
        for name, line, message, _, _ in extract_from_dir(
                str(root), method_map=method_map, keywords=KEYWORDS, comment_tags=(),
                strip_comment_tags=True):
            for text in (message if isinstance(message, tuple) else (message,)):
                if text:
                    found.setdefault(text, f"{root.name}/{name}:{line}")

    add(PACKAGE, [("**.py", "python")])
    if TEMPLATES.is_dir():
        jinja = "jinja2.ext:babel_extract"
        add(TEMPLATES, [("**.j2", jinja), ("**.html", jinja), ("**.svg", jinja)])
    return found


def _catalogues() -> dict[str, Catalog]:
    files = sorted(LOCALE.glob("*.po"))
    assert files, f"no .po file in {LOCALE}"
    catalogues = {}
    for path in files:
        with path.open("rb") as handle:
            catalogues[path.name] = read_po(handle, locale="ja")
    return catalogues


def _entries() -> Iterator[tuple[str, str, str, bool]]:
    """(file, msgid, msgstr, fuzzy) of every entry but the header."""
    for name, catalogue in _catalogues().items():
        for message in catalogue:
            if message.id and isinstance(message.id, str):
                yield name, message.id, str(message.string or ""), message.fuzzy


def test_the_extractor_finds_the_marked_templates() -> None:
    """The check below is only as good as the extraction: the failure types, a defect, a hop
    and a report heading must all be found (a broken keyword map would find none)."""
    found = _extracted()
    assert {t.label for t in FailureType} <= set(found)
    for msgid in ("terminal {terminal} of {owner} handed to people outside the boundary",
                  "{who} holds account {account}", "root cause:", "Why it fails"):
        assert msgid in found


def test_every_marking_call_is_a_literal_the_extractor_finds() -> None:
    """Read the code itself (ast): every msg(...) and N_(...) call has a literal first argument,
    and babel extracted it (it misses some nested calls: write those on a line of their own)."""
    found = set(_extracted())
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent.name == "i18n":
            continue  # the definitions themselves
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("msg", "N_")):
                continue
            where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Name) and node.func.id == "msg":
                if first.id not in _marked_names(tree):
                    problems.append(f"{where}: {first.id} holds no N_(...) template")
            elif not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                problems.append(f"{where}: not a literal template")
            elif first.value not in found:
                problems.append(f"{where}: {first.value!r} not extracted by babel")
    assert not problems, "\n".join(problems)


def _marked_names(tree: ast.AST) -> set[str]:
    """Names assigned a value holding N_(...) (``what = N_("...")``; msg(what) is then fine)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "N_"
                for n in ast.walk(node.value)):
            names |= {n.id for target in node.targets for n in ast.walk(target)
                      if isinstance(n, ast.Name)}
    return names


def test_every_marked_template_has_a_japanese_translation() -> None:
    translated = {msgid for _, msgid, text, fuzzy in _entries() if text and not fuzzy}
    missing = [f"{where}: {msgid!r}" for msgid, where in sorted(_extracted().items(),
                                                                  key=lambda kv: kv[1])
               if msgid not in translated]
    assert not missing, ("no Japanese msgstr (add it to a .po file in data/locale/ja/):\n"
                         + "\n".join(missing))


def test_every_translation_keeps_exactly_the_placeholders() -> None:
    wrong = [f"{name}: {msgid!r} -> {text!r}" for name, msgid, text, _ in _entries()
             if text and placeholders(text) != placeholders(msgid)]
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_each_msgid_lives_in_one_file_and_none_is_obsolete() -> None:
    where: dict[str, list[str]] = {}
    for name, msgid, _, _ in _entries():
        where.setdefault(msgid, []).append(name)
    twice = {msgid: names for msgid, names in where.items() if len(names) > 1}
    assert not twice, f"msgids in more than one entry: {twice}"
    used = set(_extracted())
    obsolete = sorted(f"{names[0]}: {msgid!r}" for msgid, names in where.items()
                      if msgid not in used)
    assert not obsolete, "no longer used in src/ (remove them):\n" + "\n".join(obsolete)
    kept = {name: list(c.obsolete) for name, c in _catalogues().items() if c.obsolete}
    assert not kept, f"obsolete (#~) entries: {kept}"


def test_the_failure_types_use_the_regulators_terms() -> None:
    """The labels compliance staff know from the EGC secretariat paper of 2023-02-20."""
    ja = translator("ja")
    assert ja(FailureType.MASKING_DEFECT.label) == "マスキング処理の不備"
    assert ja(FailureType.UNCHECKED_TRANSITION.label) == "画面間の遷移時におけるアクセス制限の不備"
    assert ja(FailureType.TERMINAL_MISDISTRIBUTION.label) == "端末の誤配布"
    assert ja(FailureType.EMERGENCY_RIGHTS.label) == "非常災害時用アクセス権限の平時利用"
    labels = [ja(t.label) for t in FailureType]
    assert len(set(labels)) == len(labels) == 11


def test_a_strict_translator_refuses_an_unmarked_template() -> None:
    strict = translator("ja", strict=True)
    with pytest.raises(MissingTranslation, match="no ja translation"):
        strict(Msg("a sentence nobody marked"))
    assert translator("ja")(Msg("a sentence nobody marked")) == "a sentence nobody marked"


# --- strict runs: every template reached at run time is translated ---------------------------

@pytest.fixture(scope="module")
def strict() -> Translator:
    return translator("ja", strict=True)


def _engine(path: Path) -> tuple[Analyzer, Report]:
    project = load_project(path, REPO)
    engine = analyzer(project, modes=project.loaded.model.modes)
    return engine, engine.run()


@pytest.mark.parametrize("path", INCIDENTS, ids=lambda p: p.stem)
def test_strict_japanese_analyze_and_explain(path: Path, strict: Translator) -> None:
    engine, report = _engine(path)
    text = report_to_text(report, strict)
    assert text.startswith(f"accesssim: {report.model_name}\n")
    for index, finding in enumerate(report.findings, start=1):
        block = finding_to_text(index, finding, strict)
        assert block in text and finding.id in block
        for t in finding.failure_types:
            assert strict(t.label) in block
        person, fld = finding.exposures[0]
        why = explanation_to_text(engine.explain(person, fld), strict)
        assert "閲覧できる" in why
    # why not: every person against every non-public field (trusted, no terminal, no screen)
    for person in sorted(engine.people):
        for fld in sorted(engine.fields):
            explanation_to_text(engine.explain(person, fld), strict)


def test_strict_japanese_explain_says_why_not(strict: Translator) -> None:
    engine, _ = _engine(REPO / "scenarios" / "incidents" / "01-kansai-remediated.yaml")
    texts = [explanation_to_text(engine.explain(p, f), strict)
             for p in sorted(engine.people) for f in sorted(engine.fields)]
    assert any("閲覧できない" in t for t in texts)
    assert any("境界内" in t for t in texts)
    assert all(t.isascii() is False for t in texts)


def test_strict_japanese_suite(strict: Translator) -> None:
    suite = run_suite(INCIDENTS, REPO)
    text = suite_to_text(suite, coverage=True, tr=strict)
    assert "合格" in text and "カバレッジ" in text
    # a failed expectation with its witness, as the suite prints one
    _, report = _engine(REPO / KANSAI)
    failed = dataclasses.replace(suite, results=(dataclasses.replace(
        suite.results[0], passed=False, expected="x", actual="y",
        witness=report.findings[0].witness),))
    text = suite_to_text(failed, coverage=False, tr=strict)
    assert "不合格" in text and "期待: x" in text and "経路:" in text


#: Kansai's expectations turned around: each kind fails, so each failure is worded.
FAILING = {
    "masking-defect-exposes-names": ("types: [masking-defect]", "types: [encoding-omission]"),
    "retail-sales-exposed-fields": ("fields: [address, customer_name, phone, retailer_name, "
                                    "usage_kwh]", "fields: [address]"),
    "before-2016-names-were-masked": ("at: 2015-06-01", "at: 2020-06-01"),
    "who-sees-usage": ("people: [kep_outsourced, kep_sales]", "people: [kep_sales]"),
    "retail-denied-switching-screen": ("action: open, expect: deny",
                                       "action: open, expect: allow"),
}


def test_strict_japanese_failed_expectations(tmp_path: Path, strict: Translator) -> None:
    project = make_project(tmp_path)
    for old, new in FAILING.values():
        project.edit_model(old, new)
    suite = run_suite([project.model], project.root)
    failed = {r.expectation for r in suite.results if not r.passed}
    assert set(FAILING) <= failed, failed
    text = suite_to_text(suite, coverage=False, tr=strict)
    assert "想定外: kep_outsourced" in text and "閲覧可能（例:" in text and "全期間で deny" in text
    assert "期待: 経路なし" in text


def _gate(tmp_path: Path) -> GateReport:
    """A real change (a g line that opens a masked field), then every kind of waiver, reason
    and failed expectation the outputs word, judged as the gate judges them."""
    model = make_repo(tmp_path / "repo")
    open_usage(tmp_path / "repo")
    commit(tmp_path / "repo", "open usage")
    today = dt.date(2026, 12, 2)
    report = run_check([model], base_ref="HEAD~1", root=tmp_path / "repo", waivers=None,
                       today=today).report
    assert report.opened, "the change opens an exposure"
    md = report.models[0]
    opened = md.opened[0]
    src = Source("accesssim-waivers.yaml", 3)
    valid = Waiver(opened.fingerprint, md.model, "a@example.com", "ok", dt.date(2030, 1, 1),
                   src)
    expired = dataclasses.replace(valid, fingerprint="EXP-0000000000000002",
                                  expires=dt.date(2020, 1, 1))
    idle = dataclasses.replace(valid, fingerprint="EXP-0000000000000000")
    unchanged = dataclasses.replace(opened, changed=(), fingerprint="EXP-0000000000000001",
                                    status="widened")
    lapsed = dataclasses.replace(opened, fingerprint="EXP-0000000000000002")
    models = (dataclasses.replace(md, opened=(opened, unchanged, lapsed), base_note="a note"),)
    failed = dataclasses.replace(report.expectations[0], passed=False, expected="x", actual="y")
    expectations = (*report.expectations, failed)
    waivers = (valid, expired, idle)
    judged, reasons = judge(models, expectations, waivers, today, ("scenarios/empty",),
                            ("HEAD~1:scenarios/gone.yaml",),
                            (("policies/old.csv", "scenarios/old.yaml"),))
    # an exposure whose only waiver has expired is shown with it
    shown = dataclasses.replace(judged[0], opened=tuple(
        dataclasses.replace(o, waiver=expired) if o.fingerprint == expired.fingerprint else o
        for o in judged[0].opened))
    return dataclasses.replace(report, models=(shown,), waivers=waivers, reasons=reasons,
                               expectations=expectations)


def test_strict_japanese_check(tmp_path: Path, strict: Translator) -> None:
    report = _gate(tmp_path)
    text = check_to_text(report, strict)
    markdown = check_to_markdown(report, strict)
    for shown in (text, markdown):
        assert "不合格" in shown and "例外承認" in shown and "新規" in shown
    assert "### 不合格の理由" in markdown and "| 項目 | 件数 |" in markdown
    assert "期限切れの例外承認:" in text and "未使用の例外承認:" in text
    kinds = {r.kind for r in report.reasons}
    assert kinds == {"exposure", "expectation", "no-expectations", "no-longer-checked",
                     "expired-waiver"}, kinds
    for reason in report.reasons:
        assert reason.said is not None and strict(reason.said) in text
    assert "例外承認済み（承認者 a@example.com" in text
    assert "例外承認の期限切れ（承認者 a@example.com" in text
    # English stays the default, word for word
    assert check_to_text(report).splitlines()[0].startswith("accesssim check: 1 model(s)")


# --- the CLI ----------------------------------------------------------------------------------

KANSAI = "scenarios/incidents/01-kansai.yaml"


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """The CLI in the repository, under a C locale unless ``env`` says otherwise."""
    base: dict[str, str | None] = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "C.UTF-8"}
    result = CliRunner().invoke(main, list(args), env={**base, **(env or {})},
                                catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def test_cli_lang_ja_prints_the_regulators_terms() -> None:
    code, out = _run("analyze", KANSAI, "--quiet", "--lang", "ja")
    assert code == 1
    assert "マスキング処理の不備" in out and "画面間の遷移時におけるアクセス制限の不備" in out
    assert "根本原因:" in out and "経路:" in out
    assert "ASIM-87b27343d6" in out and "scenarios/incidents/01-kansai.yaml:81" in out
    assert "<-- masking defect" not in out and "root cause:" not in out


def test_cli_japanese_locale_selects_japanese_and_lang_en_overrides_it() -> None:
    _, ja = _run("analyze", KANSAI, "--quiet", "--lang", "ja")
    code, by_locale = _run("analyze", KANSAI, "--quiet", env={"LANG": "ja_JP.UTF-8"})
    assert code == 1 and by_locale == ja
    _, english = _run("analyze", KANSAI, "--quiet")
    code, forced = _run("analyze", KANSAI, "--quiet", "--lang", "en",
                        env={"LANG": "ja_JP.UTF-8"})
    assert code == 1 and forced == english and "<-- masking defect" in english
    _, json_ja = _run("analyze", KANSAI, "--quiet", "--format", "json", "--lang", "ja")
    assert "マスキング処理の不備" not in json_ja  # JSON stays English


def test_cli_lang_on_explain_test_and_check() -> None:
    code, out = _run("explain", KANSAI, "ASIM-87b27343d6", "--lang", "ja")
    assert code == 1 and "画面間の遷移時におけるアクセス制限の不備" in out
    code, out = _run("explain", KANSAI, "--who", "kep_sales", "--field", "phone",
                     "--lang", "ja")
    assert code == 1 and "kep_sales は phone を閲覧できる" in out
    code, out = _run("test", KANSAI, "--lang", "ja")
    assert code == 0 and "合格" in out
    code, out = _run("check", KANSAI, "--quiet", "--lang", "ja")
    assert code == 0 and "accesssim check: モデル1件" in out


def test_cli_unknown_lang_is_a_usage_error() -> None:
    code, out = _run("analyze", KANSAI, "--lang", "fr")
    assert code == 2 and "'fr' is not one of 'en', 'ja'" in out
