#!/usr/bin/env python3
"""Checks that the SQL asklake ships for Athena is Trino SQL: it parses with sqlglot's Trino dialect and uses no
DuckDB-only syntax or function.

Checked: every `sql` of prompts/library/*.toml (placeholders rendered as the library renders them), every
`expr.v2` column expression of prompts/catalog.toml (the Athena binding's CTE), and every SQL code span or
```sql block in the prompt templates outside their DuckDB-only branch (`{% if dialect == "duckdb" %}`).

DuckDB-only: `::` casts, QUALIFY, `* EXCLUDE/REPLACE/RENAME`, list literals `[...]` without ARRAY, `//`,
`->>` and `-> '...'` JSON arrows, and calls to functions missing from scripts/trino_functions.txt (the same
allow-list the fake Athena in tests/api uses).

Usage: python3 scripts/check_trino_sql.py [repo root]. Exit status 0 when clean, 1 with one line per problem,
2 when sqlglot is missing (install it with `python3 -m pip install sqlglot`).
"""

import pathlib
import re
import sys
import tomllib

try:
    import sqlglot
    from sqlglot.tokens import TokenType
except ImportError:
    print("check_trino_sql: sqlglot is not installed; run `python3 -m pip install sqlglot`", file=sys.stderr)
    sys.exit(2)

# How src/library/params.rs renders each placeholder (TIMESTAMP literals, quoted strings, integer port).
PLACEHOLDERS = {
    "start": "TIMESTAMP '2026-01-01 00:00:00'",
    "end": "TIMESTAMP '2026-01-08 00:00:00'",
    "ip": "'203.0.113.9'",
    "principal": "'arn:aws:iam::111122223333:user/alice'",
    "account": "'111122223333'",
    "region": "'us-east-1'",
    "port": "22",
    "local_time": "event_time + INTERVAL '9' HOUR",
    # prompt template variables
    "window_days": "7",
    "row_limit": "1000",
    "local_hour": "hour(event_time + INTERVAL '9' HOUR)",
    "local_dow": "day_of_week(event_time + INTERVAL '9' HOUR)",
    "tz": "Asia/Seoul",
}
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
DUCKDB_BRANCH = re.compile(r'\{%-?\s*if dialect == "duckdb"\s*-?%\}.*?\{%-?\s*(else|endif)\s*-?%\}', re.S)
CODE_SPAN = re.compile(r"```sql\n(.*?)```|`([^`\n]+)`", re.S)
# Token types that may stand before `[` when it subscripts a value rather than opening a DuckDB list literal.
SUBSCRIPTABLE = {TokenType.ARRAY, TokenType.VAR, TokenType.IDENTIFIER, TokenType.R_BRACKET, TokenType.R_PAREN}
WILDCARD_OPTIONS = {"EXCLUDE", "REPLACE", "RENAME"}


def trino_functions(root):
    lines = (root / "scripts" / "trino_functions.txt").read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def render(text, where):
    def value(match):
        name = match.group(1)
        if name not in PLACEHOLDERS:
            raise ValueError(f"{where}: unknown placeholder {{{{ {name} }}}}")
        return PLACEHOLDERS[name]

    return PLACEHOLDER.sub(value, text)


