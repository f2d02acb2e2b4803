"""Errors that end a run with a clear one-line message instead of a traceback.

Exit codes are part of the CLI contract (README): 0 clean, 1 findings, 2 usage or input
error, 3 infrastructure error (no server could be started or reached).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INFRASTRUCTURE = 3


class MigcheckError(Exception):
    """A problem the user can fix; its message is one line naming what and where."""

    exit_code = EXIT_USAGE


class InputError(MigcheckError):
    """Bad input: a missing file, a broken env.py, a revision that does not load."""


class InfrastructureError(MigcheckError):
    """No PostgreSQL could be provisioned or reached."""

    exit_code = EXIT_INFRASTRUCTURE
