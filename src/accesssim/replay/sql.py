"""The replay's queries, written once for both engines (docs/replay.md, "How it works").

DuckDB and Spark run the same text; the few functions they spell differently go through a
``Dialect``. Literals are built by ``lit``, which writes any character the two parsers would
read differently (a quote, a backslash, a control character) as ``chr(n)``, so a file name or
a mode name can never change a query's meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A timestamp a log may hold: local wall-clock time, or a bare date (never an offset).
TIMESTAMP_RE = ("^[0-9]{4}-[0-9]{2}-[0-9]{2}"
                "([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?)?$")
#: The key columns an event shares with the tables of the Python half (``previous``: the
#: screen of the event before it in its session, '' when none).
KEY = ("slice", "account", "terminal", "system", "screen", "previous")


@dataclass(frozen=True)
class Dialect:
    """The spellings that differ between the engines ({0}, {1}: the arguments)."""

    name: str
    split: str  # the parts of {0} split at the character {1} ({2}: it inside a [...] class)
    element: str  # the {1}-th element of list {0} (from 1), NULL past its end
    matches: str  # {0} holds a match of regular expression {1} (RE2 and Java agree on ours)
    json_field: str  # the text of the field named {1} of JSON object {0}
    json_ok: str  # {0} is well-formed JSON
    joined: str  # aggregate: the distinct values of {0}, sorted, joined by ';'
    timestamp: str  # {0} as a time-zone-less timestamp for the evidence file


DUCKDB = Dialect(
    name="duckdb",
    split="string_split({0}, {1})",
    element="list_extract({0}, {1})",
    matches="regexp_matches({0}, {1})",
    json_field="json_extract_string({0}, {1})",
    json_ok="json_valid({0})",
    joined="string_agg(DISTINCT {0}, ';' ORDER BY {0})",
    timestamp="{0}",
)
SPARK = Dialect(
    name="spark",
    split="split({0}, concat('[', {2}, ']'), -1)",
    element="try_element_at({0}, {1})",
    matches="({0} rlike {1})",
    json_field="get_json_object({0}, {1})",
    json_ok="get_json_object({0}, '$') IS NOT NULL",
    joined="nullif(array_join(array_sort(collect_set({0})), ';'), '')",
    timestamp="cast({0} as timestamp_ntz)",
)


def lit(text: str) -> str:
    """A string literal both engines read as ``text``."""
    parts: list[str] = []
    run = ""
    for char in text:
        if char in "'\\" or ord(char) < 32 or ord(char) == 127:
            if run:
                parts.append(f"'{run}'")
                run = ""
            parts.append(f"chr({ord(char)})")
        else:
            run += char
    if run or not parts:
        parts.append(f"'{run}'")
    return parts[0] if len(parts) == 1 else f"concat({', '.join(parts)})"


def json_path(d: Dialect, key: str) -> str:
    """The JSON path of a top-level field (config.py keeps quotes and brackets out of keys)."""
    return lit(f'$."{key}"' if d.name == "duckdb" else f"$['{key}']")


def _clean(expr: str) -> str:
    """A cell's value: surrounding quotes dropped (a doubled quote inside is one), trimmed;
    an empty cell is NULL."""
    return (f"nullif(trim(CASE WHEN length({expr}) >= 2 AND substr({expr}, 1, 1) = '\"' AND "
            f"substr({expr}, -1) = '\"' THEN replace(substr({expr}, 2, length({expr}) - 2), "
            f"'\"\"', '\"') ELSE {expr} END), '')")


_TEXT_COLUMNS = ("ts_text", "account", "terminal", "system", "screen", "customer", "fields",
                 "session")
_NOT_BLANK = "raw IS NOT NULL AND trim(raw) <> ''"


def stage_csv(d: Dialect, source: str, fid: int, positions: dict[str, int | None],
              width: int, delimiter: str) -> str:
    """Rows of a CSV log read as lines (``source``: raw, line): split at the delimiter,
    never guessing at a quoted value that holds it. ``positions``: role -> column (from 1)."""
    delim = lit(delimiter)
    one = f"concat(chr(92), {delim})" if delimiter in "\\]^-[" else delim  # in [...]
    quoted = (f"concat('(^|[', {one}, '])(\"|\"[^', {one}, ']*[^\"', {one}, '])([', {one}, "
              f"']|$)')")
    cells = ", ".join(
        f"{d.element.format('parts', pos)} AS {col}" if pos is not None
        else f"CAST(NULL AS string) AS {col}"
        for col, pos in zip(_TEXT_COLUMNS, (positions.get(r) for r in _ROLES), strict=True))
    split = d.split.format("raw", delim, one)
    return f"""
