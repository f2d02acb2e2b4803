"""An ephemeral PostgreSQL cluster in a temp dir, started for one run and removed after it.

Why not pg_ctl: we start `postgres` as our own child with a parent-death signal, so even a
killed migcheck takes its cluster with it; the temp dir of a killed run is swept by the next
run. initdb output is cached per binary folder (a copy is ~5x faster than initdb), and the
server is tuned for throwaway data: no fsync, no WAL durability, unix socket only.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from migcheck.errors import InfrastructureError
from migcheck.server.base import Endpoint, Server, _alive
from migcheck.server.binaries import find_bindir, server_version

PORT = 5432  # only names the socket file; every cluster has its own socket folder
TMP_PREFIX = "migcheck-pg-"
SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_connections": "200",
    "shared_buffers": "128MB",
    "autovacuum": "off",
    "log_min_messages": "fatal",
    "logging_collector": "off",
}
_PR_SET_PDEATHSIG = 1


class EmbeddedServer(Server):
    kind = "embedded"

    def __init__(self, pg_bin: str | None = None) -> None:
        super().__init__()
        self.pg_bin = pg_bin
        self.bindir: Path | None = None
        self.tmp: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def describe(self) -> str:
        return f"embedded PostgreSQL {self.version} ({self.bindir})"

    def _start(self) -> Endpoint:
        _sweep_stale_dirs()
        bindir = find_bindir(self.pg_bin)
        run_as = _unprivileged_user()
        if run_as is not None:
            bindir = _readable_copy(bindir, run_as)
        self.bindir = bindir
        self.tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=_temp_base(run_as)))
        (self.tmp / "owner.pid").write_text(str(os.getpid()))
        data, sockets = self.tmp / "data", self.tmp / "run"
        sockets.mkdir()
        if run_as is not None:
            os.chmod(self.tmp, 0o711)
            os.chown(sockets, run_as.pw_uid, run_as.pw_gid)
        _init_cluster(bindir, data, run_as)
        self.process = _launch(bindir, data, sockets, run_as)
        _wait_ready(self.process, sockets, self.tmp / "postgres.log")
        return Endpoint(host=str(sockets), port=PORT, user="postgres")

    def _stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGQUIT)  # immediate shutdown: the data is throwaway
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        tmp, self.tmp = self.tmp, None
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _unprivileged_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root; as root we run it as `nobody`."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    for name in ("nobody", "daemon"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise InfrastructureError(
        "running as root and no unprivileged user (nobody) to run PostgreSQL as; "
        "run migcheck as a normal user"
    )


def _temp_base(user: pwd.struct_passwd | None) -> str:
    """Where the cluster lives: in memory (see _memory_folder) unless TMPDIR names a folder,
    else the temp folder, or /tmp when the server's user cannot reach the usual one."""
    memory = None if os.environ.get("TMPDIR") else _memory_folder()
    if memory is not None and (user is None or _traversable(Path(memory), user)):
        return memory
    base = tempfile.gettempdir()
    if user is None or _traversable(Path(base), user):
        return base
    if _traversable(Path("/tmp"), user):
        return "/tmp"
    raise InfrastructureError(
        f"{base}: user {user.pw_name} (who runs PostgreSQL) cannot enter it; "
        "set TMPDIR to a folder others may traverse"
    )


def _memory_folder() -> str | None:
    """/dev/shm when it has room to spare: a throwaway cluster needs no disk. On a slow
    disk, copying the cached cluster alone took a second (0.07 s in memory), and every table
    created or dropped costs file system work too."""
    try:
        stats = os.statvfs(_MEMORY)
    except OSError:
        return None
    room = stats.f_bavail * stats.f_frsize
    return _MEMORY if room >= _MEMORY_ROOM and os.access(_MEMORY, os.W_OK) else None


_MEMORY = "/dev/shm"
_MEMORY_ROOM = 2 * 1024**3  # containers often give /dev/shm 64 MB: not for us


