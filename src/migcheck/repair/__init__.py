"""Repair: write the fix, not only the complaint.

- `revision.py`: a new revision on the head that brings a fresh replay to the reference
  (schema via `plan.py` + `objects.py`, reference rows via `rows.py`), written by Alembic
  and proved by a replay (`prove.py`) before it is moved into the project;
- `downgrades.py`: the operations a revision's downgrade misses, as a patch;
- `squash.py`: one baseline revision instead of the revisions up to REV;
- `pysource.py`: the Python they are written in, laid out as `ruff format` would.
"""
