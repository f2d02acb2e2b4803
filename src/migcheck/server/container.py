"""A throwaway PostgreSQL container through testcontainers.

TESTCONTAINERS_* settings (host override, ryuk, docker host) are honoured by testcontainers
itself; we only choose the image and tune the server for throwaway data.
"""

from __future__ import annotations

import os
from pathlib import Path

from migcheck.errors import InfrastructureError
from migcheck.server.base import Endpoint, Server

DEFAULT_IMAGE = "postgres"
DEFAULT_TAG = "16"
TUNING = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"


_DEFAULT_SOCKET = "/var/run/docker.sock"


def docker_available(timeout: float = 2.0) -> bool:
    """Does a Docker engine answer? Cheap where none is set up: without DOCKER_HOST or the
    default socket, the answer is no before the docker package is even imported."""
    if not os.environ.get("DOCKER_HOST") and not Path(_DEFAULT_SOCKET).exists():
        return False
    try:
        import docker  # type: ignore[import-untyped]

        client = docker.from_env(timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


class ContainerServer(Server):
    kind = "container"

    def __init__(self, image: str | None = None, pg_version: str | None = None) -> None:
        super().__init__()
        if not image:
            image = f"{DEFAULT_IMAGE}:{pg_version or DEFAULT_TAG}"
        elif pg_version and ":" not in image.rsplit("/", 1)[-1]:
            image = f"{image}:{pg_version}"
        self.image = image
        self.container = None

    def describe(self) -> str:
        return f"PostgreSQL {self.version} in container {self.image}"

    def _start(self) -> Endpoint:
        if not docker_available():
            raise InfrastructureError(
                "no Docker engine answers; start one, or use --server embedded"
            )
        from testcontainers.community.postgres import PostgresContainer

        container = PostgresContainer(
            self.image, username="migcheck", password="migcheck", dbname="postgres", driver=None
        )
        container.with_env("POSTGRES_INITDB_ARGS", "--no-sync")
        container.with_command(f"postgres {TUNING}")
        self.container = container
        try:
            container.start()
        except Exception as exc:
            raise InfrastructureError(
                f"container {self.image} did not start: {str(exc).splitlines()[0][:200]}"
            ) from None
        return Endpoint(
            host=container.get_container_host_ip(),
            port=int(container.get_exposed_port(5432)),
            user="migcheck",
            password="migcheck",
        )

    def _stop(self) -> None:
        container, self.container = self.container, None
        if container is not None:
            try:
                container.stop()
            except Exception:
                if os.environ.get("MIGCHECK_DEBUG"):
                    raise
