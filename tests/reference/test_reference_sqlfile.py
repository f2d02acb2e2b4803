"""Splitting plain dumps the way psql reads them."""

from __future__ import annotations

import pytest

from migcheck.reference.sqlfile import DumpFormatError, Meta, Statement, split


def items(text: str) -> list[tuple[str, int, str]]:
    return [
        (type(i).__name__, i.line, i.text if isinstance(i, Meta) else i.text.split("\n")[0])
        for i in split(text)
    ]


def test_statements_strings_comments_and_meta_commands():
    text = (
        "--\n-- PostgreSQL database dump\n--\n\n"
        "\\restrict 0123abc\n"
        "SET transaction_timeout = 0;\n"
        "SET a = 'x;y'; SET b = E'it\\'s;';\n"
        '/* a /* nested; */ comment; */ SELECT "a;""b" FROM t; -- trailing ;\n'
        "\\connect shop\n"
        "SELECT $1, a$b$ FROM x;\n"
    )
    assert items(text) == [
        ("Meta", 5, "\\restrict 0123abc"),
        ("Statement", 6, "SET transaction_timeout = 0;"),
        ("Statement", 7, "SET a = 'x;y';"),
        ("Statement", 7, "SET b = E'it\\'s;';"),
        ("Statement", 8, '/* a /* nested; */ comment; */ SELECT "a;""b" FROM t;'),
        ("Meta", 9, "\\connect shop"),
        ("Statement", 10, "SELECT $1, a$b$ FROM x;"),
    ]


def test_dollar_quoted_and_begin_atomic_bodies_keep_their_semicolons():
    text = (
        "CREATE FUNCTION f() RETURNS int AS $body$\nBEGIN RETURN 1; END;\n"
        "$body$ LANGUAGE plpgsql;\n"
        "CREATE PROCEDURE p()\n    LANGUAGE sql\n    BEGIN ATOMIC\n SELECT 1;\n"
        " SELECT CASE WHEN true THEN 1 END;\nEND;\n"
        "SELECT (1;\n);\n"
    )
    assert [(i.line, i.text.count(";")) for i in split(text)] == [(1, 3), (4, 3), (10, 2)]


def test_copy_rows_run_up_to_the_end_marker():
    text = "COPY public.t (a, b) FROM stdin;\n1\tx;y\n2\t\\N\n\\.\nSELECT 1;\n"
    copy, after = list(split(text))
    assert isinstance(copy, Statement) and copy.copy_rows == ["1\tx;y\n", "2\t\\N\n"]
    assert copy.rows_line == 2
    assert after.line == 5


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("SELECT 1;\nCOPY t (a) FROM stdin;\n1\n2\n", 2, "the COPY data starting here has no end"),
        ("SELECT 1;\nCREATE TABLE t (\n  a int\n", 2, "the statement starting here never ends"),
        ("SELECT 'abc;\n", 1, "a quoted string starting here never ends"),
        ("CREATE FUNCTION f() AS $$ begin;\n", 1, "a dollar-quoted body ($$) starting here"),
    ],
)
def test_a_truncated_file_says_where(text, line, message):
    with pytest.raises(DumpFormatError) as raised:
        list(split(text))
    assert raised.value.line == line
    assert message in str(raised.value)
