"""pytest plugin: `pytest --migcheck` runs `migcheck run` once and reports each check of
each revision as a test item.

For teams whose migrations already run under pytest (as pytest-alembic users' do), the gate
then lives in the test report they read anyway. Items are `upgrade[REV]` (the revision
applied on a fresh database) and `CHECK[REV]` for every selected check of `migcheck run`
(`roundtrip[REV]`, `data[REV]`, `lint[REV]`, ...), plus `CHECK[history]` for findings about
the history as a whole. The one run happens when the first item executes, with the same
configuration as the CLI: `[tool.migcheck]` (server, x, url_env, select/ignore, fail_on,
the baseline file) and MIGCHECK_DATABASE_URL.

The plugin does nothing unless asked: `pytest --migcheck`, or `pytest = true` in
`[tool.migcheck]` of the pyproject.toml at pytest's rootdir.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migcheck import baseline
from migcheck.checks.pipeline import RunOptions, run_checks
from migcheck.cli.common import replay_options
from migcheck.config import Settings, load_settings
from migcheck.errors import MigcheckError
from migcheck.model import RunResult, Status
from migcheck.project import Project, load_project, locate_project
from migcheck.replay import bootstrap
from migcheck.replay.runner import describe_revisions
from migcheck.report.common import HISTORY, Gate, describe, failed_steps, failure_where
from migcheck.selection import configured_fail_on
from migcheck.server import choose_server


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("migcheck", "migcheck: verify the Alembic history")
    group.addoption(
        "--migcheck",
        action="store_true",
        default=False,
        help="replay the Alembic history with every migcheck check, one item per check "
        "and revision ([tool.migcheck] pytest = true does the same)",
    )
    group.addoption(
        "--migcheck-project",
        default=None,
        metavar="PATH",
        help="alembic.ini, its folder or a pyproject.toml with [tool.alembic] "
        "(default: [tool.migcheck] project, else pytest's rootdir)",
    )
    group.addoption(
        "--migcheck-server",
        default=None,
        metavar="SERVER",
        help="auto, embedded, container[:IMAGE] or a postgresql:// URL (default: "
        "[tool.migcheck] server, else auto)",
    )


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselection, which must see our items too
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    root_settings = load_settings(config.rootpath)
    if not (config.getoption("--migcheck") or root_settings.get("pytest") is True):
        return
    target = config.getoption("--migcheck-project") or root_settings.get("project")
    path = (Path(target) if target else config.rootpath).resolve()
    with contextlib.suppress(MigcheckError):  # the `load` item reports it
        path = locate_project(path).config_file  # items are named after alembic.ini
    collector = MigcheckHistory.from_parent(session, path=path)
    collector.root_settings = root_settings
    items.extend(collector.collect())


class MigcheckFailure(Exception):
    """A revision or check that did not pass; its message is the whole report."""


class MigcheckHistory(pytest.File):
    """The Alembic project: runs `migcheck run` once, when its first item executes."""

    root_settings: Settings | None = None

    def collect(self) -> Iterator[pytest.Item]:
        # The project's own [tool.migcheck] wins; else the one of the pytest run's pyproject.
        own = load_settings(self.path)
        self.settings = own if own.source or self.root_settings is None else self.root_settings
        try:
            replay = self._replay()
            project = load_project(self.path, x_args=replay.x_args, url_env=replay.url_env)
            bootstrap.covered(project, replay.bootstrap)  # what it stamps is not replayed
        except MigcheckError as exc:
            yield MigcheckItem.from_parent(self, name="load", check="load", error=str(exc))
            return
        self.project = project
        revisions = [r.revision for r in describe_revisions(project)]
        for revision in revisions:
            yield MigcheckItem.from_parent(
                self, name=f"upgrade[{revision}]", check="upgrade", revision=revision
            )
        # Without a reference (a `migcheck run --reference` flag only) that check finds nothing.
        for check in sorted(self._options().checks - {"reference"}):
            for revision in [*revisions, None]:
                yield MigcheckItem.from_parent(
                    self, name=f"{check}[{revision or HISTORY}]", check=check, revision=revision
                )

    _outcome: RunResult | MigcheckError | None = None

    def result(self) -> RunResult:
        """The run's result, computed once; an error of the run fails every item."""
        if self._outcome is None:
            try:
                self._outcome = self._run(self.project)
            except MigcheckError as exc:
                self._outcome = exc
        if isinstance(self._outcome, MigcheckError):
            raise MigcheckFailure(f"migcheck could not run: {self._outcome}")
        return self._outcome

    def _run(self, project: Project) -> RunResult:
        spec = self.config.getoption("--migcheck-server") or self.settings.get("server", "auto")
        server = choose_server(
            spec, pg_bin=self.settings.get("pg_bin"), pg_version=self.settings.get("pg_version")
        )
        with server:
            result = run_checks(project, server, self._options())
        found = baseline.load(baseline.default_path(self.settings))
        result.findings, _ = found.filter(result.findings)
        fail_on = configured_fail_on(self.settings) or "error"
        result.extras["gate"] = Gate(fail_on=fail_on).to_extras()
        return result

    def _replay(self) -> Any:
        unset = argparse.Namespace(
            x_args=None, url_env=None, driver=None, statement_timeout=None, lock_timeout=None
        )
        return replay_options(unset, self.settings)

    def _options(self) -> RunOptions:
        return RunOptions.from_settings(self.settings, self._replay())


class MigcheckItem(pytest.Item):
    """One check of one revision (revision None: the history as a whole)."""

    def __init__(
        self,
        *,
        check: str,
        revision: str | None = None,
        error: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.revision = revision
        self.error = error
        self.add_marker("migcheck")

    @property
    def history(self) -> MigcheckHistory:
        assert isinstance(self.parent, MigcheckHistory)
        return self.parent

    def runtest(self) -> None:
        if self.error is not None:
            raise MigcheckFailure(self.error)
        result = self.history.result()
        if self.check == "upgrade":
            self._upgrade(result)
            return
        gate = Gate.of(result)
        mine = [
            f
            for f in result.findings
            if f.check == self.check and f.location.revision == self.revision
        ]
        text = "\n\n".join(describe(f, result) for f in mine)
        if any(gate.blocks(f.severity) for f in mine):
            raise MigcheckFailure(text)
        if text:
            self.add_report_section("call", "migcheck findings below the gate", text)

    def _upgrade(self, result: RunResult) -> None:
        revision = result.revision(self.revision or "")
        if revision is None or revision.status is Status.SKIPPED:
            reason = revision.skipped_because if revision else "the history could not be replayed"
            pytest.skip(f"not replayed: {reason or 'not run'}")
        assert revision is not None
        lines = []
        for step in failed_steps(revision):
            assert step.failure is not None
            lines.append(f"{step.direction} failed at {failure_where(revision, step)}")
            lines.append(step.failure.summary)
            if step.failure.statement:
                lines.append(f"statement: {step.failure.statement}")
        if revision.status is Status.FAILED:
            raise MigcheckFailure("\n".join(lines) or f"{revision.revision} failed")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        if isinstance(excinfo.value, MigcheckFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"migcheck {self.name}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "migcheck: a migcheck check of one Alembic revision")
