"""What changed between two PaNET versions: `diff`.

Terms are matched by IRI. A label changed when it differs after stripping and case-folding
(so 'spin echo  scattering' → 'spin echo scattering' counts, a trailing space does not).
Parents are the direct superclasses of the inferred hierarchy (what a built PaNET.owl
asserts); ancestors are all inferred superclasses. Object properties are compared apart from
terms and counted with them in `Diff.summary`.

>>> import panet
>>> change = panet.diff("v1.2.0", "v1.3.0")
>>> change.summary()["added"], change.summary()["removed"], [c.after for c in change.relabelled]
(136, 1, ['grazing incidence wide angle x-ray scattering'])
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, NamedTuple

from panet.ontology import Ontology
from panet.term import Term

__all__ = ["Change", "Diff", "diff"]


class Change(NamedTuple):
    """One changed item of a term (or property IRI): its value ``before`` and ``after``."""

    term: Term | str
    before: Any
    after: Any


class Diff:
    """The changes from ``old`` to ``new``; every field is a tuple in IRI order."""

    __slots__ = (
        "added",
        "ancestors_changed",
        "new",
        "old",
        "parents_changed",
        "properties_added",
        "properties_relabelled",
        "properties_removed",
        "relabelled",
        "removed",
        "synonyms_changed",
    )

    def __init__(self, old: Ontology, new: Ontology) -> None:
        self.old = old
        self.new = new
        before = {t.iri: t for t in old}
        after = {t.iri: t for t in new}
        kept = [(before[iri], after[iri]) for iri in sorted(before.keys() & after.keys())]
        self.added: tuple[Term, ...] = tuple(after[iri] for iri in sorted(after.keys() - before.keys()))
        self.removed: tuple[Term, ...] = tuple(before[iri] for iri in sorted(before.keys() - after.keys()))
        self.relabelled = tuple(Change(b, a.label, b.label) for a, b in kept if _differ(a.label, b.label))
        self.synonyms_changed = tuple(
            Change(b, a.synonyms, b.synonyms) for a, b in kept if set(a.synonyms) != set(b.synonyms)
        )
        self.parents_changed = self._changed(kept, "parents")
        self.ancestors_changed = self._changed(kept, "ancestors")
        old_props, new_props = old.properties, new.properties
        self.properties_added = tuple(
            Change(p, None, new_props[p]) for p in sorted(new_props.keys() - old_props.keys())
        )
        self.properties_removed = tuple(
            Change(p, old_props[p], None) for p in sorted(old_props.keys() - new_props.keys())
        )
        self.properties_relabelled = tuple(
            Change(p, old_props[p], new_props[p])
            for p in sorted(old_props.keys() & new_props.keys())
            if _differ(old_props[p], new_props[p])
        )

    def _changed(self, kept: list[tuple[Term, Term]], relation: str) -> tuple[Change, ...]:
        changes = []
        for a, b in kept:
            above_old = {t.iri: t for t in getattr(self.old, relation)(a)}
            above_new = {t.iri: t for t in getattr(self.new, relation)(b)}
            if above_old.keys() != above_new.keys():
                changes.append(Change(b, _sorted(above_old.values()), _sorted(above_new.values())))
        return tuple(changes)

    def left(self, key: Term | str) -> tuple[Term, ...]:
        """Terms below ``key`` in ``old`` that are no longer below it in ``new``.

        >>> import panet
        >>> len(panet.diff("v1.3.0", "current").left("PaNET00001"))
        20
        """
        return self._moved(key, leaving=True)

    def joined(self, key: Term | str) -> tuple[Term, ...]:
        """Terms below ``key`` in ``new`` that were not below it in ``old`` (though present)."""
        return self._moved(key, leaving=False)

    def _moved(self, key: Term | str, leaving: bool) -> tuple[Term, ...]:
        root = self.new[key].iri if key in self.new else self.old[key].iri
        moved: list[Term] = []
        for change in self.ancestors_changed:
            was = any(t.iri == root for t in change.before)
            now = any(t.iri == root for t in change.after)
            if (was and not now) if leaving else (now and not was):
                moved.append(change.term)  # type: ignore[arg-type]  # hierarchy changes are of terms
        return tuple(moved)

    def summary(self) -> dict[str, int]:
        """Counts; ``added``, ``removed`` and ``relabelled`` include object properties."""
        return {
            "added": len(self.added) + len(self.properties_added),
            "removed": len(self.removed) + len(self.properties_removed),
            "relabelled": len(self.relabelled) + len(self.properties_relabelled),
            "synonyms_changed": len(self.synonyms_changed),
            "parents_changed": len(self.parents_changed),
            "ancestors_changed": len(self.ancestors_changed),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: versions, summary counts and every change."""

        def ref(t: Term) -> dict[str, str]:
            return {"iri": t.iri, "id": t.id, "label": t.label}

        def terms(values: Iterable[Term | str]) -> list[dict[str, str] | str]:
            return [ref(t) if isinstance(t, Term) else t for t in values]

        def change(c: Change) -> dict[str, Any]:
            subject = {"iri": c.term} if isinstance(c.term, str) else ref(c.term)
            before, after = (terms(v) if isinstance(v, tuple) else v for v in (c.before, c.after))
            return {**subject, "before": before, "after": after}

        return {
            "old": {"version": self.old.version, "path": self.old.path},
            "new": {"version": self.new.version, "path": self.new.path},
            "summary": self.summary(),
            "added": terms(self.added),
            "removed": terms(self.removed),
            **{
                name: [change(c) for c in getattr(self, name)]
                for name in (
                    "relabelled",
                    "synonyms_changed",
                    "parents_changed",
                    "ancestors_changed",
                    "properties_added",
                    "properties_removed",
                    "properties_relabelled",
                )
            },
        }

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.summary().items())
        return f"<Diff {self.old.version} -> {self.new.version}: {counts}>"


def diff(old: Ontology | str | os.PathLike[str], new: Ontology | str | os.PathLike[str]) -> Diff:
    """Changes from ``old`` to ``new``: each an `Ontology`, a shipped version (``"1.2.0"``,
    ``"v1.3.0"``, ``"current"``, ``"latest"``) or a file path (`panet.shipped.resolve_ontology`)."""
    return Diff(_ontology(old), _ontology(new))


def _ontology(which: Ontology | str | os.PathLike[str]) -> Ontology:
    from panet.loader import load

    return which if isinstance(which, Ontology) else load(which)


def _differ(a: str, b: str) -> bool:
    return a.strip().casefold() != b.strip().casefold()


def _sorted(terms: Iterable[Term]) -> tuple[Term, ...]:
    return tuple(sorted(terms, key=lambda t: t.iri))