def _traversable(path: Path, user: pwd.struct_passwd) -> bool:
    """Can `user` reach and execute `path`? (e.g. binaries under /root are not)."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if folder.stat().st_uid == user.pw_uid:
            continue
        if not mode & 0o001:
            return False
    return True


def _readable_copy(bindir: Path, user: pwd.struct_passwd) -> Path:
    """A copy of the installation the unprivileged user can execute, made once and cached."""
    if _traversable(bindir / "postgres", user):
        return bindir
    install = bindir.parent
    key = hashlib.sha256(str(install).encode()).hexdigest()[:12]
    target = Path(tempfile.gettempdir()) / f"migcheck-pginstall-{key}"
    if not (target / "bin" / "postgres").exists():
        staging = Path(tempfile.mkdtemp(prefix="migcheck-pginstall-staging-"))
        try:
            shutil.copytree(install, staging / "install", symlinks=True)
            os.chmod(staging / "install", 0o755)
            os.replace(staging / "install", target)
        except OSError:
            if not (target / "bin" / "postgres").exists():
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target / "bin"


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "migcheck" / "clusters"


# One-megabyte WAL segments: every start copies the cached cluster, and a 16 MB segment of
# zeros was 40% of it (PostgreSQL 11 and later; our servers hold throwaway data).
_INITDB = ("--wal-segsize=1",)


def _init_cluster(bindir: Path, data: Path, run_as: pwd.struct_passwd | None) -> None:
    """initdb into `data`, or copy a cached initdb result for the same binaries and user."""
    version = server_version(bindir)
    uid = run_as.pw_uid if run_as else os.geteuid()
    key = hashlib.sha256(f"{bindir}|{version}|{uid}|{_INITDB}".encode()).hexdigest()[:16]
    cached = _cache_dir() / key
    if cached.is_dir() and _copy_tree(cached, data):
        return
    data.mkdir(mode=0o700)
    if run_as is not None:
        os.chown(data, run_as.pw_uid, run_as.pw_gid)
    result = subprocess.run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "-N",
            *_INITDB,
        ],
        capture_output=True,
        text=True,
        user=run_as.pw_uid if run_as else None,
        group=run_as.pw_gid if run_as else None,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise InfrastructureError(f"initdb ({bindir}) failed: {last[0]}")
    _store_in_cache(data, cached)


def _copy_tree(source: Path, target: Path) -> bool:
    result = subprocess.run(["cp", "-a", str(source), str(target)], capture_output=True)
    return result.returncode == 0


def _store_in_cache(data: Path, cached: Path) -> None:
    """Keep a pristine copy of the initdb result; a failure here only costs speed."""
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=cached.parent, prefix=".staging-"))
        if _copy_tree(data, staging / "data"):
            os.replace(staging / "data", cached)
        shutil.rmtree(staging, ignore_errors=True)
    except OSError:
        pass


def _die_with_parent() -> None:
    """Runs in the child before exec: ask Linux to SIGQUIT postgres when migcheck dies."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGQUIT)
    os.setpgid(0, 0)  # a terminal's Ctrl-C reaches migcheck, which then stops postgres cleanly


def _launch(
    bindir: Path, data: Path, sockets: Path, run_as: pwd.struct_passwd | None
) -> subprocess.Popen[bytes]:
    args = [str(bindir / "postgres"), "-D", str(data), "-k", str(sockets), "-p", str(PORT)]
    for name, value in SETTINGS.items():
        args += ["-c", f"{name}={value.strip(chr(39))}"]
    log = open(data.parent / "postgres.log", "wb")  # noqa: SIM115 - handed to the child
    try:
        return subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            user=run_as.pw_uid if run_as else None,
            group=run_as.pw_gid if run_as else None,
            preexec_fn=_die_with_parent,
        )
    finally:
        log.close()


def _wait_ready(process: subprocess.Popen[bytes], sockets: Path, log: Path) -> None:
    conninfo = psycopg.conninfo.make_conninfo(
        host=str(sockets), port=str(PORT), user="postgres", dbname="postgres"
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise InfrastructureError(f"embedded PostgreSQL did not start: {tail[0]}")
        try:
            psycopg.connect(conninfo, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            time.sleep(0.02)
    raise InfrastructureError("embedded PostgreSQL did not accept connections within 60 s")


def _sweep_stale_dirs() -> None:
    """Remove temp dirs of embedded clusters whose migcheck process was killed."""
    bases = {Path(tempfile.gettempdir()), Path("/tmp"), Path(_MEMORY)}
    for folder in (f for base in bases for f in base.glob(f"{TMP_PREFIX}*")):
        try:
            pid = int((folder / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)
