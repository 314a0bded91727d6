"""The replay's queries, written once for both engines (docs/replay.md, "How it works").

DuckDB and Spark run the same text; the few functions they spell differently go through a
``Dialect``. Literals are built by ``lit``, which writes any character the two parsers would
read differently (a quote, a backslash, a control character) as ``chr(n)``, so a file name or
a mode name can never change a query's meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A timestamp a log may hold: local wall-clock time, or a bare date (never an offset). It
#: ends at ``\z``: Java's ``$`` (Spark) also matches before a final line break, RE2's does not.
TIMESTAMP_RE = ("^[0-9]{4}-[0-9]{2}-[0-9]{2}"
                "([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?)?\\z")
#: A byte order mark, dropped from the start of a JSON Lines log.
BOM = "\ufeff"
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


def trim(expr: str) -> str:
    """``expr`` without the spaces around it: ASCII spaces only, as Spark's ``trim`` does
    (DuckDB's own would also take an ideographic space or a no-break space away)."""
    return f"trim(BOTH ' ' FROM {expr})"


def _clean(expr: str) -> str:
    """A cell's value: trimmed, surrounding quotes dropped (a doubled quote inside is one),
    trimmed again; an empty cell is NULL."""
    t = trim(expr)
    unquoted = (f"CASE WHEN length({t}) >= 2 AND substr({t}, 1, 1) = '\"' AND "
                f"substr({t}, -1) = '\"' THEN replace(substr({t}, 2, length({t}) - 2), "
                f"'\"\"', '\"') ELSE {t} END")
    return f"nullif({trim(unquoted)}, '')"


_TEXT_COLUMNS = ("ts_text", "account", "terminal", "system", "screen", "customer", "fields",
                 "session")
_NOT_BLANK = f"raw IS NOT NULL AND {trim('raw')} <> ''"


def stage_csv(d: Dialect, source: str, fid: int, positions: dict[str, int | None],
              width: int, delimiter: str) -> str:
    """Rows of a CSV log read as lines (``source``: raw, line): split at the delimiter,
    never guessing at a quoted value that holds it. ``positions``: role -> column (from 1)."""
    delim = lit(delimiter)
    one = f"concat(chr(92), {delim})" if delimiter in "\\]^-[" else delim  # in [...]
    # A cell that, trimmed, opens a quote it does not close before the next delimiter.
    quoted = (f"concat('(^|[', {one}, ']) *(\"|\"[^', {one}, ']*[^\" ', {one}, ']) *([', "
              f"{one}, ']|$)')")
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
    obj = (f"(substr({trim('raw')}, 1, 1) = '{{' AND substr({trim('raw')}, -1) = '}}' AND "
           f"{d.json_ok.format('raw')})")
    cells = ", ".join(
        "nullif(" + trim(f"CASE WHEN {obj} THEN "
                         f"{d.json_field.format('raw', json_path(d, names[role]))} END")
        + f", '') AS {col}"
        for col, role in zip(_TEXT_COLUMNS, _ROLES, strict=True))
    return f"""
SELECT {fid} AS fid, line, CASE WHEN NOT {obj} THEN 'not a JSON object' END AS shape,
  CAST(NULL AS timestamp) AS ts_typed, {cells}
FROM (SELECT line, CASE WHEN line = 1 THEN replace(raw, {lit(BOM)}, '') ELSE raw END AS raw
      FROM {source}) AS lines WHERE {_NOT_BLANK}"""


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


#: Every event with its previous screen: the one before it in its session (sessions are per
#: system and account; ordered by time, then file and line), over the rows that could be read.
KEYED = """
SELECT fid, line, ts, day, account, terminal, system, screen,
  CASE WHEN session IS NULL OR problem IS NOT NULL THEN ''
       ELSE coalesce(lag(screen) OVER (
         PARTITION BY system, account, session, problem IS NULL,
           CASE WHEN session IS NULL THEN fid END, CASE WHEN session IS NULL THEN line END
         ORDER BY ts, fid, line), '') END AS previous,
  customer, session, problem
FROM events"""

#: Each day some readable event falls on, and the analysis slice of its mode and date.
DAY_SLICE = """
SELECT d.day, s.slice FROM (
  SELECT e.day, CASE WHEN count(x.first_day) > 0 THEN 'disaster' ELSE 'normal' END AS mode
  FROM (SELECT DISTINCT day FROM keyed WHERE problem IS NULL) AS e
  LEFT JOIN disasters AS x ON e.day BETWEEN x.first_day AND x.last_day
  GROUP BY e.day) AS d
JOIN slices AS s ON s.mode = d.mode AND (s.first_day IS NULL OR s.first_day <= d.day)
  AND (s.last_day IS NULL OR d.day <= s.last_day)"""

#: The distinct keys of the readable events (all the Python half is asked about).
KEYS = f"""
SELECT DISTINCT ds.slice, {", ".join("k." + c for c in KEY[1:])}
FROM keyed AS k JOIN day_slice AS ds ON k.day = ds.day WHERE k.problem IS NULL"""


def _on(left: str, right: str, columns: tuple[str, ...] = KEY) -> str:
    return " AND ".join(f"{left}.{c} = {right}.{c}" for c in columns)


_KEY = ", ".join(KEY)
#: Every event classified: a row that cannot be read is bad, else its key's verdict.
CLASSIFY = f"""
SELECT k.fid, k.line, k.ts, k.day, substr(CAST(k.day AS string), 1, 7) AS month, ds.slice,
  {", ".join("k." + c for c in KEY[1:])}, k.customer, k.session,
  CASE WHEN k.problem IS NOT NULL THEN 'bad' WHEN v.status IS NULL THEN 'unexplained'
       ELSE v.status END AS status,
  CASE WHEN k.problem IS NOT NULL THEN k.problem
       WHEN v.status IS NULL THEN 'no analysis slice holds that day' ELSE v.reason END AS reason
FROM keyed AS k LEFT JOIN day_slice AS ds ON k.day = ds.day AND k.problem IS NULL
LEFT JOIN verdicts AS v ON v.slice = ds.slice AND {_on('v', 'k', KEY[1:])}"""

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


_VIOLATION = "status IN ('confirmed', 'suspected')"
#: The violating events by key, status and month: the units every summary adds up (an event
#: falls in a summary group exactly when its unit does).
UNITS = f"""
SELECT {_KEY}, status, month, count(*) AS views, min(day) AS first_day, max(day) AS last_day
FROM cls WHERE {_VIOLATION} GROUP BY {_KEY}, status, month"""

#: The distinct customers of each unit.
UNIT_CUSTOMERS = f"""
SELECT DISTINCT {_KEY}, status, month, customer FROM cls
WHERE {_VIOLATION} AND customer IS NOT NULL"""

_U = ", ".join(f"u.{c}" for c in (*KEY, "status", "month", "views", "first_day", "last_day"))
#: Each unit once per summary group it falls in (dimension, k).
UNIT_GROUPS = f"""
SELECT {_U}, 'org' AS dimension, a.org AS k FROM units AS u
  JOIN (SELECT DISTINCT {_KEY}, org FROM attributions) AS a ON {_on('a', 'u')}
UNION ALL SELECT {_U}, 'failure_type' AS dimension, l.failure_type AS k FROM units AS u
  JOIN (SELECT DISTINCT {_KEY}, failure_type FROM links) AS l ON {_on('l', 'u')}
UNION ALL SELECT {_U}, 'account' AS dimension, u.account AS k FROM units AS u
UNION ALL SELECT {_U}, 'month' AS dimension, u.month AS k FROM units AS u"""

#: Per summary group: views, accounts, first and last day.
GROUPS = """
SELECT dimension, k, status, sum(views) AS views, count(DISTINCT account) AS accounts,
  min(first_day) AS first_day, max(last_day) AS last_day
FROM ugroups GROUP BY dimension, k, status"""

#: Per summary group: its distinct customers.
GROUP_CUSTOMERS = f"""
SELECT g.dimension, g.k, g.status, count(DISTINCT c.customer) AS customers
FROM ugroups AS g JOIN ucustomers AS c ON {_on('c', 'g', (*KEY, "status", "month"))}
GROUP BY g.dimension, g.k, g.status"""

#: Per summary group: the head count of the distinct person groups its events are attributed
#: to (for an organisation, its own people only; for a failure type, only the people a
#: finding of that type let through: a key's other candidates came by another way).
GROUP_PEOPLE = f"""
SELECT dimension, k, status, sum(headcount) AS people FROM (
  SELECT g.dimension, g.k, g.status, a.person, max(a.headcount) AS headcount
  FROM ugroups AS g JOIN attributions AS a ON {_on('a', 'g')}
  LEFT JOIN (SELECT DISTINCT {_KEY}, person, failure_type FROM links) AS l
    ON {_on('l', 'g')} AND l.person = a.person AND l.failure_type = g.k
  WHERE (g.dimension <> 'org' OR a.org = g.k)
    AND (g.dimension <> 'failure_type' OR l.person IS NOT NULL)
  GROUP BY g.dimension, g.k, g.status, a.person) AS persons
GROUP BY dimension, k, status"""

#: Per finding and status: the violating events it explains, first and last day.
FINDINGS = f"""
SELECT l.finding, u.status, sum(u.views) AS n, min(u.first_day) AS first_day,
  max(u.last_day) AS last_day
FROM units AS u JOIN (SELECT DISTINCT {_KEY}, finding FROM links) AS l ON {_on('l', 'u')}
GROUP BY l.finding, u.status"""

#: The columns of the evidence file, in order.
EVIDENCE_COLUMNS = ("file", "line", "timestamp", "account", "terminal", "system", "screen",
                    "customer", "session", "status", "people", "orgs", "findings",
                    "failure_types")


def evidence(d: Dialect, as_text: bool) -> str:
    """The violating events with who and what explains them (lists sorted, joined by ';'),
    the lists made once per key."""
    ts = "CAST(c.ts AS string)" if as_text else d.timestamp.format("c.ts")
    return f"""
SELECT f.file, c.line, {ts} AS timestamp, c.account, c.terminal, c.system, c.screen,
  c.customer, c.session, c.status, p.people, p.orgs, l.findings, l.failure_types
FROM cls AS c JOIN files AS f ON f.fid = c.fid
LEFT JOIN (SELECT {_KEY}, {d.joined.format('person')} AS people,
             {d.joined.format('org')} AS orgs FROM attributions GROUP BY {_KEY}) AS p
  ON {_on('p', 'c')}
LEFT JOIN (SELECT {_KEY}, {d.joined.format('finding')} AS findings,
             {d.joined.format('failure_type')} AS failure_types FROM links GROUP BY {_KEY}) AS l
  ON {_on('l', 'c')}
WHERE c.{_VIOLATION}
ORDER BY f.file, c.line"""
