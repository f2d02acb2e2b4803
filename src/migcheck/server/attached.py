"""The run's server as a worker process sees it: already started by the parent process.

A worker (checks/worker.py) reaches the same server through the endpoint it is handed, and
creates and drops databases of its own under a run id derived from the parent's, so the two
never touch each other's databases. Stopping the server stays the parent's business.
"""

from __future__ import annotations

from migcheck.server.base import Endpoint, Server


class AttachedServer(Server):
    kind = "attached"

    def __init__(self, endpoint: Endpoint, description: str, run_id: str) -> None:
        super().__init__()
        self.run_id = run_id
        self.given = endpoint
        self.description = description

    def describe(self) -> str:
        return self.description

    def _start(self) -> Endpoint:
        return self.given

    def _stop(self) -> None:
        """Nothing to stop: the parent process owns the server."""
