"""PaNET releases shipped with panet, and the label history built from them.

Versions come from release tags (the file's own ``owl:versionInfo`` is wrong in v1.1.x).

>>> [r.version for r in releases()][:2]
['1.0.0', '1.1.0']
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from panet.ontology import Ontology
    from panet.term import Term

__all__ = ["Release", "former_labels", "label_history", "releases"]


class Release:
    """One shipped PaNET release: version (tag without ``v``), file, tag date."""

    __slots__ = ("date", "file", "version")

    def __init__(self, version: str, file: str, date: str) -> None:
        self.version = version
        self.file = file  # relative to the shipped ontology/ folder
        self.date = date

    @property
    def path(self) -> str:
        """Absolute path of the release file."""
        from panet.loader import _shipped_file

        return _shipped_file(self.file)

    def load(self) -> Ontology:
        """This release as an `Ontology`."""
        from panet.loader import load

        return load(self.path)

    def __repr__(self) -> str:
        return f"Release({self.version!r}, {self.file!r}, {self.date!r})"


_SHIPPED = (
    Release("1.0.0", "releases/v1.0.0/PaNET.owl", "2021-06-18"),
    Release("1.1.0", "releases/v1.1.0/PaNET.owl", "2024-06-17"),
    Release("1.3.0", "releases/v1.3.0/PaNET.owl", "2025-10-21"),
)


def releases() -> tuple[Release, ...]:
    """Shipped releases, oldest first (the current build, `panet.load()`, comes after them)."""
    return _SHIPPED


_history: dict[str, tuple[tuple[str, str], ...]] | None = None


def label_history() -> dict[str, tuple[tuple[str, str], ...]]:
    """IRI -> ((version, label), ...) over the shipped releases, oldest first.

    Built once per process (each release index is itself cached on disk).
    """
    global _history  # noqa: PLW0603  (a process-wide memo of immutable data)
    if _history is None:
        found: dict[str, list[tuple[str, str]]] = {}
        for release in _SHIPPED:
            for term in release.load():
                found.setdefault(term.iri, []).append((release.version, term.label))
        _history = {iri: tuple(labels) for iri, labels in found.items()}
    return _history


def former_labels(onto: Ontology) -> dict[str, tuple[Term, str, str]]:
    """Labels from older releases that ``onto`` no longer carries: normalised label ->
    (today's term, the label as written, the last version that used it)."""
    from panet.text import normalize

    former: dict[str, tuple[Term, str, str]] = {}
    for iri, labels in label_history().items():
        term = onto.get(iri, kind="any")
        if term is None:
            continue
        current = {normalize(name) for name in term.names}
        for version, label in labels:
            key = normalize(label)
            if key not in current and not onto.terms_by_label(label):
                former[key] = (term, label, version)
    return former