SELECT {fid} AS fid, line,
  CASE WHEN instr(raw, '"') > 0 AND {d.matches.format('raw', quoted)}
         THEN 'quoted value holding the delimiter'
       WHEN cardinality(parts) <> {width}
         THEN concat('wrong column count (expected {width}, found ',
                     cast(cardinality(parts) AS string), ')')
  END AS shape,
  CAST(NULL AS timestamp) AS ts_typed, {", ".join(_clean(c) + " AS " + c for c in _TEXT_COLUMNS)}
FROM (SELECT line, raw, parts, {cells} FROM (SELECT line, raw, {split} AS parts FROM {source}
      WHERE line > 1 AND {_NOT_BLANK}) AS lines) AS cells"""


_ROLES = ("timestamp", "account", "terminal", "system", "screen", "customer", "fields", "session")


def stage_jsonl(d: Dialect, source: str, fid: int, names: dict[str, str]) -> str:
    """Rows of a JSON Lines log read as lines (``source``: raw, line); ``names``: role ->
    field name."""
    obj = (f"(substr(trim(raw), 1, 1) = '{{' AND substr(trim(raw), -1) = '}}' AND "
           f"{d.json_ok.format('raw')})")
    cells = ", ".join(
        f"nullif(trim(CASE WHEN {obj} THEN "
        f"{d.json_field.format('raw', json_path(d, names[role]))} END), '') AS {col}"
        for col, role in zip(_TEXT_COLUMNS, _ROLES, strict=True))
    return f"""
SELECT {fid} AS fid, line, CASE WHEN NOT {obj} THEN 'not a JSON object' END AS shape,
  CAST(NULL AS timestamp) AS ts_typed, {cells}
FROM {source} WHERE {_NOT_BLANK}"""


def stage_parquet(source: str, fid: int, typed: bool) -> str:
    """Rows of a Parquet log (``source``: line and one column per role, already text, but
    the timestamp ``ts`` typed when ``typed``)."""
    ts = ("ts AS ts_typed, CAST(NULL AS string) AS ts_text" if typed
          else f"CAST(NULL AS timestamp) AS ts_typed, {_clean('ts')} AS ts_text")
    rest = ", ".join(f"{_clean(c)} AS {c}" for c in _TEXT_COLUMNS[1:])
    return f"SELECT {fid} AS fid, line, CAST(NULL AS string) AS shape, {ts}, {rest} FROM {source}"


def events(d: Dialect, staged: list[str]) -> str:
    """Every row of every log, parsed, with the reason it cannot be replayed (NULL: it can)."""
    parsed = (f"CASE WHEN ts_typed IS NOT NULL THEN ts_typed WHEN "
              f"{d.matches.format('ts_text', lit(TIMESTAMP_RE))} "
              "THEN try_cast(replace(ts_text, 'T', ' ') AS timestamp) END")
    missing = " ".join(f"WHEN {c} IS NULL THEN 'missing {c}'"
                       for c in ("account", "terminal", "system", "screen"))
    return f"""
