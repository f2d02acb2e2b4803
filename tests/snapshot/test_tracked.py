"""Tracked snapshots equal full reads after every kind of change, committed or not.

Each step below changes the schema or the rows in a way that touches objects other than the
ones named (renames rewrite foreign keys, views, defaults and triggers; a parent's rows and
keys change how its children's rows read); after each, `advance` must give exactly what a
full `take_snapshot` gives.
"""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from migcheck.diff.compare import diff_snapshots
from migcheck.snapshot import (
    ALL_TABLES,
    PsycopgRunner,
    SnapshotOptions,
    as_runner,
    take_snapshot,
)
from migcheck.snapshot.changes import written_tables
from migcheck.snapshot.tracked import advance, track

OPTIONS = SnapshotOptions(reference_tables=ALL_TABLES)

STEPS = [
    """CREATE SCHEMA app;
       CREATE TYPE app.color AS ENUM ('red');
       CREATE TABLE app.parent (id serial PRIMARY KEY, name text NOT NULL UNIQUE);
       CREATE TABLE app.child (id serial PRIMARY KEY,
                               parent_id int REFERENCES app.parent (id), c app.color)""",
    """INSERT INTO app.parent (name) VALUES ('a'), ('b');
       INSERT INTO app.child (parent_id, c) VALUES (1, 'red'), (2, NULL)""",
    "ALTER TABLE app.parent RENAME TO mother",
    "ALTER TABLE app.mother RENAME COLUMN name TO title",
    """CREATE VIEW app.v AS SELECT title FROM app.mother;
       COMMENT ON TABLE app.mother IS 'the parents'""",
    "ALTER TABLE app.mother RENAME TO parent",
    "COMMENT ON TABLE app.parent IS NULL; DROP VIEW app.v",
    "ALTER TYPE app.color ADD VALUE 'blue'",
    "ALTER TYPE app.color RENAME TO colour",
    """CREATE FUNCTION app.f() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
       CREATE TRIGGER t BEFORE INSERT ON app.child FOR EACH ROW EXECUTE FUNCTION app.f()""",
    "ALTER FUNCTION app.f() RENAME TO g",
    """CREATE SEQUENCE app.s;
       ALTER TABLE app.child ADD COLUMN n int DEFAULT nextval('app.s')""",
    "ALTER SEQUENCE app.s RENAME TO s2",
    "ALTER SEQUENCE app.s2 OWNED BY app.child.n",
    "UPDATE app.parent SET title = 'z' WHERE title = 'a'",
    "ALTER TABLE app.parent ADD CONSTRAINT parent_id_title UNIQUE (id, title)",
    "ALTER TABLE app.parent DROP CONSTRAINT parent_name_key",
    "DELETE FROM app.child WHERE parent_id = 2",
    "ALTER TABLE app.child DROP CONSTRAINT child_parent_id_fkey",
    "CREATE INDEX ix ON app.child (n); COMMENT ON INDEX app.ix IS 'n'",
    "DROP INDEX app.ix",
    "CREATE POLICY p ON app.child USING (true)",
    "DROP POLICY p ON app.child",
    "CREATE TABLE app.kid () INHERITS (app.child)",
    "ALTER TABLE app.kid NO INHERIT app.child",
    "DROP TABLE app.kid",
    "ALTER TABLE app.child ALTER COLUMN n DROP DEFAULT",
    "ALTER TABLE app.child DROP COLUMN n",
    "CREATE DOMAIN app.pos AS int CONSTRAINT pos_check CHECK (VALUE > 0)",
    "ALTER DOMAIN app.pos DROP CONSTRAINT pos_check",
    "CREATE TABLE app.solo (id int CONSTRAINT solo_pk PRIMARY KEY, n int CHECK (n > 0))",
    "ALTER TABLE app.solo RENAME TO alone",  # its constraints' names change; nothing else
    "COMMENT ON COLUMN app.alone.n IS 'n'",
    "CREATE TYPE app.pair AS (a int, b text)",
    "ALTER TYPE app.pair ADD ATTRIBUTE c int",
    "ALTER TYPE app.pair RENAME TO couple",
    "CREATE TYPE app.span AS RANGE (subtype = int4); COMMENT ON TYPE app.span IS 's'",
    "CREATE MATERIALIZED VIEW app.mv AS SELECT id FROM app.alone",
    "DROP MATERIALIZED VIEW app.mv; DROP TABLE app.alone",
    """CREATE TABLE app.colors (id serial PRIMARY KEY, name text UNIQUE,
                                parent_id int REFERENCES app.colors (id));
       INSERT INTO app.colors (name) VALUES ('White');
       INSERT INTO app.colors (name, parent_id) VALUES ('Off-white', 1)""",
    "UPDATE app.colors SET name = 'Snow' WHERE id = 1",
    "ALTER TABLE app.parent SET SCHEMA public",
    "DROP TABLE app.child CASCADE; DROP TYPE app.colour",
    "TRUNCATE app.colors",
    "ALTER SCHEMA app RENAME TO app2",
    "DROP SCHEMA app2 CASCADE",
]


