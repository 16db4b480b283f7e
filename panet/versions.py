"""PaNET versions shipped with panet, and the label history built from them.

Every release from v1.0.0 to v1.3.0 (v1.2.0 only as its ROBOT template: no OWL of it is in
the PaNET repository) and the current build, the default of `panet.load`. A version comes
from its release tag, never from the file's ``owl:versionInfo`` (v1.1.x says
"1.0.0-3-g6a0b629-dirty"); the current build's version is its ``git describe``.

>>> [r.name for r in releases()]
['v1.0.0', 'v1.1.0', 'v1.2.0', 'v1.3.0', 'current']
>>> find("latest").version, find("v1.1.0").file
('1.3.0', 'releases/v1.1.0/PaNET.owl')
"""

from __future__ import annotations

from panet.errors import UnknownVersion

TYPE_CHECKING = False
if TYPE_CHECKING:
    from panet.ontology import Ontology
    from panet.term import Term

__all__ = ["Release", "find", "former_labels", "label_history", "releases"]


class Release:
    """One shipped PaNET version: ``version`` (tag without ``v``), ``file`` (the build, or the
    ROBOT template when no build exists), ``source`` (its ROBOT template), ``date``, ``tag``
    (``None`` for the current, unreleased build)."""

    __slots__ = ("date", "file", "source", "tag", "version")

    def __init__(self, version: str, file: str, source: str, date: str, tag: str | None) -> None:
        self.version = version
        self.file = file  # relative to the shipped ontology/ folder
        self.source = source
        self.date = date
        self.tag = tag

    @property
    def name(self) -> str:
        """The release tag (``v1.1.0``), or ``current`` for the current build."""
        return self.tag or "current"

    @property
    def path(self) -> str:
        """Absolute path of the release file."""
        from panet.loader import shipped_path

        return str(shipped_path(self.file))

    def load(self) -> Ontology:
        """This release as an `Ontology`."""
        from panet.loader import load

        return load(self.path)

    def to_dict(self) -> dict[str, str | None]:
        """JSON-ready: name, version, date, file, source."""
        return {"name": self.name, "version": self.version, "date": self.date, "file": self.file, "source": self.source}

    def __repr__(self) -> str:
        return f"Release({self.name!r}, version={self.version!r}, file={self.file!r})"


_SHIPPED = (
    Release("1.0.0", "releases/v1.0.0/PaNET.owl", "releases/v1.0.0/PaNET.csv", "2021-06-18", "v1.0.0"),
    Release("1.1.0", "releases/v1.1.0/PaNET.owl", "releases/v1.1.0/PaNET.csv", "2024-06-17", "v1.1.0"),
    Release("1.2.0", "releases/v1.2.0/PaNET.csv", "releases/v1.2.0/PaNET.csv", "2024-12-16", "v1.2.0"),
    Release("1.3.0", "releases/v1.3.0/PaNET.owl", "releases/v1.3.0/PaNET.csv", "2025-10-21", "v1.3.0"),
    Release("1.3.0-48-g7011e6b", "PaNET_reasoned.owl", "PaNET.csv", "2026-04-16", None),
)


def releases() -> tuple[Release, ...]:
    """Shipped versions, oldest first; the last is the current build (`panet.load()`)."""
    return _SHIPPED


def find(version: str) -> Release:
    """The shipped version named ``version``: ``"1.1.0"``, ``"v1.1.0"``, ``"current"`` (the
    current build, the default of `panet.load`) or ``"latest"`` (the newest *release*, v1.3.0,
    what the PURL http://purl.org/pan-science/PaNET/PaNET.owl serves); `UnknownVersion` else."""
    wanted = version.strip()
    if wanted.lower() == "latest":
        return [r for r in _SHIPPED if r.tag][-1]
    for release in _SHIPPED:
        if wanted.lower() in (release.name, release.version, release.tag and release.tag.lower()):
            return release
    raise UnknownVersion(version, (*(r.name for r in _SHIPPED), "latest"))


_history: dict[str, tuple[tuple[str, str], ...]] | None = None


def label_history() -> dict[str, tuple[tuple[str, str], ...]]:
    """IRI -> ((version, label), ...) over every shipped version, oldest first.

    Built once per process (each version's index is itself cached on disk).
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
    """Labels that other shipped versions give to terms of ``onto``, which ``onto`` no longer
    (or not yet) uses for any term: normalised label -> (the term in ``onto``, the label as
    written, the last version that used it). Where a technique and a specifier shared an old
    label (v1.3.0's 'microfocussed probe'), the technique keeps it, as lookups prefer techniques."""
    from panet.text import normalize

    by_iri = {term.iri: term for term in onto}
    former: dict[str, tuple[Term, str, str]] = {}
    for iri, labels in label_history().items():
        term = by_iri.get(iri)
        if term is None:
            continue
        current = {normalize(name) for name in term.names}
        for version, label in labels:
            key = normalize(label)
            if key in current or onto.terms_by_label(label):
                continue
            seen = former.get(key)  # a label a technique and a specifier shared: the technique keeps it
            if seen is None or seen[0].kind == term.kind or term.kind == "technique":
                former[key] = (term, label, version)
    return former
