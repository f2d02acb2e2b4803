"""Revision order as the files state it (down_revision, depends_on), without importing them.

Enough to answer two questions for the data rules: is a table a revision writes to created only
by a later revision (a descendant), so that on a fresh database the write runs first? Tables
created on a parallel branch are left to the branch-order checks (MC4xx). And does an ancestor
insert the row a revision looks up (MC702)? A row inserted on a parallel branch does not count:
on a fresh database that branch may not have run yet.
"""

from __future__ import annotations

from migcheck.lint.facts import Action, Kind, Lookup, RevisionFacts, TableName


class History:
    def __init__(self, revisions: list[RevisionFacts]) -> None:
        self._parents = {r.revision: r.parents for r in revisions if r.revision}
        self._ancestors: dict[str, frozenset[str]] = {}
        self._creators: dict[str, list[tuple[TableName, str]]] = {}
        self._inserts: dict[str, list[tuple[Action, str]]] = {}
        for revision in revisions:
            if revision.revision:
                for table in revision.created_tables():
                    self._creators.setdefault(table.name.lower(), []).append(
                        (table, revision.revision)
                    )
                for action in revision.upgrade(Kind.INSERT):
                    if action.table is not None and action.literals:
                        self._inserts.setdefault(action.table.name.lower(), []).append(
                            (action, revision.revision)
                        )

    def ancestors(self, revision: str) -> frozenset[str]:
        """Every revision that runs before `revision` on the way up from base."""
        stack, entered = [revision], set()
        while stack:
            top = stack[-1]
            if top in self._ancestors:
                stack.pop()
                continue
            parents = self._parents.get(top, ())
            pending = [p for p in parents if p not in self._ancestors]
            if pending and top not in entered:  # a cycle would re-enter: Alembic rejects those
                entered.add(top)
                stack.extend(pending)
                continue
            found: set[str] = set(parents)
            for parent in parents:
                found |= self._ancestors.get(parent, frozenset())
            self._ancestors[top] = frozenset(found)
            stack.pop()
        return self._ancestors[revision]

    def created_later(self, revision: str, table: TableName) -> str | None:
        """The descendant that creates `table`, when no ancestor (nor `revision`) does."""
        creators = [r for t, r in self._creators.get(table.name.lower(), ()) if t.same(table)]
        if not creators:
            return None
        before = self.ancestors(revision) | {revision}
        if any(c in before for c in creators):
            return None
        later = sorted(c for c in creators if revision in self.ancestors(c))
        return later[0] if later else None

    def inserted_by_ancestor(self, revision: str, lookup: Lookup) -> str | None:
        """The first ancestor (by id) whose upgrade inserts the row `lookup` looks for.

        Later deletes of that row are not followed: a history deleting reference data that
        later revisions still look up is rare enough to leave to the replay.
        """
        candidates = self._inserts.get(lookup.table.name.lower(), ())
        if not lookup.keys or not candidates:
            return None
        before = self.ancestors(revision)
        found = sorted(r for a, r in candidates if r in before and lookup.found_by(a))
        return found[0] if found else None
