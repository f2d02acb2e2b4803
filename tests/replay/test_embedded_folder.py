"""Where the embedded cluster lives: in memory when /dev/shm has room, unless TMPDIR says."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from migcheck.server import embedded
from migcheck.server.embedded import EmbeddedServer


def test_cluster_lives_in_memory_unless_tmpdir_names_a_folder(monkeypatch) -> None:
    monkeypatch.delenv("TMPDIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() caches TMPDIR
    with EmbeddedServer() as server:
        assert server.tmp is not None
        assert str(server.tmp.parent) == (embedded._memory_folder() or tempfile.gettempdir())
        folder = server.tmp
    assert not folder.exists()

    chosen = Path(tempfile.mkdtemp(prefix="migcheck-test-tmp-", dir="/tmp"))
    chosen.chmod(0o711)  # the server's unprivileged user must enter it
    try:
        monkeypatch.setenv("TMPDIR", str(chosen))
        monkeypatch.setattr(tempfile, "tempdir", None)
        with EmbeddedServer() as server:
            assert server.tmp is not None and server.tmp.parent == chosen
        assert list(chosen.iterdir()) == []
    finally:
        shutil.rmtree(chosen, ignore_errors=True)


@pytest.mark.skipif(embedded._memory_folder() is None, reason="no roomy /dev/shm here")
def test_a_small_memory_folder_is_not_used(monkeypatch) -> None:
    monkeypatch.setattr(embedded, "_MEMORY_ROOM", 1024**5)  # more than any machine has
    assert embedded._memory_folder() is None