def duckdb_only(sql, functions):
    """Problems sqlglot's Trino parser lets through: DuckDB spellings and functions Trino does not have."""
    tokens = sqlglot.Dialect.get_or_raise("trino").tokenize(sql)
    problems = []
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        at = f"line {tok.line}:{tok.col}"
        if tok.token_type == TokenType.DCOLON:
            problems.append(f"{at}: `::` cast is DuckDB; use CAST(x AS type)")
        elif tok.text.upper() == "QUALIFY" and tok.token_type in (TokenType.QUALIFY, TokenType.VAR):
            problems.append(f"{at}: QUALIFY is DuckDB; filter a window function in an outer query")
        elif tok.token_type == TokenType.DARROW or (
            tok.token_type == TokenType.ARROW and nxt is not None and nxt.token_type == TokenType.STRING
        ):
            problems.append(f"{at}: JSON arrow is DuckDB; use json_extract / json_extract_scalar")
        elif prev is not None and prev.token_type == TokenType.STAR and tok.text.upper() in WILDCARD_OPTIONS:
            problems.append(f"{at}: `* {tok.text.upper()}` is DuckDB; list the columns")
        elif tok.token_type == TokenType.L_BRACKET and (prev is None or prev.token_type not in SUBSCRIPTABLE):
            problems.append(f"{at}: list literal [...] is DuckDB; use ARRAY[...]")
        elif tok.token_type == TokenType.DIV and prev is not None and prev.token_type == TokenType.SLASH:
            problems.append(f"{at}: `//` is DuckDB; use floor(a / b)")
        elif (
            tok.token_type == TokenType.VAR
            and nxt is not None
            and nxt.token_type == TokenType.L_PAREN
            and (prev is None or prev.token_type not in (TokenType.ALIAS, TokenType.R_PAREN))
            and tok.text.lower() not in functions
        ):
            problems.append(f"{at}: function {tok.text}() does not exist in Trino")
    return problems


def check(sql, where, functions, wrappers=("{}",)):
    """Parses `sql` (trying each wrapper, e.g. as an expression) and returns problems, each prefixed by `where`."""
    errors = []
    for wrapper in wrappers:
        text = wrapper.format(sql)
        try:
            sqlglot.parse_one(text, read="trino")
        except sqlglot.errors.ParseError as err:
            errors.append(str(err).splitlines()[0])
            continue
        return [f"{where}: {p}" for p in duckdb_only(text, functions)]
    # Nothing parsed: name the DuckDB spellings in it first (QUALIFY, `//` do not parse as Trino at all).
    flagged = duckdb_only(wrappers[0].format(sql), functions)
    return [f"{where}: {p}" for p in flagged] + [f"{where}: does not parse as Trino: {errors[0]}"]


def library(root, functions):
    problems, count = [], 0
    for path in sorted((root / "prompts" / "library").glob("*.toml")):
        for entry in tomllib.loads(path.read_text()).get("entry", []):
            where = f"{path.relative_to(root)} [{entry.get('id', '?')}]"
            problems += check(render(entry["sql"], where), where, functions)
            count += 1
    return problems, count


def catalog(root, functions):
    problems, count = [], 0
    path = root / "prompts" / "catalog.toml"
    for table in tomllib.loads(path.read_text()).get("tables", []):
        for column in table.get("columns", []):
            expr = column.get("expr", {}).get("v2")
            if expr is None:
                continue
            where = f"{path.relative_to(root)} {table['name']}.{column['name']} (v2)"
            problems += check(expr, where, functions, ("SELECT {} FROM t",))
            count += 1
    return problems, count


def templates(root, functions):
    problems, count = [], 0
    for path in sorted((root / "prompts").glob("*.j2")):
        text = DUCKDB_BRANCH.sub("", path.read_text())
        for match in CODE_SPAN.finditer(text):
            span = (match.group(1) or match.group(2)).strip()
            if PLACEHOLDER.fullmatch(span) or span.startswith("{{") and span.endswith("}}"):
                continue  # filled from data checked elsewhere (library entries, earlier attempts)
            where = f"{path.relative_to(root)}:{text.count(chr(10), 0, match.start()) + 1} `{span}`"
            wrappers = ("{}", "SELECT {}", "SELECT 1 FROM t {}")
            problems += check(render(span, where), where, functions, wrappers)
            count += 1
    return problems, count


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    functions = trino_functions(root)
    problems, counts = [], []
    for name, part in (("library queries", library), ("catalog v2 expressions", catalog), ("prompt spans", templates)):
        found, count = part(root, functions)
        problems += found
        counts.append(f"{count} {name}")
    for problem in problems:
        print(problem)
    status = "FAILED" if problems else "ok"
    print(f"check_trino_sql: {status}: {', '.join(counts)}; {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
