"""Replay an Alembic history on a throwaway database, one revision at a time, with capture."""
