"""Write a revision through Alembic into a staging folder, prove it, and only then move it in.

The staging folder is added to the project's version locations for a second
ScriptDirectory (the project's own is untouched), so Alembic writes the file with the
project's `script.py.mako` and post-write hooks, and the proof replays the history exactly
as `alembic upgrade heads` would see it once the file is in place. If anything fails, the
staging folder goes away with the file: nothing is left in the project.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError

from migcheck.diff import Difference, DiffOptions, diff_snapshots
from migcheck.errors import InputError
from migcheck.model import RevisionResult, Severity, Status
from migcheck.project import Project
from migcheck.replay.runner import ReplayOptions, replayed
from migcheck.server.base import Server
from migcheck.snapshot import PsycopgRunner, Snapshot, SnapshotOptions, take_snapshot


@contextmanager
def staged(project: Project) -> Iterator[tuple[Project, Path]]:
    """The project with an extra, empty version location (removed afterwards)."""
    staging = Path(tempfile.mkdtemp(prefix="migcheck-repair-"))
    try:
        yield with_locations(project, [*project.files.version_locations, staging]), staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def patched(
    project: Project, texts: dict[str, str | None], extra: tuple[Path, ...] = ()
) -> Iterator[Project]:
    """The project read from copies of its version locations in which some revision files
    are replaced (`texts`: path → text) or left out (None), plus `extra` locations; the
    project's own files are untouched."""
    staging = Path(tempfile.mkdtemp(prefix="migcheck-patched-"))
    try:
        copies = []
        for number, location in enumerate(project.files.version_locations):
            copy = staging / str(number)
            shutil.copytree(location, copy, ignore=shutil.ignore_patterns("__pycache__"))
            for path, text in texts.items():
                source = Path(path).resolve()
                if not source.is_relative_to(location.resolve()):
                    continue
                target = copy / source.relative_to(location.resolve())
                if text is None:
                    target.unlink(missing_ok=True)
                else:
                    target.write_text(text, encoding="utf-8")
            copies.append(copy)
        yield with_locations(project, [*copies, *extra])
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def with_locations(project: Project, locations: list[Path]) -> Project:
    """The same project reading its revisions from `locations` (a ScriptDirectory of its
    own; the project's is untouched)."""
    files = dataclasses.replace(project.files, version_locations=locations)
    moved = dataclasses.replace(project, files=files)
    base = project.script
    with moved.loading():
        script = ScriptDirectory(
            base.dir,
            file_template=base.file_template,
            truncate_slug_length=base.truncate_slug_length,
            version_locations=[str(p) for p in locations],
            sourceless=base.sourceless,
            output_encoding=base.output_encoding,
            timezone=base.timezone,
            hooks=base.hooks,
            recursive_version_locations=base.recursive_version_locations,
            messaging_opts={**base.messaging_opts, "quiet": True},  # type: ignore[typeddict-item]
        )
        script.revision_map.heads  # noqa: B018 - loads every revision file now
    return dataclasses.replace(moved, script=script)


def generate(
    project: Project,
    staging: Path,
    message: str,
    rev_id: str | None,
    heads: list[str],
    branch_labels: tuple[str, ...] = (),
    **template: str,
) -> Script:
    """Alembic writes the revision on `heads` (a merge when there are several)."""
    from alembic.util import rev_id as new_rev_id

    template_file = Path(project.script.dir) / "script.py.mako"
    if not template_file.is_file():
        raise InputError(
            f"{template_file}: no revision template; restore the script.py.mako `alembic init` "
            "wrote"
        )
    try:
        with project.loading():
            script = project.script.generate_revision(
                rev_id or new_rev_id(),
                message,
                head=tuple(heads) if heads else "base",
                version_path=str(staging),
                branch_labels=branch_labels or None,
                **template,
            )
    except CommandError as exc:
        raise InputError(f"{project.files.config_file}: {exc}") from None
    if script is None:
        raise InputError(f"{project.files.config_file}: Alembic wrote no revision file")
    return script


def destination(project: Project, heads: list[str]) -> Path:
    """Where Alembic itself would put a revision on `heads`: the first head's folder."""
    for head in heads:
        found = project.script.get_revision(head)
        if found is not None:
            return Path(found.path).parent
    return project.files.version_locations[0]


def move_in(script: Script, folder: Path) -> Path:
    target = folder / Path(script.path).name
    if target.exists():
        raise InputError(f"{target}: already exists; pass another --rev-id or message")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.move(script.path, target)
    return target


@dataclass
class Proof:
    revisions: list[RevisionResult]
    differences: list[Difference]

    @property
    def failed(self) -> list[RevisionResult]:
        return [r for r in self.revisions if r.status is Status.FAILED]

    @property
    def blocking(self) -> list[Difference]:
        return [d for d in self.differences if d.severity is not Severity.INFO]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.blocking

    def summary(self, reference: str) -> str:
        applied = sum(r.status is Status.OK for r in self.revisions)
        infos = len(self.differences) - len(self.blocking)
        info = f" ({infos} at info level: column order)" if infos else ""
        if self.failed:
            first = self.failed[0]
            failure = first.upgrade.failure if first.upgrade else None
            why = failure.summary if failure else "see migcheck replay"
            return f"proof FAILED: revision {first.revision} fails on a fresh database ({why})"
        verdict = "proof" if self.ok else "proof FAILED"
        return (
            f"{verdict}: {applied} revisions replayed on a fresh database, "
            f"{len(self.blocking)} difference(s) against {reference}{info}"
        )


def replay_snapshot(
    project: Project, server: Server, replay_options: ReplayOptions, options: SnapshotOptions
) -> tuple[list[RevisionResult], Snapshot]:
    """Replay the whole history on a fresh database and read it like the reference was."""
    with (
        replayed(project, server, replay_options, name="proof") as done,
        psycopg.connect(server.conninfo(done.database), autocommit=True) as conn,
    ):
        return done.revisions, take_snapshot(PsycopgRunner(conn), options)


def prove(
    project: Project,
    server: Server,
    replay_options: ReplayOptions,
    reference: Snapshot,
    options: SnapshotOptions,
    diff_options: DiffOptions,
) -> Proof:
    revisions, actual = replay_snapshot(project, server, replay_options, options)
    return Proof(revisions, diff_snapshots(reference, actual, diff_options))
