"""Hostile tests of a Casbin policy held in a database and of split models (issue 11):
each test is an input that once broke accesssim, kept so it stays fixed."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest

from helpers import REPO, assert_error, run
from test_database import _copy_scenario, _db_model
from test_database import pg_url as _pg_url
from test_include import _split

SECRET = "Zq9-hostile-Pw"
pg_url = _pg_url  # the PostgreSQL fixture (skipped only outside .ci/run)
CSV = REPO / "policies" / "incidents" / "02-tohoku.csv"


def _db(tmp_path: Path, name: str = "p.db") -> Path:
    db = tmp_path / name
    result = run("policy", "import", str(CSV), "--db", f"sqlite:///{db}")
    assert result.exit_code == 0, result.output
    return db


@pytest.mark.parametrize("query", [f"password={SECRET}", f"sslpassword={SECRET}",
                                   f"PassWord={SECRET}"])
def test_a_password_in_the_url_query_is_refused_and_never_shown(tmp_path: Path,
                                                                query: str) -> None:
    """``?password=`` reaches the driver as well as ``user:pw@``: refused, and hidden."""
    url = f"postgresql://auditor@/casbin?host={tmp_path}&{query}"
    for result in (run("policy", "export", "--db", url, "-o", str(tmp_path / "o.csv")),
                   run("policy", "import", str(CSV), "--db", url)):
        assert_error(result, "holds a password")
        assert SECRET not in result.output
    assert not (tmp_path / "o.csv").exists()


def test_export_never_writes_over_the_database_or_the_conf(tmp_path: Path) -> None:
    db = _db(tmp_path)
    before = db.read_bytes()
    conf = tmp_path / "model.conf"
    shutil.copy(REPO / "policies" / "accesssim.conf", conf)
    (tmp_path / "link").symlink_to(db)
    for target, extra in ((db, []), (tmp_path / "link", []), (conf, ["--conf", str(conf)])):
        result = run("policy", "export", "--db", f"sqlite:///{db}", *extra, "-o", str(target))
        assert_error(result, "it is an input of this run")
    assert db.read_bytes() == before
    assert conf.read_text("utf-8") == (REPO / "policies" / "accesssim.conf").read_text("utf-8")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM casbin_rule").fetchone() == (14,)


def _split_with_part_expectations(tmp_path: Path) -> Path:
    """Tohoku split in three (test_include's layout), the expectations moved into a part."""
    model = _split(tmp_path)
    text = model.read_text("utf-8")
    at = text.index("expectations:")
    model.write_text(text[:at], "utf-8")
    part = model.parent / "parts" / "takuso.yaml"
    part.write_text(part.read_text("utf-8") + text[at:], "utf-8")
    return model


def test_a_folder_holding_a_split_model_tests_its_root_not_its_parts(tmp_path: Path) -> None:
    """``test``/``check`` on a folder once read every part as a scenario (systems: required)."""
    model = _split_with_part_expectations(tmp_path)
    root = model.parent.parent.parent
    for command in ("test", "check"):
        result = run(command, str(model.parent), "--root", str(root))
        assert result.exit_code == 0, result.output
        assert "Field required" not in result.output
        # every expectation cites the part holding it, never the root model
        assert "scenarios/tohoku/parts/takuso.yaml::misdistributed-pcs" in result.output
        assert "scenarios/tohoku/model.yaml::" not in result.output


def test_a_part_named_explicitly_is_still_read_as_a_model(tmp_path: Path) -> None:
    model = _split_with_part_expectations(tmp_path)
    result = run("test", str(model.parent / "inventory.yaml"), "--root",
                 str(model.parent.parent.parent))
    assert_error(result, "Field required")


@pytest.mark.parametrize("query", ["timeout=abc", "mode=memory&uri=true", "mode=ro"])
def test_a_sqlite_url_with_options_is_refused(tmp_path: Path, query: str) -> None:
    """``?timeout=abc`` was an internal error; ``?mode=memory&uri=true`` wrote nowhere."""
    db = _db(tmp_path)
    url = f"sqlite:///{db}?{query}"
    for result in (run("policy", "export", "--db", url, "-o", str(tmp_path / "o.csv")),
                   run("policy", "import", str(CSV), "--db", url, "--replace")):
        assert_error(result, "a sqlite URL takes no options")
        assert "Warning" not in result.output
    assert not (tmp_path / "o.csv").exists()


def _commit_all(root: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    shutil.rmtree(root / ".git")
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run(["git", *command], cwd=root, env=env, check=True, capture_output=True)


def test_check_against_a_ref_refuses_a_split_model_plainly(tmp_path: Path) -> None:
    """Was "HEAD:...: file reference 'parts/takuso.yaml': file not found" (the part exists)."""
    model = _split_with_part_expectations(tmp_path)
    root = model.parent.parent.parent
    _commit_all(root)
    result = run("check", str(model), "--base-ref", "HEAD", "--root", str(root))
    assert_error(result, "scenarios/tohoku/model.yaml:", "this model includes",
                 "do not follow include")
    assert "file not found" not in result.stderr


def test_import_refuses_a_value_longer_than_the_column_at_its_line(tmp_path: Path) -> None:
    """PostgreSQL refused it only as a driver error naming no line (MySQL would cut it)."""
    db = _db(tmp_path)
    csv = tmp_path / "long.csv"
    csv.write_text("p, nw_counter, takuso, menu, open, allow, *, *, *\n"
                   f"p, {'a' * 256}, takuso, menu, open, allow, *, *, *\n", "utf-8")
    assert_error(run("policy", "import", str(csv), "--db", f"sqlite:///{db}", "--replace"),
                 "long.csv:2: a value of 256 characters")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM casbin_rule").fetchone() == (14,)


def test_order_matters_under_both_priority_effects() -> None:
    """``subjectPriority`` (capital P) was taken as order-free: a PostgreSQL table handing
    rows out of id order was analysed with another order than the deployed one."""
    from accesssim.policy.matcher import order_matters

    assert order_matters("priority(p.eft) || deny")
    assert order_matters("subjectPriority(p_eft) || deny")
    assert not order_matters("some(where (p.eft == allow))")
    assert not order_matters("some(where (p.eft == allow)) && !some(where (p.eft == deny))")


def test_postgres_rows_out_of_order_are_refused_under_subject_priority(
        tmp_path: Path, pg_url: str) -> None:
    import psycopg

    model, csv = _copy_scenario(tmp_path, "tohoku")
    table = f"subj_{uuid.uuid4().hex[:8]}"
    assert run("policy", "import", str(csv), "--db", pg_url, "--table", table).exit_code == 0
    with psycopg.connect(pg_url) as conn:  # PostgreSQL hands an updated row back last
        conn.execute(f"UPDATE {table} SET v0 = v0 WHERE id = 1")
    db = _db_model(model, csv, f"    url: {pg_url}\n    table: {table}\n")
    conf = tmp_path / "policies" / "accesssim.conf"
    effect = "e = some(where (p.eft == allow)) && !some(where (p.eft == deny))"
    conf.write_text(conf.read_text("utf-8").replace(effect, "e = subjectPriority(p.eft) || deny"),
                    "utf-8")
    assert_error(run("validate", str(db), "--root", str(tmp_path)),
                 "the database hands the rows to Casbin in another order")


def test_postgres_a_number_column_is_refused_at_table_id(pg_url: str) -> None:
    """A v column of type integer hands Python an int: was an internal error."""
    import psycopg

    table = f"num_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url) as conn:
        conn.execute(f"CREATE TABLE {table} (id serial PRIMARY KEY, ptype varchar, "
                     + ", ".join(f"v{i} {'integer' if i == 5 else 'varchar'}" for i in range(8))
                     + ")")
        conn.execute(f"INSERT INTO {table} (ptype, v0, v1, v2, v3, v4, v5, v6, v7) "
                     "VALUES ('p', 'a', 'b', 'c', 'd', 'allow', 5, '*', '*')")
    result = run("policy", "export", "--db", pg_url, "--table", table, "-o", "/dev/null")
    assert_error(result, f"{table}:1: v5 holds int data, not text")


def test_import_never_writes_a_database_into_its_csv(tmp_path: Path) -> None:
    """sqlite takes an empty file for an empty database: the CSV became a database."""
    csv = tmp_path / "empty.csv"
    csv.write_text("", "utf-8")
    assert_error(run("policy", "import", str(csv), "--db", f"sqlite:///{csv}"),
                 "it is an input of this run")
    assert csv.read_bytes() == b""
