"""Baseline files: today's findings recorded, so a legacy history fails only on new ones.

The file is JSON, sorted and stable for review in a diff:

    {"version": 1, "findings": {"MC701|3f2a9c|table colors": 2, ...}}

keyed by `Finding.fingerprint()` (code, revision, subject: it survives line moves) with how
many findings share the fingerprint. Any check's findings can be recorded and filtered, so
one baseline serves lint and every check of `migcheck run`:

    counts = baseline.write(findings, path)           # record
    new, known = baseline.load(path).filter(findings)  # gate on `new` only
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from migcheck.config import Settings
from migcheck.errors import InputError
from migcheck.model import Finding

DEFAULT_NAME = ".migcheck-baseline.json"
FORMAT_VERSION = 1


@dataclass
class Baseline:
    counts: dict[str, int] = field(default_factory=dict)
    path: Path | None = None

    def filter(self, findings: Iterable[Finding]) -> tuple[list[Finding], int]:
        """(findings not covered by the baseline, how many it covered)."""
        remaining = Counter(self.counts)
        new: list[Finding] = []
        known = 0
        for finding in findings:
            key = finding.fingerprint()
            if remaining[key] > 0:
                remaining[key] -= 1
                known += 1
            else:
                new.append(finding)
        return new, known


def default_path(settings: Settings) -> Path:
    """[tool.migcheck] baseline (relative to the pyproject), else .migcheck-baseline.json
    beside the pyproject.toml (or alembic.ini when there is none)."""
    configured = settings.get("baseline")
    if configured is not None and not isinstance(configured, str):
        raise InputError(f"{settings.source}: [tool.migcheck] baseline must be a file path")
    return settings.root / (configured or DEFAULT_NAME)


def load(path: Path, required: bool = False) -> Baseline:
    """The baseline at `path`; a missing file is an empty baseline unless `required`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if required:
            raise InputError(
                f"{path}: no such baseline file; create it with `migcheck baseline`"
            ) from None
        return Baseline(path=path)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable baseline file ({exc}); regenerate it") from None
    is_baseline = isinstance(data, dict) and data.get("version") == FORMAT_VERSION
    counts = data.get("findings") if is_baseline else None
    if not isinstance(counts, dict):
        raise InputError(
            f"{path}: not a migcheck baseline (version {FORMAT_VERSION}); regenerate it"
        )
    if not all(isinstance(k, str) and isinstance(v, int) and v > 0 for k, v in counts.items()):
        raise InputError(f"{path}: baseline entries must map fingerprints to positive counts")
    return Baseline(counts=counts, path=path)


def write(findings: Iterable[Finding], path: Path) -> Baseline:
    """Record `findings` at `path` (replacing the file) and return what was recorded."""
    counts = dict(sorted(Counter(f.fingerprint() for f in findings).items()))
    document = {"version": FORMAT_VERSION, "findings": counts}
    try:
        path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write the baseline ({exc.strerror})") from None
    return Baseline(counts=counts, path=path)
