"""Catalog queries in one round trip on env.py's connection (runner.fetch_each)."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from migcheck.snapshot import PsycopgRunner, as_runner
from migcheck.snapshot.runner import fetch_each
from migcheck.snapshot.take import reading

STATEMENTS = [
    ("SELECT 1 WHERE false", None),  # no rows: still its own (empty) result
    ("SELECT CAST(%(x)s AS int) + 1", {"x": 41}),  # prepared, then EXECUTEd with a literal
    ("SELECT 'it''s' UNION ALL SELECT CAST(%(s)s AS text)", {"s": "b;c'd"}),
]
EXPECTED = [[], [(42,)], [("it's",), ("b;c'd",)]]


def test_fetch_each_batches_on_env_py_connection_and_equals_one_by_one(server, database):
    engine = create_engine(server.url(database, "psycopg"), poolclass=NullPool)
    try:
        with engine.connect() as connection, connection.begin():
            query = as_runner(connection)
            with reading(query):
                assert fetch_each(query, STATEMENTS) == EXPECTED
                assert fetch_each(query, STATEMENTS) == EXPECTED  # prepared ones reused
                assert fetch_each(query, []) == []
            prepared = connection.exec_driver_sql(
                "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'migcheck%%'"
            ).scalar()
            assert prepared == 2
            raw = connection.connection.dbapi_connection
            assert fetch_each(PsycopgRunner(raw), STATEMENTS) == EXPECTED
    finally:
        engine.dispose()