SELECT fid, line, ts, CAST(ts AS date) AS day, account, terminal, system, screen, customer,
  fields, session,
  CASE WHEN shape IS NOT NULL THEN shape
       WHEN ts_typed IS NULL AND ts_text IS NULL THEN 'missing timestamp'
       WHEN ts IS NULL THEN 'unparseable timestamp' {missing} END AS problem
FROM (SELECT s.*, {parsed} AS ts FROM ({" UNION ALL ".join(staged)}) AS s) AS p"""


#: Each day some readable event falls on, and the analysis slice of its mode and date.
DAY_SLICE = """
SELECT d.day, s.slice FROM (
  SELECT e.day, CASE WHEN count(x.first_day) > 0 THEN 'disaster' ELSE 'normal' END AS mode
  FROM (SELECT DISTINCT day FROM events WHERE problem IS NULL) AS e
  LEFT JOIN disasters AS x ON e.day BETWEEN x.first_day AND x.last_day
  GROUP BY e.day) AS d
JOIN slices AS s ON s.mode = d.mode AND (s.first_day IS NULL OR s.first_day <= d.day)
  AND (s.last_day IS NULL OR d.day <= s.last_day)"""

_EV_COLUMNS = ("fid, line, ts, day, slice, account, terminal, system, screen, previous, "
               "customer, session")
#: Every event with its slice and its previous screen: the one before it in its session
#: (sessions are per system and account; ordered by time, then file and line), over the
#: rows that could be read.
KEYED = """
WITH ev AS (
  SELECT e.fid, e.line, e.ts, e.day, ds.slice, e.account, e.terminal, e.system, e.screen,
    e.customer, e.session, e.problem
  FROM events AS e LEFT JOIN day_slice AS ds ON e.day = ds.day AND e.problem IS NULL)
SELECT fid, line, ts, day, slice, account, terminal, system, screen,
  coalesce(lag(screen) OVER (PARTITION BY system, account, session ORDER BY ts, fid, line),
           '') AS previous, customer, session, problem
FROM ev WHERE session IS NOT NULL AND problem IS NULL
UNION ALL
SELECT fid, line, ts, day, slice, account, terminal, system, screen, '' AS previous,
  customer, session, problem
FROM ev WHERE session IS NULL OR problem IS NOT NULL"""

#: The distinct keys of the readable events (all the Python half is asked about).
KEYS = f"""
SELECT DISTINCT {", ".join(KEY)} FROM keyed WHERE problem IS NULL AND slice IS NOT NULL"""


def _on(left: str, right: str, columns: tuple[str, ...] = KEY) -> str:
    return " AND ".join(f"{left}.{c} = {right}.{c}" for c in columns)


#: Every event classified: a row that cannot be read is bad, else its key's verdict.
CLASSIFY = f"""
SELECT {", ".join("k." + c for c in _EV_COLUMNS.split(", "))},
  CASE WHEN k.problem IS NOT NULL THEN 'bad' WHEN v.status IS NULL THEN 'unexplained'
       ELSE v.status END AS status,
  CASE WHEN k.problem IS NOT NULL THEN k.problem
       WHEN v.status IS NULL THEN 'no analysis slice holds that day' ELSE v.reason END AS reason
FROM keyed AS k LEFT JOIN verdicts AS v ON {_on('v', 'k')}"""

COUNTS = "SELECT status, count(*) AS n FROM cls GROUP BY status"

PROBLEMS = """
SELECT status, reason, count(*) AS n FROM cls
WHERE status IN ('bad', 'unexplained') GROUP BY status, reason"""


def examples(limit: int) -> str:
    """The first ``limit`` rows of every problem, in file and line order."""
    return f"""
SELECT status, reason, fid, line FROM (
  SELECT status, reason, fid, line,
    row_number() OVER (PARTITION BY status, reason ORDER BY fid, line) AS k
  FROM cls WHERE status IN ('bad', 'unexplained')) AS r
