"""Provision the PostgreSQL server of a run (`--server`): embedded, container, URL or auto."""

from __future__ import annotations

import os

from migcheck.errors import InputError
from migcheck.server.base import Endpoint, Server
from migcheck.server.container import ContainerServer, docker_available
from migcheck.server.embedded import EmbeddedServer
from migcheck.server.external import UrlServer

__all__ = ["Endpoint", "Server", "choose_server"]


def choose_server(
    spec: str = "auto", pg_bin: str | None = None, pg_version: str | None = None
) -> Server:
    """The server a `--server` value names; `auto` prefers a URL, then Docker, then embedded."""
    spec = (spec or "auto").strip()
    if spec == "auto":
        url = os.environ.get("MIGCHECK_DATABASE_URL")
        if url:
            return UrlServer(url)
        if docker_available():
            return ContainerServer(pg_version=pg_version)
        return EmbeddedServer(pg_bin)
    if spec == "embedded":
        return EmbeddedServer(pg_bin)
    if spec == "container" or spec.startswith("container:"):
        image = spec.partition(":")[2] or None
        return ContainerServer(image, pg_version)
    if spec.startswith(("postgresql://", "postgres://", "postgresql+")):
        return UrlServer(spec.replace("postgres://", "postgresql://", 1))
    raise InputError(
        f"--server {spec!r}: use auto, embedded, container[:IMAGE] or a postgresql:// URL"
    )
