"""`migcheck repair` and `migcheck squash` from the command line (in-process, embedded
server): the field report's sample repaired until `migcheck run --reference` passes, dry
runs, failed proofs that leave nothing behind, and one-line errors for bad input."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from repairkit import SAMPLES, assert_golden, cli

import migcheck.repair.revision as revision_module

EMBEDDED = ("--server", "embedded")


def _sample(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(SAMPLES / name, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _versions(root: Path) -> set[str]:
    return {p.name for p in (root / "versions").glob("*.py")}


def _leftovers() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("migcheck-repair-*")} | {
        p.name for p in Path(tempfile.gettempdir()).glob("migcheck-patched-*")
    }


def test_colors_guarded_repaired_until_run_passes(tmp_path, capsys, monkeypatch):
    """The seeds' sample: White and Blue missing (so Off-white and Indigo were skipped),
    Grey and Brown from the admin UI, the renamed constraint; then the enum the downgrade
    of 20260104_1500 leaves behind. After both, `migcheck run --reference` passes."""
    monkeypatch.chdir(tmp_path)
    root = _sample(tmp_path, "colors_guarded")
    reference = str(root / "reference.sql")
    before = _versions(root)
    code, out, err = cli(
        capsys, "repair", str(root), "-r", reference, "--rev-id", "20260301_1200", *EMBEDDED
    )
    assert code == 0, out + err
    written = _versions(root) - before
    assert len(written) == 1
    text = (root / "versions" / written.pop()).read_text()
    assert_golden("colors_guarded_repair.py.txt", text)  # the sample's template
    assert "proof: 11 revisions replayed on a fresh database, 0 difference(s)" in out

    code, patch, err = cli(capsys, "repair", str(root), "--downgrades", *EMBEDDED)
    assert code == 0, patch + err
    assert 'op.execute("DROP TYPE product_attributes.color_family")' in patch
    assert "proof: with the patch, the round trip of 20260104_1500" in err
    subprocess.run(["git", "apply", "-"], input=patch, text=True, check=True, cwd=tmp_path)

    code, out, err = cli(capsys, "run", str(root), "--reference", reference, *EMBEDDED)
    assert code == 0, out + err


def test_colors_broken_is_refused_until_its_revisions_apply(tmp_path, capsys):
    root = _sample(tmp_path, "colors_broken")
    before = _versions(root)
    code, _out, err = cli(capsys, "repair", str(root), "-r", str(root / "reference.sql"), *EMBEDDED)
    assert code == 1
    assert "fails on a fresh database" in err and "fix it first" in err
    assert _versions(root) == before


def test_dry_run_prints_the_revision_and_writes_nothing(tmp_path, capsys):
    root = _sample(tmp_path, "colors_guarded")
    before = _versions(root)
    code, out, err = cli(
        capsys, "repair", str(root), "-r", str(root / "reference.sql"), "--dry-run", *EMBEDDED
    )
    assert code == 0, out + err
    assert "def upgrade() -> None:" in out and "ON CONFLICT (name_en) DO NOTHING" in out
    assert "sizes_name_key TO uq_sizes_normalized_name" in out
    assert "proof: 11 revisions replayed" in out
    assert _versions(root) == before


def test_failed_proof_leaves_nothing_behind(tmp_path, capsys, monkeypatch):
    """A plan that does not reach the reference (here: rows left out on purpose) is
    reported with what still differs, and neither the file nor a staging folder remains."""
    monkeypatch.setattr(revision_module, "plan_rows", lambda *args: [])
    root = _sample(tmp_path, "colors_guarded")
    before, temporary = _versions(root), _leftovers()
    code, out, _err = cli(capsys, "repair", str(root), "-r", str(root / "reference.sql"), *EMBEDDED)
    assert code == 1
    assert "proof FAILED" in out and "MC611" in out and "nothing written" in out
    assert _versions(root) == before
    assert _leftovers() == temporary


def test_nothing_to_repair(tmp_path, capsys):
    root = _sample(tmp_path, "clean_shop")
    code, out, err = cli(capsys, "repair", str(root), "-r", str(root / "reference.sql"), *EMBEDDED)
    assert code == 0, out + err
    assert "nothing to repair" in out


def test_squash_keeps_the_revision_id_and_proves_equality(tmp_path, capsys):
    root = _sample(tmp_path, "clean_shop")
    before = _versions(root)
    code, out, err = cli(capsys, "squash", str(root), "--to", "6c2a9e4f0d87", *EMBEDDED)
    assert code == 0, out + err
    assert "replay to the same catalog snapshot and data" in out
    after = _versions(root)
    assert len(after) == 3  # the baseline and the two revisions after 6c2a9e4f0d87
    (baseline,) = after - before
    text = (root / "versions" / baseline).read_text()
    assert "revision: str = '6c2a9e4f0d87'" in text
    assert "down_revision: Union[str, Sequence[str], None] = None" in text
    code, out, err = cli(capsys, "run", str(root), *EMBEDDED)
    assert code == 0, out + err


def test_squash_dry_run_changes_nothing(tmp_path, capsys):
    root = _sample(tmp_path, "colors_guarded")
    before = _versions(root)
    code, out, err = cli(
        capsys, "squash", str(root), "--to", "20260114_0900", "--dry-run", *EMBEDDED
    )
    assert code == 0, out + err
    assert "revision: str = '20260114_0900'" in out
    assert _versions(root) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("repair", "{root}", *EMBEDDED), "no reference: pass --reference"),
        (("repair", "{root}", "-r", "{root}/nope.sql", *EMBEDDED), "nope.sql: no such file"),
        (("repair", "{root}", "-r", "{root}/README.md", *EMBEDDED), "not a SQL dump"),
        (("repair", "{root}", "-r", "{root}/reference.sql", "-m", " "), "--message is empty"),
        (("repair", "{root}/missing", "-r", "{root}/reference.sql"), "no such file or folder"),
        (("squash", "{root}", "--to", "nope", *EMBEDDED), "--to nope: no such revision"),
        (
            ("squash", "{root}", "--to", "2b8f6a0d4e71", *EMBEDDED),
            "builds on 9c3e7b1d5f28, which the squash to 2b8f6a0d4e71 would remove",
        ),
    ],
)
def test_bad_input_is_one_line(tmp_path, capsys, args, message):
    root = _sample(tmp_path, "clean_shop")
    before = _versions(root)
    code, out, err = cli(capsys, *(a.format(root=root) for a in args))
    assert code == 2, out + err
    assert message in err
    assert "Traceback" not in err
    assert _versions(root) == before
