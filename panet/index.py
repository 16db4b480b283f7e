"""`Index`: the compiled form of one ontology file, which `Ontology` serves and the cache stores.

`panet.compiler.build` makes one from `OntologyData` (what a reader found in a file). The index holds
only builtin types (tuples, dicts, strings, ints) so `marshal` can store and load it in well
under a millisecond (`Index.to_dict`, `Index.from_dict`). Terms are numbered in IRI order;
every relation is a tuple of those numbers, sorted.

>>> import panet
>>> index = panet.load().index
>>> row = index.terms[index.ids["PaNET01188"]]
>>> TermRow(*row).label, len(index.parents[index.ids["PaNET01188"]])
('small angle x-ray scattering', 2)
"""

from __future__ import annotations

from panet.term import NAMESPACE

TYPE_CHECKING = False  # importing typing costs 2 ms; the index is on the path of every cold start
if TYPE_CHECKING:
    from typing import Any

    Numbers = tuple[int, ...]

__all__ = ["FIELDS", "SPECIFIER_ROOT", "TECHNIQUE_ROOTS", "Index", "TermRow"]

SPECIFIER_ROOT = NAMESPACE + "PaNET2000000"
TECHNIQUE_ROOTS = (NAMESPACE + "PaNET00001", NAMESPACE + "PaNET00002")


class TermRow:
    """Names for the fields of one row of `Index.terms`, in row order (``Term(*row)`` takes them).

    >>> TermRow("http://x/T", "t").synonyms
    ()
    """

    __slots__ = ("definition", "definition_source", "deprecated", "iri", "kind", "label", "replaced_by", "synonyms")

    def __init__(
        self,
        iri: str,
        label: str,
        synonyms: tuple[str, ...] = (),
        definition: str | None = None,
        definition_source: str | None = None,
        kind: str = "technique",
        deprecated: bool = False,
        replaced_by: str | None = None,
    ) -> None:
        self.iri = iri
        self.label = label
        self.synonyms = synonyms
        self.definition = definition
        self.definition_source = definition_source
        self.kind = kind
        self.deprecated = deprecated
        self.replaced_by = replaced_by

    def row(self) -> tuple[str, str, tuple[str, ...], str | None, str | None, str, bool, str | None]:
        """The plain tuple stored in `Index.terms`."""
        return (
            self.iri,
            self.label,
            self.synonyms,
            self.definition,
            self.definition_source,
            self.kind,
            self.deprecated,
            self.replaced_by,
        )


FIELDS = (
    "format",
    "path",
    "sha256",
    "version",
    "version_info",
    "ontology_iri",
    "metadata",
    "warnings",
    "properties",
    "terms",
    "deprecated",
    "ids",
    "names",
    "parents",
    "children",
    "ancestors",
    "descendants",
    "equivalents",
    "axes",
    "facets",
    "definitions",
)


class Index:
    """One compiled ontology file. Per-term tuples are indexed by term number (IRI order).

    - ``terms``: one row per term, fields named by `TermRow`; ``deprecated``: numbers of
      deprecated terms.
    - ``ids``: every identifier spelling (IRI, ID, CURIEs, case-folded ID) -> number;
      ``names``: every normalised name spelling -> numbers, best first (current before
      deprecated, technique before specifier, label before synonym, IRI order).
    - ``parents``, ``children``, ``ancestors``, ``descendants``, ``equivalents``: per term, the
      related numbers, sorted (strict: equivalent classes are in ``equivalents`` only).
    - ``axes`` (property IRI -> facet axis), ``facets`` (per term: (property IRI, filler number)
      pairs), ``definitions`` (per term: named conjuncts of its equivalence axioms).
    - ``format`` (`panet.cache.FORMAT`), ``path``, ``sha256``, ``version``, ``version_info``,
      ``ontology_iri``, ``metadata``, ``warnings``, ``properties``: about the source file.
    """

    __slots__ = FIELDS

    format: int
    path: str
    sha256: str
    version: str
    version_info: str | None
    ontology_iri: str | None
    metadata: dict[str, Any]
    warnings: tuple[str, ...]
    properties: dict[str, str]
    terms: tuple[tuple[str, str, tuple[str, ...], str | None, str | None, str, bool, str | None], ...]
    deprecated: Numbers
    ids: dict[str, int]
    names: dict[str, Numbers]
    parents: tuple[Numbers, ...]
    children: tuple[Numbers, ...]
    ancestors: tuple[Numbers, ...]
    descendants: tuple[Numbers, ...]
    equivalents: tuple[Numbers, ...]
    axes: dict[str, str]
    facets: tuple[tuple[tuple[str, int], ...], ...]
    definitions: tuple[Numbers, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Index:
        """The index stored as ``data`` (`to_dict`); ``KeyError`` if a field is missing."""
        index = cls.__new__(cls)
        for name in FIELDS:
            setattr(index, name, data[name])
        return index

    def to_dict(self) -> dict[str, Any]:
        """Builtin types only, for `marshal` (the cache)."""
        return {name: getattr(self, name) for name in FIELDS}

    def __getitem__(self, name: str) -> Any:
        """Deprecated: the index was a dict; read its fields as attributes (``index.terms``)."""
        import warnings

        warnings.warn(f"index[{name!r}] is deprecated; use index.{name}", DeprecationWarning, stacklevel=2)
        if name not in FIELDS:
            raise KeyError(name)
        return getattr(self, name)

    def __repr__(self) -> str:
        return f"<Index PaNET {self.version}: {len(self.terms)} terms from {self.path}>"


def __getattr__(name: str) -> Any:
    """``build`` and ``facet_index``, defined in `panet.compiler` (imported on a cache miss only)."""
    if name in ("build", "facet_index"):
        import importlib

        return getattr(importlib.import_module("panet.compiler"), name)
    raise AttributeError(f"module 'panet.index' has no attribute {name!r}")