WHERE k <= {limit}"""


#: The violating events (what the summaries and the evidence are made of).
VIOLATIONS = f"""
SELECT {_EV_COLUMNS}, status, substr(CAST(day AS string), 1, 7) AS month
FROM cls WHERE status IN ('confirmed', 'suspected')"""

#: Per violating event, the person groups it is attributed to.
EVENT_PEOPLE = f"""
SELECT v.fid, v.line, a.person, a.org, a.headcount
FROM viol AS v JOIN attributions AS a ON {_on('a', 'v')}"""

#: Per violating event, the findings (and their failure types) that explain it.
EVENT_LINKS = f"""
SELECT DISTINCT v.fid, v.line, l.finding, l.failure_type
FROM viol AS v JOIN links AS l ON {_on('l', 'v')}"""

#: Each violating event once per summary group it falls in (dimension, key).
DIMENSION_EVENTS = """
SELECT d.dimension, d.k, v.fid, v.line, v.status, v.account, v.customer, v.day FROM (
  SELECT DISTINCT 'org' AS dimension, org AS k, fid, line FROM evp
  UNION ALL SELECT DISTINCT 'failure_type' AS dimension, failure_type AS k, fid, line FROM evl
  UNION ALL SELECT 'account' AS dimension, account AS k, fid, line FROM viol
  UNION ALL SELECT 'month' AS dimension, month AS k, fid, line FROM viol) AS d
JOIN viol AS v ON d.fid = v.fid AND d.line = v.line"""

#: Per summary group: views, accounts, customers, first and last day.
GROUPS = """
SELECT dimension, k, status, count(*) AS views, count(DISTINCT account) AS accounts,
  count(DISTINCT customer) AS customers, min(day) AS first_day, max(day) AS last_day
FROM dimv GROUP BY dimension, k, status"""

#: Per summary group: the head count of the distinct person groups its events are attributed
#: to (for an organisation, its own people only).
GROUP_PEOPLE = """
SELECT dimension, k, status, sum(headcount) AS people FROM (
  SELECT d.dimension, d.k, d.status, p.person, max(p.headcount) AS headcount
  FROM dimv AS d JOIN evp AS p ON p.fid = d.fid AND p.line = d.line
  WHERE d.dimension <> 'org' OR p.org = d.k
  GROUP BY d.dimension, d.k, d.status, p.person) AS persons
GROUP BY dimension, k, status"""

FINDINGS = """
SELECT l.finding, v.status, count(*) AS n, min(v.day) AS first_day, max(v.day) AS last_day
FROM viol AS v JOIN (SELECT DISTINCT fid, line, finding FROM evl) AS l
  ON l.fid = v.fid AND l.line = v.line
GROUP BY l.finding, v.status"""

#: The columns of the evidence file, in order.
EVIDENCE_COLUMNS = ("file", "line", "timestamp", "account", "terminal", "system", "screen",
                    "customer", "session", "status", "people", "orgs", "findings",
                    "failure_types")


def evidence(d: Dialect, as_text: bool) -> str:
    """The violating events with who and what explains them (lists sorted, joined by ';')."""
    ts = "CAST(v.ts AS string)" if as_text else d.timestamp.format("v.ts")
    return f"""
SELECT f.file, v.line, {ts} AS timestamp, v.account, v.terminal, v.system, v.screen,
  v.customer, v.session, v.status, p.people, p.orgs, l.findings, l.failure_types
FROM viol AS v JOIN files AS f ON f.fid = v.fid
LEFT JOIN (SELECT fid, line, {d.joined.format('person')} AS people,
             {d.joined.format('org')} AS orgs FROM evp GROUP BY fid, line) AS p
  ON p.fid = v.fid AND p.line = v.line
LEFT JOIN (SELECT fid, line, {d.joined.format('finding')} AS findings,
             {d.joined.format('failure_type')} AS failure_types FROM evl GROUP BY fid, line) AS l
  ON l.fid = v.fid AND l.line = v.line
ORDER BY f.file, v.line"""
