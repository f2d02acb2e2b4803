"""migcheck: replay and verify Alembic migration histories on a fresh PostgreSQL."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("migcheck")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
