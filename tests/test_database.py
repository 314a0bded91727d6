"""A Casbin policy held in a database (docs/database.md): the same checks and findings as the
CSV, hops citing ``table:id``, decisions equal to plain Casbin on the CSV, a lossless
export/import round trip, and no password in any output. PostgreSQL tests use the server
``scripts/postgres-start`` starts (``ACCESSSIM_TEST_PG_URL``); they are skipped only when not
run by ``.ci/run`` (``ACCESSSIM_CI`` unset), and fail there when no server answers."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import uuid
from pathlib import Path

import casbin
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accesssim.engine import load_project
from accesssim.errors import InputError
from accesssim.model.database import policy_source
from accesssim.policy.transfer import export_rows, import_rows
from helpers import REPO, run

CONF = REPO / "policies" / "accesssim.conf"
SCENARIOS = {"tohoku": "02-tohoku", "kansai": "01-kansai"}
SECRET = "Zq9-topsecret-Pw"


def _copy_scenario(root: Path, name: str) -> tuple[Path, Path]:
    """The scenario's model as root/m/csv.yaml (policy CSV) and the CSV under root/policies."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    (root / "m").mkdir(exist_ok=True)
    (root / "policies" / "incidents").mkdir(parents=True, exist_ok=True)
    shutil.copy(CONF, root / "policies" / "accesssim.conf")
    csv = root / "policies" / "incidents" / f"{SCENARIOS[name]}.csv"
    shutil.copy(REPO / "policies" / "incidents" / csv.name, csv)
    text = (REPO / "scenarios" / "incidents" / f"{SCENARIOS[name]}.yaml").read_text("utf-8")
    model = root / "m" / "csv.yaml"
    model.write_text(text.replace("../../policies", "../policies"), "utf-8")
    return model, csv


def _db_model(model: Path, csv: Path, database: str, name: str = "db.yaml") -> Path:
    """The same model naming a database (YAML ``database:`` block) instead of the CSV."""
    text = model.read_text("utf-8")
    policy_line = re.search(r"\n  policy: [^\n]+", text)
    assert policy_line is not None
    db = model.with_name(name)
    db.write_text(text.replace(policy_line.group(), "\n  database:\n" + database), "utf-8")
    return db


def _sqlite_project(tmp_path: Path, name: str) -> tuple[Path, Path, Path]:
    model, csv = _copy_scenario(tmp_path, name)
    result = run("policy", "import", str(csv), "--db", f"sqlite:///{tmp_path}/policies/p.db")
    assert result.exit_code == 0, result.output
    return model, csv, _db_model(model, csv, "    url: sqlite:///../policies/p.db\n")


