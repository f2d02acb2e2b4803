"""What every kind of server offers: throwaway databases that migcheck alone creates and drops.

A run has one server and one run id. Databases are named `migcheck_<run id>_<name>` and carry a
comment recording the creating process, so migcheck drops only databases it created itself,
also those left behind by a run that was killed (its process no longer exists).
"""

from __future__ import annotations

import os
import re
import secrets
import socket
from abc import ABC, abstractmethod
from dataclasses import dataclass

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL

from migcheck.errors import InfrastructureError, InputError
from migcheck.model import ServerInfo

DATABASE_PREFIX = "migcheck_"
_COMMENT_RE = re.compile(r"^migcheck run (?P<run>\w+) pid (?P<pid>\d+) host (?P<host>\S+)$")


@dataclass(frozen=True)
class Endpoint:
    """How to reach the server: host may be a socket folder (embedded)."""

    host: str
    port: int
    user: str
    password: str | None = None
    admin_database: str = "postgres"

    def conninfo(self, database: str) -> str:
        return psycopg.conninfo.make_conninfo(
            host=self.host,
            port=str(self.port),
            user=self.user,
            password=self.password or None,
            dbname=database,
            connect_timeout="10",
        )

    def url(self, database: str, driver: str = "psycopg") -> URL:
        """A SQLAlchemy URL for `database`, in the driver form env.py expects."""
        drivername = "postgresql" if driver in ("", "default") else f"postgresql+{driver}"
        if self.host.startswith("/"):
            return URL.create(
                drivername,
                username=self.user,
                password=self.password,
                database=database,
                query={"host": self.host, "port": str(self.port)},
            )
        return URL.create(
            drivername,
            username=self.user,
            password=self.password,
            host=self.host,
            port=self.port,
            database=database,
        )


class Server(ABC):
    """A PostgreSQL server for one run. Use as a context manager: leaving it cleans up."""

    kind: str = ""

    def __init__(self) -> None:
        self.run_id = secrets.token_hex(4)
        self._created: list[str] = []
        self._endpoint: Endpoint | None = None
        self.version = ""

    # -- lifecycle -------------------------------------------------------------------------
    @abstractmethod
    def _start(self) -> Endpoint:
        """Bring the server up (or reach it) and say how to connect."""

    @abstractmethod
    def _stop(self) -> None:
        """Tear down whatever `_start` brought up; must be safe to call after a failed start."""

    def describe(self) -> str:
        return self.kind

    def __enter__(self) -> Server:
        try:
            self._endpoint = self._start()
            with self.admin() as conn:
                self.version = str(conn.execute("SHOW server_version").fetchone()[0])
            self._drop_orphans()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            if self._endpoint is not None:
                self._drop_created()
        finally:
            self._endpoint = None
            self._stop()

    @property
    def endpoint(self) -> Endpoint:
        if self._endpoint is None:
            raise RuntimeError("server is not started")
        return self._endpoint

    @property
    def info(self) -> ServerInfo:
        return ServerInfo(kind=self.kind, version=self.version, description=self.describe())

    # -- databases ------------------------------------------------------------------------
    def admin(self) -> psycopg.Connection:
        """An autocommit connection to the maintenance database (for CREATE/DROP DATABASE)."""
        endpoint = self.endpoint
        try:
            return psycopg.connect(endpoint.conninfo(endpoint.admin_database), autocommit=True)
        except psycopg.OperationalError as exc:
            raise InfrastructureError(
                f"cannot connect to PostgreSQL at {self.describe()}: {_first_line(exc)}"
            ) from None

    def url(self, database: str, driver: str = "psycopg") -> URL:
        return self.endpoint.url(database, driver)

    def conninfo(self, database: str) -> str:
        return self.endpoint.conninfo(database)

    def database_name(self, name: str) -> str:
        return f"{DATABASE_PREFIX}{self.run_id}_{name}"[:63]

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create `migcheck_<run>_<name>` (a copy of `template` when given) and return it.

        A copy also gets the template's own `ALTER DATABASE ... SET` settings (the run's
        statement_timeout and lock_timeout), which CREATE DATABASE ... TEMPLATE leaves behind.
        """
        database = self.database_name(name)
        statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(database), sql.Identifier(template or "template1")
        )
        comment = f"migcheck run {self.run_id} pid {os.getpid()} host {socket.gethostname()}"
        with self.admin() as conn:
            try:
                conn.execute(statement)
            except psycopg.errors.InsufficientPrivilege:
                raise InputError(
                    f"{self.describe()}: the user may not create databases; "
                    "grant CREATEDB or use --server embedded"
                ) from None
            self._created.append(database)
            conn.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                    sql.Identifier(database), sql.Literal(comment)
                )
            )
            if template is not None:
                _copy_settings(conn, template, database)
        return database

    def created(self, database: str) -> bool:
        """Whether this run created `database` and has not dropped it yet."""
        return database in self._created

    def drop_database(self, database: str) -> None:
        if database not in self._created:
            raise RuntimeError(f"refusing to drop {database}: this run did not create it")
        with self.admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
        self._created.remove(database)

    def _drop_created(self) -> None:
        if not self._created:
            return
        try:
            for database in list(self._created):
                self.drop_database(database)
        except (psycopg.Error, InfrastructureError):
            pass  # the server is going away (embedded/container) or unreachable

    def _drop_orphans(self) -> None:
        """Drop databases left by killed migcheck runs on this host (comment proves origin)."""
        host = socket.gethostname()
        with self.admin() as conn:
            rows = conn.execute(
                "SELECT d.datname, shobj_description(d.oid, 'pg_database') FROM pg_database d "
                "WHERE d.datname LIKE 'migcheck\\_%'"
            ).fetchall()
            for name, comment in rows:
                match = _COMMENT_RE.match(comment or "")
                if not match or match["host"] != host or _alive(int(match["pid"])):
                    continue
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


# Settings whose value is a list of (quoted when needed) names; pg_dump's list, in dumputils.c.
_LIST_SETTINGS = frozenset(
    {
        "local_preload_libraries",
        "search_path",
        "session_preload_libraries",
        "shared_preload_libraries",
        "temp_tablespaces",
        "unix_socket_directories",
    }
)


def _copy_settings(conn: psycopg.Connection, template: str, database: str) -> None:
    """Give `database` the database-wide settings (any role) that `template` has."""
    rows = conn.execute(
        "SELECT unnest(s.setconfig) FROM pg_db_role_setting s "
        "JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = %s AND s.setrole = 0",
        (template,),
    ).fetchall()
    for (setting,) in rows:
        key, _, value = setting.partition("=")
        values = (_split_list(value) or [""]) if key.lower() in _LIST_SETTINGS else [value]
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                sql.Identifier(database),
                sql.Identifier(key),
                sql.SQL(", ").join(sql.Literal(v) for v in values),
            )
        )


def _split_list(value: str) -> list[str]:
    """The names of a stored list setting (`"$user", public`), unquoted, as pg_dump splits
    them; each is then given back as a literal, which SET takes as one name."""
    names, current, quoted, i = [], "", False, 0
    while i < len(value):
        char = value[i]
        if quoted:
            if char == '"' and value[i + 1 : i + 2] == '"':
                current, i = current + '"', i + 1
            elif char == '"':
                quoted = False
            else:
                current += char
        elif char == '"':
            quoted = True
        elif char == ",":
            names.append(current)
            current = ""
        elif not char.isspace():  # outside quotes, whitespace only separates
            current += char
        i += 1
    names.append(current)
    return [n for n in names if n]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
