"""The pytest plugin in a real pytest run: opt-in, items per check and revision, failures
that name the revision line."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]

TABLE = 'op.create_table("colors", sa.Column("id", sa.Integer, primary_key=True))'


def plugin_args() -> list[str]:
    """Load the plugin by name unless its entry point (pyproject) already does."""
    installed = any(ep.value == "migcheck.pytest_plugin" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "migcheck.pytest_plugin"]


def server_url(server) -> str:
    return server.url("postgres", "default").render_as_string(hide_password=False)


@pytest.fixture
def broken_history(history):
    return history(
        a1=(None, TABLE, 'op.drop_table("colors")'),
        b2=("a1", TABLE.replace("colors", "sizes"), "pass"),  # its downgrade forgets sizes
        c3=("b2", 'op.execute("INSERT INTO colors VALUES (1, 2)")'),
        d4=("c3", 'op.execute("SELECT 1")'),
    )


def test_items_per_check_and_revision(pytester, server, broken_history) -> None:
    result = pytester.runpytest_subprocess(
        *plugin_args(),
        "--migcheck",
        "--migcheck-project",
        str(broken_history),
        "--migcheck-server",
        server_url(server),
        "-v",
        "-p",
        "no:cacheprovider",
    )
    result.stdout.fnmatch_lines(
        [
            "*alembic.ini::upgrade[[]a1[]] PASSED*",
            "*alembic.ini::upgrade[[]b2[]] PASSED*",
            "*alembic.ini::upgrade[[]c3[]] FAILED*",
            "*alembic.ini::upgrade[[]d4[]] SKIPPED*",
            "*alembic.ini::graph[[]history[]] PASSED*",
            "*alembic.ini::roundtrip[[]a1[]] PASSED*",
            "*alembic.ini::roundtrip[[]b2[]] FAILED*",
        ]
    )
    result.stdout.fnmatch_lines(["*upgrade failed at *002_c3.py:12*"])
    result.stdout.fnmatch_lines(["error MC202 *001_b2.py:15", "b2: the downgrade leaves *"])
    assert "reference[" not in result.stdout.str()  # no reference: nothing to compare
    assert "Traceback" not in result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_opt_in_through_pyproject_and_keyword_selection(
    pytester,
    server,
    broken_history,
) -> None:
    pytester.makepyprojecttoml(
        f"""
        [tool.migcheck]
        pytest = true
        project = "{broken_history}"
        server = "{server_url(server)}"
        """
    )
    result = pytester.runpytest_subprocess(*plugin_args(), "-k", "upgrade and a1", "-v")
    result.stdout.fnmatch_lines(["*upgrade[[]a1[]] PASSED*", "*1 passed*deselected*"])
    assert result.ret == pytest.ExitCode.OK


def test_does_nothing_unless_asked(pytester, broken_history) -> None:
    result = pytester.runpytest_subprocess(
        *plugin_args(), "--migcheck-project", str(broken_history)
    )
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_an_unloadable_history_is_one_failing_item(pytester, history) -> None:
    root = history(a1=("missing", "pass"))
    result = pytester.runpytest_subprocess(
        *plugin_args(), "--migcheck", "--migcheck-project", str(root), "-v"
    )
    result.stdout.fnmatch_lines(["*alembic.ini::load FAILED*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