def _rule_lines(csv: Path) -> list[int]:
    """The line of each rule of a CSV: row id k holds the k-th."""
    return [n for n, line in enumerate(csv.read_text("utf-8").splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")]


def _as_db(report: str, csv: Path, root: Path) -> str:
    """A CSV model's report with the citations a database model gives instead."""
    shown = csv.relative_to(root).as_posix()
    ids = {line: k for k, line in enumerate(_rule_lines(csv), start=1)}
    text = report.replace("m/csv.yaml", "m/db.yaml").replace(f"policy {shown} ",
                                                                "policy casbin_rule ")
    return re.sub(re.escape(shown) + r":(\d+)", lambda m: f"casbin_rule:{ids[int(m[1])]}", text)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_sqlite_policy_gives_the_csv_findings_citing_rows(tmp_path: Path, name: str) -> None:
    model, csv, db = _sqlite_project(tmp_path, name)
    plain = run("analyze", str(model), "--root", str(tmp_path))
    held = run("analyze", str(db), "--root", str(tmp_path))
    assert held.exit_code == plain.exit_code == 1, held.output
    assert "casbin_rule:" in held.stdout
    assert held.stdout == _as_db(plain.stdout, csv, tmp_path)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_sqlite_decisions_equal_casbin_on_the_csv(tmp_path: Path, name: str) -> None:
    """Every account x screen (open) and field (unmask) x mode, on days around every date."""
    _, csv, db = _sqlite_project(tmp_path, name)
    project = load_project(db, tmp_path)
    plain = casbin.Enforcer(str(CONF), str(csv))
    policy = project.policy
    days = [*policy.matcher_dates, *(d for r in policy.rules for d in r.values[6:]
                                     if d != "*")]
    dates = {dt.date(2024, 6, 1)} | {dt.date.fromisoformat(d) for d in days if len(d) == 10}
    requests = [(s.id, x.id, "open") for s in project.loaded.model.systems for x in s.screens]
    requests += [(s.id, shown.field, "unmask") for s in project.loaded.model.systems
                 for x in s.screens for shown in x.shows]
    count = 0
    for account in project.loaded.model.accounts:
        for system, obj, act in requests:
            for mode in project.loaded.model.modes:
                for day in sorted(dates):
                    request = policy.request(account.id, system, obj, act, mode, day)
                    assert policy.enforcer.enforce(*request) == plain.enforce(*request)
                    count += 1
    assert count > 50


def _insert(path: Path, *rows: tuple[object, ...]) -> None:
    with sqlite3.connect(path) as conn:
        for row in rows:
            conn.execute("INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5, v6, v7) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*row, *[None] * (9 - len(row))))


@pytest.mark.parametrize(("row", "message"), [
    (("p", "a, b", "takuso", "menu", "open", "allow", "*", "*", "*"), "would read other fields"),
    (("p", "nw_counter", "takuso", None, "open", "allow", "*", "*", "*"), "v2 is NULL"),
    (("p2", "x"), "unknown ptype 'p2'"),
    (("p", "nw_counter", "takuso", "menu"), "p needs 8 fields, this line has 3"),
    (("p", "nw_counter", "takuso", "menu", "open", "allow", "*", "2024-13-01", "*"),
     "valid_from '2024-13-01' is not a date"),
    (("p", "nw_counter", "takuso", "menu", "open", "", "*", "*", "*"), "empty field"),
    (("p", " nw_counter", "takuso", "menu", "open", "allow", "*", "*", "*"),
     "would read other fields"),
    ((None, "x"), "ptype is empty"),
])
def test_a_bad_row_is_refused_at_table_id(tmp_path: Path, row: tuple[object, ...],
                                          message: str) -> None:
    _, _, db = _sqlite_project(tmp_path, "tohoku")
    _insert(tmp_path / "policies" / "p.db", row)
    result = run("validate", str(db), "--root", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert "casbin_rule:15: " in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_duplicate_role_link_rows_are_checked_like_csv_lines(tmp_path: Path) -> None:
    _, _, db = _sqlite_project(tmp_path, "tohoku")
    _insert(tmp_path / "policies" / "p.db", ("g", "acc_nw_ops", "nw_operator", "takuso"))
    result = run("validate", str(db), "--root", str(tmp_path))
    csv_copy = tmp_path / "policies" / "incidents" / "02-tohoku.csv"
    with csv_copy.open("a", encoding="utf-8") as out:
        out.write("g, acc_nw_ops, nw_operator, takuso\n")
    plain = run("validate", str(tmp_path / "m" / "csv.yaml"), "--root", str(tmp_path))
    assert (result.exit_code, plain.exit_code) == (plain.exit_code, plain.exit_code)
    if plain.exit_code == 2:
        assert "casbin_rule:15" in result.stderr


@pytest.mark.parametrize(("database", "message"), [
    ("    url: sqlite:///../../outside.db\n", "escapes the project root"),
    ("    url: sqlite:///../policies/none.db\n", "does not exist"),
    ("    url: sqlite:///../policies/p.db\n    table: missing_rules\n",
     "table missing_rules does not exist"),
    ("    url: sqlite:///../policies/p.db\n    table: six\n",
     "table six lacks the columns v6, v7: accesssim reads id, ptype, v0..v7"),
    ("    url: mysql://u@h/db\n", "pip install aiomysql"),
    ("    url: postgresql://u@/db?host=/nonexistent-accesssim\n", "connection"),
    ("    url: postgresql://u@/db?host=/nonexistent\n    password_env: ACCESSSIM_NO_SUCH_VAR\n",
     "ACCESSSIM_NO_SUCH_VAR (password_env) is not set"),
    ("    url: sqlite:///../policies/p.db\n    password_env: ACCESSSIM_NO_SUCH_VAR\n",
     "a sqlite file has no password"),
])
def test_database_problems_exit_2_naming_the_place(tmp_path: Path, database: str,
                                                   message: str) -> None:
    model, csv, _ = _sqlite_project(tmp_path, "tohoku")
    with sqlite3.connect(tmp_path / "policies" / "p.db") as conn:  # the adapter's own table
        conn.execute("CREATE TABLE six (id INTEGER PRIMARY KEY, ptype VARCHAR(255), "
                     + ", ".join(f"v{i} VARCHAR(255)" for i in range(6)) + ")")
    db = _db_model(model, csv, database)
    result = run("analyze", str(db), "--root", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_policy_and_database_together_or_neither_are_refused(tmp_path: Path) -> None:
    model, _, db = _sqlite_project(tmp_path, "tohoku")
    both = db.read_text("utf-8").replace("  database:", "  policy: x.csv\n  database:")
    db.write_text(both, "utf-8")
    result = run("validate", str(db), "--root", str(tmp_path))
    assert result.exit_code == 2
    assert "exactly one of policy (a CSV file) and database" in result.stderr
    neither = re.sub(r"\n  policy: [^\n]+", "", model.read_text("utf-8"))
    model.write_text(neither, "utf-8")
    result = run("validate", str(model), "--root", str(tmp_path))
    assert result.exit_code == 2
    assert "exactly one of policy" in result.stderr


def test_a_password_in_the_url_is_refused_and_never_shown(tmp_path: Path) -> None:
    model, csv, _ = _sqlite_project(tmp_path, "tohoku")
    url = f"postgresql://auditor:{SECRET}@db.invalid/casbin"
    db = _db_model(model, csv, f"    url: {url}\n")
    results = [run("analyze", str(db), "--root", str(tmp_path)),
               run("policy", "export", "--db", url, "-o", str(tmp_path / "o.csv")),
               run("policy", "import", str(csv), "--db", url)]
    for result in results:
        assert result.exit_code == 2
        assert "holds a password" in result.stderr
        assert SECRET not in result.output
    assert not (tmp_path / "o.csv").exists()


def test_no_command_shows_the_password_from_the_environment(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Every command over a database, succeeding and failing, with the password set."""
    monkeypatch.setenv("POLICY_DB_PASSWORD", SECRET)
    model, csv, db = _sqlite_project(tmp_path, "tohoku")
    url, env = f"sqlite:///{tmp_path}/policies/p.db", ("--password-env", "POLICY_DB_PASSWORD")
    bad = f"postgresql://auditor@/x?host={tmp_path}/none"
    unreachable = _db_model(model, csv, f"    url: {bad}\n    password_env: POLICY_DB_PASSWORD\n",
                            "far.yaml")
    outputs = [
        run("analyze", str(db), "--root", str(tmp_path)),
        run("analyze", str(db), "--root", str(tmp_path), "--format", "json"),
        run("validate", str(db), "--root", str(tmp_path)),
        run("explain", str(db), "--root", str(tmp_path), "--who", "ep_pc_holders",
            "--field", "phone"),
        run("policy", "export", "--db", url, "-o", str(tmp_path / "o.csv")),
        run("policy", "import", str(csv), "--db", url),
        run("policy", "import", str(csv), "--db", url, "--replace"),
        run("policy", "export", "--db", url, *env, "-o", str(tmp_path / "y.csv")),
        run("policy", "export", "--db", bad, *env, "-o", str(tmp_path / "x.csv")),
        run("policy", "import", str(csv), "--db", bad, *env),
        run("analyze", str(unreachable), "--root", str(tmp_path)),
        run("validate", str(unreachable), "--root", str(tmp_path)),
    ]
    assert [r.exit_code for r in outputs] == [1, 1, 0, 1, 0, 2, 0, 2, 2, 2, 2, 2], \
        [r.output for r in outputs]
    for result in outputs:
        assert SECRET not in result.output
        assert "Traceback" not in result.output
    assert "a sqlite file has no password" in outputs[7].stderr
    assert "connection" in outputs[10].stderr
    assert (tmp_path / "o.csv").read_text("utf-8").count("\n") == 14


def test_import_refuses_a_bad_csv_at_its_line_and_leaves_the_table(tmp_path: Path) -> None:
    _, csv, _ = _sqlite_project(tmp_path, "tohoku")
    url = f"sqlite:///{tmp_path}/policies/p.db"
    before = run("policy", "export", "--db", url, "-o", str(tmp_path / "before.csv"))
    assert before.exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(csv.read_text("utf-8") + "p, x, takuso, menu, open, perhaps, *, *, *\n",
                   "utf-8")
    result = run("policy", "import", str(bad), "--db", url, "--replace")
    assert result.exit_code == 2
    assert f"{bad}:{len(bad.read_text('utf-8').splitlines())}: eft must be allow or deny" in \
        result.stderr
    after = run("policy", "export", "--db", url, "-o", str(tmp_path / "after.csv"))
    assert after.exit_code == 0
    assert (tmp_path / "after.csv").read_bytes() == (tmp_path / "before.csv").read_bytes()


@pytest.mark.parametrize("command", ["whatif", "mutate", "faults", "remediate", "diff"])
def test_text_editing_tools_refuse_a_database_policy(tmp_path: Path, command: str) -> None:
    model, _, db = _sqlite_project(tmp_path, "tohoku")
    change = tmp_path / "c.yaml"
    change.write_text("changes:\n  - {kind: revoke-role, account: acc_nw_desk, role: nw_counter,"
                      " system: takuso}\n", "utf-8")
    args = {"whatif": ["--change", str(change)], "diff": [str(db)]}.get(command, [])
    first = model if command == "diff" else db
    result = run(command, str(first), "--root", str(tmp_path), *args)
    assert result.exit_code == 2, result.output
    assert "accesssim policy export" in result.stderr
    assert "Traceback" not in result.output


_NAME = st.one_of(
    st.text(st.sampled_from("abcxyz_019-.*:/営業"), min_size=1, max_size=8).filter(
        lambda s: s != "*" and not s.startswith("#")),
    # bracketed values keep their commas: Casbin's reader nests on brackets, CSV and table alike
    st.sampled_from(["keyMatch(a, b)", "[x, y]", "f(g(h), i)", "a b"]))
_DATE = st.sampled_from(["*", "2024-01-01", "2025-12-31"])
_P = st.tuples(st.just("p"), _NAME, _NAME, _NAME, st.sampled_from(["open", "unmask"]),
               st.sampled_from(["allow", "deny"]), st.sampled_from(["*", "normal", "x"]),
               _DATE, _DATE)
_G = st.tuples(st.just("g"), _NAME, _NAME, _NAME)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rules=st.lists(st.one_of(_P, _G), max_size=12))
def test_csv_database_csv_round_trip_keeps_every_rule_in_order(
        tmp_path: Path, rules: list[tuple[str, ...]]) -> None:
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    csv = folder / "in.csv"
    text = "".join(", ".join(rule) + "\n" for rule in rules)
    csv.write_text("# a comment does not survive\n\n" + text, "utf-8")
    source = policy_source(f"sqlite:///{folder}/r.db", base=folder, must_exist=False)
    assert import_rows(csv, "in.csv", (CONF, "accesssim.conf"), source, replace=False) == \
        len(rules)
    assert export_rows(source, (CONF, "accesssim.conf")) == text


def test_round_trip_of_every_shipped_policy(tmp_path: Path) -> None:
    for csv in sorted((REPO / "policies").rglob("*.csv")):
        source = policy_source(f"sqlite:///{tmp_path}/{csv.stem}.db", base=tmp_path,
                               must_exist=False)
        import_rows(csv, csv.name, (CONF, "accesssim.conf"), source, replace=False)
        rules = [line.strip() for line in csv.read_text("utf-8").splitlines()
                 if line.strip() and not line.strip().startswith("#")]
        exported = export_rows(source, (CONF, "accesssim.conf")).splitlines()
        assert [", ".join(t.strip() for t in r.split(",")) for r in rules] == exported, csv


@pytest.fixture
def pg_url() -> str:
    """The PostgreSQL server of .ci/run (skipped elsewhere when none is set up)."""
    url = os.environ.get("ACCESSSIM_TEST_PG_URL")
    if not url:
        if os.environ.get("ACCESSSIM_CI"):
            pytest.fail("ACCESSSIM_CI is set but ACCESSSIM_TEST_PG_URL is not: "
                        "scripts/postgres-start did not run")
        pytest.skip("no PostgreSQL server (run scripts/postgres-start, or .ci/run)")
    source = policy_source(url, base=Path.cwd(), must_exist=False)
    try:
        export_rows(policy_source(url, table=f"t{uuid.uuid4().hex[:8]}", base=Path.cwd()),
                    None)
    except InputError as exc:
        if "does not exist" not in str(exc) and "UndefinedTable" not in str(exc):
            pytest.fail(f"no PostgreSQL server answers at {source.shown}: {exc}")
    return url


def test_postgres_end_to_end(tmp_path: Path, pg_url: str,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Tohoku imported into PostgreSQL: the CSV's findings, hops citing rows, explain works;
    the password (from the environment; the test server trusts its socket) never shown."""
    monkeypatch.setenv("POLICY_DB_PASSWORD", SECRET)
    model, csv = _copy_scenario(tmp_path, "tohoku")
    table = f"rules_{uuid.uuid4().hex[:8]}"
    env = ("--password-env", "POLICY_DB_PASSWORD")
    result = run("policy", "import", str(csv), "--db", pg_url, "--table", table, *env)
    assert result.exit_code == 0, result.output
    db = _db_model(model, csv, f"    url: {pg_url}\n    table: {table}\n"
                               "    password_env: POLICY_DB_PASSWORD\n")
    plain = run("analyze", str(model), "--root", str(tmp_path))
    held = run("analyze", str(db), "--root", str(tmp_path))
    assert held.exit_code == plain.exit_code == 1, held.output
    expected = _as_db(plain.stdout, csv, tmp_path).replace("casbin_rule", table)
    assert held.stdout == expected
    assert f"{table}:13" in held.stdout
    why = run("explain", str(db), "--root", str(tmp_path), "--who", "ep_pc_holders",
              "--field", "phone")
    assert why.exit_code == 1, why.output
    assert f"{table}:" in why.stdout
    again = run("policy", "export", "--db", pg_url, "--table", table, *env, "-o",
                str(tmp_path / "back.csv"))
    assert again.exit_code == 0, again.output
    rules = [line for line in csv.read_text("utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    assert (tmp_path / "back.csv").read_text("utf-8").splitlines() == rules
    refused = run("policy", "import", str(csv), "--db", pg_url, "--table", table, *env)
    assert refused.exit_code == 2
    assert "already holds 14 rows" in refused.stderr
    for shown in (result, plain, held, why, again, refused):
        assert SECRET not in shown.output


def test_ci_run_starts_postgres_before_the_readme_command() -> None:
    """.ci/run fails when PostgreSQL does not start, and marks the run as CI for the tests."""
    lines = (REPO / ".ci" / "run").read_text("utf-8").splitlines()
    readme = next(i for i, line in enumerate(lines) if line.startswith("sh scripts/system-"))
    start = next(i for i, line in enumerate(lines) if "$(sh scripts/postgres-start)" in line)
    assert start < lines.index("export ACCESSSIM_CI=1") < readme
    assert "exit 1" in lines[start]


def test_postgres_row_order_matters_only_under_a_priority_effect(tmp_path: Path, pg_url: str
                                                                 ) -> None:
    """PostgreSQL hands back an updated row after the others (the adapter reads without
    ORDER BY): accepted under the reference effect, refused under a priority effect."""
    import psycopg

    model, csv = _copy_scenario(tmp_path, "tohoku")
    table = f"order_{uuid.uuid4().hex[:8]}"
    assert run("policy", "import", str(csv), "--db", pg_url, "--table", table).exit_code == 0
    with psycopg.connect(pg_url) as conn:
        conn.execute(f"UPDATE {table} SET v0 = v0 WHERE id = 1")
    db = _db_model(model, csv, f"    url: {pg_url}\n    table: {table}\n")
    assert run("validate", str(db), "--root", str(tmp_path)).exit_code == 0
    conf = tmp_path / "policies" / "accesssim.conf"
    effect = "e = some(where (p.eft == allow)) && !some(where (p.eft == deny))"
    conf.write_text(conf.read_text("utf-8").replace(effect, "e = priority(p.eft) || deny"),
                    "utf-8")
    result = run("validate", str(db), "--root", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert f"{table}: the database hands the rows to Casbin in another order" in result.stderr
