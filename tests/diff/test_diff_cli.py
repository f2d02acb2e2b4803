"""`migcheck diff` and `migcheck dump` as users run them, on the sample histories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from migcheck.model import RunResult

SAMPLES = Path(__file__).resolve().parents[2] / "sample_migrations"
GUARDED = SAMPLES / "colors_guarded"
VERSIONS = "sample_migrations/colors_guarded/versions"


def migcheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migcheck", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=SAMPLES.parent,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


@pytest.fixture
def url(server) -> str:
    """Run the CLI against the session's server: no cluster start per test."""
    return server.url("postgres", "default").render_as_string(hide_password=False)


def databases(server) -> set[str]:
    with server.admin() as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()}


def test_guarded_colors_report_the_developer_rows_with_blame(url, tmp_path):
    result_file = tmp_path / "result.json"
    done = migcheck(
        "diff", str(GUARDED), "--reference", str(GUARDED / "reference.sql"),
        "--server", url, "--json", str(result_file),
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert (
        "  MC611 row product_attributes.colors(name_en='Off-white', parent_color='White'): "
        "in reference, missing after replay  [no revision inserts it; 'Off-white' appears in "
        f"{VERSIONS}/20260107_2142_add_parent_color_and_new_colors.py:58 (20260107_2142)]"
    ) in lines
    assert (
        "  MC611 row product_attributes.colors(name_en='Indigo', parent_color='Blue'): "
        "in reference, missing after replay  [no revision inserts it; 'Indigo' appears in "
        f"{VERSIONS}/20260113_1200_add_indigo_color.py:48 (20260113_1200)]"
    ) in lines
    assert (
        "  MC611 row product_attributes.colors(name_en='Brown'): in reference, missing after "
        "replay  [no revision inserts it]"
    ) in lines
    assert (
        "  MC601 constraint product_attributes.sizes_normalized.uq_sizes_normalized_name: in "
        "reference, missing after replay  [no revision creates it; 'uq_sizes_normalized_name' "
        f"appears in {VERSIONS}/20260106_1400_rename_sizes_to_sizes_normalized.py:74 "
        "(20260106_1400)]"
    ) in lines
    assert lines[-1] == "8 difference(s)"

    result = RunResult.from_dict(json.loads(result_file.read_text()))
    assert result.command == "diff"
    assert sorted(f.code for f in result.findings) == ["MC601", "MC602"] + ["MC611"] * 6
    off_white = next(f for f in result.findings if "Off-white" in f.message)
    assert (off_white.location.revision, off_white.location.line) == ("20260107_2142", 58)
    assert off_white.location.path.endswith("20260107_2142_add_parent_color_and_new_colors.py")
    assert len(result.extras["diff"]["differences"]) == 8


def test_a_clean_history_against_its_own_reference_is_clean(url):
    clean = SAMPLES / "clean_shop"
    done = migcheck("diff", str(clean), "-r", str(clean / "reference.sql"), "--server", url)
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "no differences"), done.stderr


def test_a_written_reference_round_trips_and_is_byte_identical(url, tmp_path):
    clean = SAMPLES / "clean_shop"
    first, second = tmp_path / "first.sql", tmp_path / "second.sql"
    for target in (first, second):
        done = migcheck("dump", str(clean), "-o", str(target), "--server", url)
        assert done.returncode == 0, done.stderr
    assert first.read_bytes() == second.read_bytes()
    done = migcheck("diff", str(clean), "-r", str(first), "--server", url)
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "no differences"), done.stderr


def test_a_history_that_fails_writes_no_reference(url, tmp_path):
    target = tmp_path / "ref.sql"
    done = migcheck("dump", str(SAMPLES / "colors_broken"), "-o", str(target), "--server", url)
    assert done.returncode == 1
    assert "migcheck dump: revision 20260107_2142 failed (foreign-key violation" in done.stderr
    assert not target.exists() and list(tmp_path.iterdir()) == []


BAD_DUMPS = {
    "truncated": (
        "--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE t (id int);\n",
        "{path}:6: truncated: the file stops here, before pg_dump's closing "
        "'-- PostgreSQL database dump complete' line; dump it again",
    ),
    "no dump": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00",
        "{path}: not a SQL dump or pg_dump archive (binary content)",
    ),
    "extension": (
        "CREATE EXTENSION postgis;\n",
        '{path}:1: the dump needs extension "postgis", which ',
    ),
}


@pytest.mark.parametrize("case", list(BAD_DUMPS))
def test_bad_input_is_one_line_exit_2_and_leaves_nothing(url, server, tmp_path, case):
    content, expected = BAD_DUMPS[case]
    path = tmp_path / "bad.sql"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = databases(server)
    done = migcheck("diff", str(SAMPLES / "clean_shop"), "-r", str(path), "--server", url)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("migcheck: error:")]
    assert len(errors) == 1 and errors[0].startswith(
        "migcheck: error: " + expected.format(path=path)
    ), done.stderr
    assert databases(server) == before
    assert list(tmp_path.iterdir()) == [path]


def test_an_unreachable_reference_url_is_exit_2(url, server):
    before = databases(server)
    done = migcheck(
        "diff", str(SAMPLES / "clean_shop"), "-r", "postgresql://app:pw@127.0.0.1:1/staging",
        "--server", url,
    )  # fmt: skip
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith(
            "migcheck: error: reference postgresql://app:***@127.0.0.1:1/staging: cannot connect ("
        )
    )
    assert databases(server) == before
