"""Throwaway databases: a copy made from a template keeps the template's database settings."""

from __future__ import annotations

import psycopg
from psycopg import sql

from migcheck.replay.runner import ReplayOptions, prepare_database


def settings_of(server, database: str) -> dict[str, str]:
    with psycopg.connect(server.conninfo(database)) as conn:
        names = ("statement_timeout", "lock_timeout", "search_path")
        return {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in names}


def test_a_copy_keeps_the_hang_guards_and_other_database_settings(server) -> None:
    options = ReplayOptions(statement_timeout="7s", lock_timeout="3s")
    template = prepare_database(server, "template", options)
    with server.admin() as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET search_path = '$user', 'we\"ird, x', public").format(
                sql.Identifier(template)
            )
        )
    copy = server.create_database("copy", template=template)
    try:
        expected = {
            "statement_timeout": "7s",
            "lock_timeout": "3s",
            "search_path": '"$user", "we""ird, x", public',
        }
        assert settings_of(server, template) == expected
        assert settings_of(server, copy) == expected
    finally:
        server.drop_database(copy)
        server.drop_database(template)


def test_a_plain_database_has_no_settings_of_its_own(server) -> None:
    database = server.create_database("plain")
    try:
        assert settings_of(server, database)["statement_timeout"] == "0"
    finally:
        server.drop_database(database)