@pytest.mark.parametrize("committed", [True, False], ids=["committed", "in-transaction"])
def test_advance_equals_a_full_read_after_every_step(server, database, committed):
    with psycopg.connect(server.conninfo(database)) as conn:
        query = PsycopgRunner(conn)
        state = track(query, OPTIONS)
        for number, step in enumerate(STEPS):
            conn.execute(step)
            written: set[str] | None = None  # in the transaction: advance asks PostgreSQL
            if committed:
                written = written_tables(query)
                conn.commit()
            state = advance(query, state, OPTIONS, written)
            full = take_snapshot(query, OPTIONS)
            differences = [d.describe() for d in diff_snapshots(full, state.snapshot)]
            assert differences == [], f"step {number}: {step}"
            assert state.snapshot.to_dict() == full.to_dict(), f"step {number}: {step}"


def test_env_py_connection_reads_through_prepared_statements(server, database):
    """Through env.py's kind of connection (SQLAlchemy on psycopg, one transaction) the
    catalog queries are our own prepared statements; they are noticed gone and prepared
    again after a DEALLOCATE ALL, and the reads stay equal to full ones."""
    engine = create_engine(server.url(database, "psycopg"), poolclass=NullPool)
    try:
        with engine.connect() as connection, connection.begin():
            query = as_runner(connection)
            state = track(query, OPTIONS)
            for number, step in enumerate(STEPS):
                _raw(connection).execute(step)  # several statements: no parameters
                if number == 6:
                    connection.exec_driver_sql("DEALLOCATE ALL")
                state = advance(query, state, OPTIONS)
                full = take_snapshot(PsycopgRunner(_raw(connection)), OPTIONS)
                assert state.snapshot.to_dict() == full.to_dict(), f"step {number}: {step}"
            prepared = connection.exec_driver_sql(
                "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'migcheck%%'"
            ).scalar()
            assert prepared and prepared > 5
    finally:
        engine.dispose()


def _raw(connection):
    return connection.connection.dbapi_connection


def test_advance_reads_only_what_changed(server, database):
    with psycopg.connect(server.conninfo(database), autocommit=True) as conn:
        for i in range(5):
            conn.execute(f"CREATE TABLE t{i} (id int PRIMARY KEY, name text UNIQUE)")
        query = _Counting(PsycopgRunner(conn))
        state = track(query, OPTIONS)
        query.statements.clear()
        conn.execute("ALTER TABLE t3 ADD COLUMN extra int")
        advance(query, state, OPTIONS)
    scoped = [params for sql, params in query.statements if params and params.get("scope")]
    assert scoped and all(params["scope"] == ["public.t3"] for params in scoped)


class _Counting:
    def __init__(self, inner):
        self.inner = inner
        self.statements = []

    def fetchall(self, sql, params=None):
        self.statements.append((sql, params))
        return self.inner.fetchall(sql, params)
