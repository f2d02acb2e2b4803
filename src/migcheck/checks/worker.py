"""A check run in a second process, beside the stairway, to use the second core.

Branch order replays the history on a database of its own and shares nothing with the
stairway but the server, so the two can run at once; so does the second half of a long
stairway (halves.py). Not in a thread: env.py drives Alembic
through module-level proxies (`alembic.context`, `alembic.op`) that one process can hold
for one migration run at a time. The worker is spawned (a fresh interpreter, nothing
inherited half-open), loads the project again from its files, attaches to the running
server, and sends its findings back. It turns SIGTERM into KeyboardInterrupt, like the
command, so that a cancelled worker still drops its databases.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from migcheck.errors import InputError


class Worker:
    """`target(*args)` running in a spawned process; `result()` waits for what it returns."""

    def __init__(self, target: Callable[..., Any], *args: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self.receive, send = context.Pipe(duplex=False)
        self.process = context.Process(target=_work, args=(send, target, args), daemon=True)
        self.process.start()
        send.close()

    def result(self) -> Any:
        """The target's return value; its exception, raised here, when it failed."""
        try:
            status, value = self.receive.recv()
        except EOFError:
            raise InputError(
                f"a migcheck worker process ended without a result (exit code "
                f"{self.process.exitcode}); run again, or report it"
            ) from None
        finally:
            self.process.join()
        if status == "error":
            raise value
        return value

    def cancel(self) -> None:
        """Stop the worker (it cleans up as on Ctrl-C) and wait for it."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(30)


def _work(send: Connection, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        send.send(("ok", target(*args)))
    except BaseException as exc:  # every failure goes back to the parent
        try:
            send.send(("error", exc))
        except Exception:  # an exception that does not pickle: its text, then
            send.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        send.close()
    # What the target held is released by now (its databases dropped, its connections
    # closed): skip the interpreter's teardown, which the run would wait for (~0.3 s).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
