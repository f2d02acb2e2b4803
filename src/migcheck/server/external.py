"""A server the user names by URL: migcheck only creates and drops its own databases there."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from migcheck.errors import InputError
from migcheck.server.base import Endpoint, Server


class UrlServer(Server):
    kind = "url"

    def __init__(self, url: str) -> None:
        super().__init__()
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise InputError(
                f"{url!r} is not a database URL; use postgresql://user@host/db"
            ) from None
        if not parsed.drivername.startswith("postgresql"):
            raise InputError(f"{parsed.drivername}: migcheck needs a postgresql:// URL")
        self.parsed = parsed

    def describe(self) -> str:
        host = self.parsed.host or self.parsed.query.get("host", "localhost")
        return f"PostgreSQL {self.version} at {host}:{self.parsed.port or 5432}".replace("  ", " ")

    def _start(self) -> Endpoint:
        query_host = self.parsed.query.get("host")
        host = self.parsed.host or (query_host if isinstance(query_host, str) else None)
        port = self.parsed.port or int(self.parsed.query.get("port", 5432) or 5432)
        return Endpoint(
            host=host or "localhost",
            port=port,
            user=self.parsed.username or "postgres",
            password=self.parsed.password,
            admin_database=self.parsed.database or "postgres",
        )

    def _stop(self) -> None:
        """Nothing to stop: the server is the user's."""
