"""`migcheck replay` as users run it: exit codes, one-line errors, nothing left behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from migcheck.server.container import docker_available

TABLE = 'op.create_table("{0}", sa.Column("id", sa.Integer, primary_key=True))'


def migcheck(*args: str, env: dict[str, str] | None = None, timeout: int = 120):
    return subprocess.run(
        [sys.executable, "-m", "migcheck", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def server_url(server) -> str:
    return server.url("postgres", "default").render_as_string(hide_password=False)


def our_temp_dirs(folder: Path | None = None) -> set[str]:
    return {p.name for p in (folder or Path(tempfile.gettempdir())).glob("migcheck-pg-*")}


def postgres_pids(data_under: Path) -> set[int]:
    """PostgreSQL processes whose data folder lies under `data_under`."""
    pattern = f"postgres -D {data_under}"
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


@pytest.fixture
def traversable_tmp():
    """A private TMPDIR that the server's unprivileged user may enter (pytest's may not)."""
    folder = Path(tempfile.mkdtemp(prefix="migcheck-test-tmp-", dir="/tmp"))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def one_line_error(result, code: int, *fragments: str) -> None:
    assert result.returncode == code, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("migcheck: error:")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in errors[0]


def test_replay_against_url_server_and_json(history, server, tmp_path) -> None:
    root = history(
        a1=(None, TABLE.format("colors"), 'op.drop_table("colors")'),
        b2=("a1", 'op.execute("INSERT INTO colors VALUES (1)")'),
    )
    out = tmp_path / "result.json"
    result = migcheck("replay", str(root), "--server", server_url(server), "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "2 revisions: 2 applied, 0 failed, 0 skipped" in result.stdout
    data = json.loads(out.read_text())
    assert data["schema_version"] == 1
    assert data["server"]["kind"] == "url"
    assert [r["status"] for r in data["revisions"]] == ["ok", "ok"]


def test_failed_revision_exits_1_naming_file_and_line(history, server) -> None:
    root = history(
        a1=(None, TABLE.format("colors"), 'op.drop_table("colors")'),
        b2=("a1", 'op.execute("INSERT INTO colors VALUES (1, 2)")'),
    )
    result = migcheck("replay", str(root), "--server", server_url(server))
    assert result.returncode == 1
    assert "001_b2.py:12" in result.stdout
    assert "INSERT has more expressions than target columns" in result.stdout


@pytest.mark.parametrize(
    ("case", "fragments"),
    [
        ("missing", ("no such file or folder",)),
        ("broken_env", ("env.py:3", "env.py failed: NameError")),
        ("syntax", ("001_b2.py:", "syntax error in revision file")),
        ("missing_down", ("001_b2.py:6: down_revision or depends_on names 'zz9'",)),
        ("cycle", ("broken revision graph: Cycle is detected in revisions (a1, b2)",)),
    ],
)
def test_bad_input_is_one_line_exit_2(history, tmp_path, traversable_tmp, case, fragments) -> None:
    revisions = {"a1": (None, TABLE.format("colors")), "b2": ("a1", "pass")}
    env = None
    if case == "broken_env":
        env = "from alembic import context\n\nundefined_name.configure()\n"
    if case == "syntax":
        revisions["b2"] = "revision = 'b2'\ndown_revision = 'a1'\ndef upgrade(:\n"
    if case == "missing_down":
        revisions["b2"] = ("zz9", "pass")
    if case == "cycle":
        revisions["a1"] = ("b2", "pass")
    root = history(env=env, **revisions) if env else history(**revisions)
    target = tmp_path / "nowhere" if case == "missing" else root
    private_tmp = traversable_tmp
    result = migcheck(
        "replay", str(target), "--server", "embedded", env={"TMPDIR": str(private_tmp)}
    )
    one_line_error(result, 2, *fragments)
    assert list(private_tmp.iterdir()) == []  # nothing of ours left in the temp dir


def test_unreachable_server_is_infrastructure_error(history) -> None:
    root = history(a1=(None, TABLE.format("colors")))
    result = migcheck("replay", str(root), "--server", "postgresql://nobody@127.0.0.1:9/x")
    one_line_error(result, 3, "cannot connect to PostgreSQL")


def test_no_binaries_and_no_docker_is_infrastructure_error(history) -> None:
    root = history(a1=(None, TABLE.format("colors")))
    result = migcheck(
        "replay", str(root), "--server", "embedded", env={"MIGCHECK_PG_BIN": "/nonexistent/bin"}
    )
    one_line_error(result, 3, "/nonexistent/bin", "--pg-bin")


def test_sigint_mid_replay_leaves_nothing_behind(history, traversable_tmp) -> None:
    root = history(
        a1=(None, TABLE.format("colors")),
        b2=("a1", 'op.execute("SELECT pg_sleep(30)")'),
    )
    private_tmp = traversable_tmp
    process = subprocess.Popen(
        [sys.executable, "-m", "migcheck", "replay", str(root), "--server", "embedded"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(private_tmp)},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not our_temp_dirs(private_tmp):
        time.sleep(0.1)
    time.sleep(2.0)  # inside pg_sleep by now
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    time.sleep(0.5)
    assert list(private_tmp.iterdir()) == []
    assert postgres_pids(private_tmp) == set()


def test_two_runs_against_one_server_do_not_collide(history, server) -> None:
    root = history(
        a1=(None, TABLE.format("colors"), 'op.drop_table("colors")'),
        b2=("a1", 'op.execute("SELECT pg_sleep(1)")'),
    )
    command = [sys.executable, "-m", "migcheck", "replay", str(root), "--server"]
    runs = [
        subprocess.Popen([*command, server_url(server)], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert all("2 applied" in out for out in outputs)
    with server.admin() as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'migcheck%'")
        names = [name for (name,) in rows.fetchall()]
    assert [n for n in names if not n.startswith(f"migcheck_{server.run_id}_")] == []


@pytest.mark.container
@pytest.mark.skipif(not docker_available(), reason="no Docker engine answers on this machine")
def test_container_server(history) -> None:
    image = os.environ.get("MIGCHECK_TEST_IMAGE", "postgres:16")
    root = history(a1=(None, TABLE.format("colors"), 'op.drop_table("colors")'))
    result = migcheck(
        "replay", str(root), "--server", f"container:{image}", env={"TC_MAX_TRIES": "60"}
    )
    assert result.returncode == 0, result.stderr
    assert "in container" in result.stderr
    assert "1 applied" in result.stdout
