"""`Term`: one PaNET class, an immutable value compared by IRI."""

from __future__ import annotations

TYPE_CHECKING = False  # importing typing costs 2 ms; this idiom keeps `import panet` cheap
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, Literal

    Kind = Literal["technique", "specifier"]

__all__ = ["NAMESPACE", "PREFIX", "Term", "by_label", "local_id"]

NAMESPACE = "http://purl.org/pan-science/PaNET/"
PREFIX = "panet"
# Spellings of the namespace seen in the wild, case-folded: CURIE prefixes, https, the
# v1.0 "www." host, and the RDF/XML default namespace "PaNET.owl#".
_ID_PREFIXES = tuple(
    p.casefold()
    for p in (  # a prefix of another comes after it
        "https://purl.org/pan-science/PaNET/PaNET.owl#",
        "http://purl.org/pan-science/PaNET/PaNET.owl#",
        "https://www.purl.org/pan-science/PaNET/",
        "http://www.purl.org/pan-science/PaNET/",
        "https://purl.org/pan-science/PaNET/",
        NAMESPACE,
        "panet:",
    )
)


def local_id(key: str) -> str:
    """The case-folded local ID an IRI or CURIE names; any other key comes back folded.

    >>> local_id("PaNET:PaNET01188"), local_id("https://purl.org/pan-science/PaNET/PaNET01188")
    ('panet01188', 'panet01188')
    """
    key = key.strip().casefold()
    for prefix in _ID_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def by_label(terms: Iterable[Term]) -> list[Term]:
    """``terms`` in the one order panet lists terms in: label (case-folded), then IRI.

    Hierarchy relations (``onto.parents`` …) are frozensets; this is how every listing (the
    CLI, the service's JSON, `panet.jsonld`) orders them.

    >>> by_label([Term("http://x/2", "b"), Term("http://x/1", "B"), Term("http://x/3", "a")])
    [Term('3', 'a', kind='technique'), Term('1', 'B', kind='technique'), Term('2', 'b', kind='technique')]
    """
    return sorted(terms, key=lambda t: (t.label.casefold(), t.iri))


_FIELDS = ("iri", "label", "synonyms", "definition", "definition_source", "kind", "deprecated", "replaced_by")


class Term:
    """A PaNET class: a technique or a specifier (probe, process, purpose, ...).

    Terms are equal when their IRIs are equal, so a term from one release equals the same
    term from another. ``match`` is ``None`` unless a lookup resolved the key through a name
    the term no longer carries (e.g. ``"former label"``).

    >>> import panet
    >>> t = panet.load().term("SAXS")
    >>> t.id, t.curie, t.label, t.kind
    ('PaNET01188', 'panet:PaNET01188', 'small angle x-ray scattering', 'technique')
    >>> "SAXS" in t.synonyms
    True
    """

    __slots__ = (*_FIELDS, "match")

    iri: str
    label: str
    synonyms: tuple[str, ...]
    definition: str | None
    definition_source: str | None
    kind: Kind
    deprecated: bool
    replaced_by: str | None
    match: str | None

    def __init__(
        self,
        iri: str,
        label: str,
        synonyms: tuple[str, ...] = (),
        definition: str | None = None,
        definition_source: str | None = None,
        kind: Kind = "technique",
        deprecated: bool = False,
        replaced_by: str | None = None,
        match: str | None = None,
    ) -> None:
        values = (iri, label, tuple(synonyms), definition, definition_source, kind, deprecated, replaced_by, match)
        for name, value in zip(self.__slots__, values, strict=True):
            object.__setattr__(self, name, value)

    @property
    def id(self) -> str:
        """The local name, e.g. ``PaNET01188``."""
        return self.iri.rpartition("/")[2]

    @property
    def curie(self) -> str:
        """The compact IRI with the preferred prefix, e.g. ``panet:PaNET01188``."""
        return f"{PREFIX}:{self.id}"

    @property
    def names(self) -> tuple[str, ...]:
        """Label first, then synonyms."""
        return (self.label, *self.synonyms)

    def with_match(self, match: str) -> Term:
        """A copy of this term that records how a lookup reached it."""
        return Term(
            self.iri,
            self.label,
            self.synonyms,
            self.definition,
            self.definition_source,
            self.kind,
            self.deprecated,
            self.replaced_by,
            match,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys (the CLI's and the API's term form)."""
        data: dict[str, Any] = {
            "iri": self.iri,
            "id": self.id,
            "curie": self.curie,
            "label": self.label,
            "synonyms": list(self.synonyms),
            "kind": self.kind,
            "definition": self.definition,
            "definition_source": self.definition_source,
            "deprecated": self.deprecated,
            "replaced_by": self.replaced_by,
        }
        if self.match is not None:
            data["match"] = self.match
        return data

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Term is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Term is immutable; cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Term):
            return self.iri == other.iri
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.iri)

    def __lt__(self, other: Term) -> bool:
        return self.iri < other.iri

    def __repr__(self) -> str:
        return f"Term({self.id!r}, {self.label!r}, kind={self.kind!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Term, tuple(getattr(self, name) for name in self.__slots__))
