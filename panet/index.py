"""`Index`: the compiled form of one ontology file, which `Ontology` serves and the cache stores.

`build` compiles `OntologyData` (what a reader found in a file) into an `Index`. The index holds
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

from panet.cache import FORMAT
from panet.term import NAMESPACE, PREFIX

TYPE_CHECKING = False  # importing typing costs 2 ms; the index is on the path of every cold start
if TYPE_CHECKING:
    from typing import Any

    from panet.formats import OntologyData
    from panet.reasoner import Classification

    Numbers = tuple[int, ...]

__all__ = ["FIELDS", "SPECIFIER_ROOT", "TECHNIQUE_ROOTS", "Index", "TermRow", "build", "facet_index"]

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


def build(data: OntologyData, *, sha256: str, version: str) -> Index:
    """The index of ``data``; ``version`` and ``sha256`` describe its source file."""
    from panet.hierarchy import classify

    iris = sorted(data.terms)
    number = {iri: i for i, iri in enumerate(iris)}
    inferred = _classify_axioms(data)
    subclass_of = set(data.subclass_of) | (inferred.pairs() if inferred else set())
    edges = [(number[c], number[p]) for c, p in subclass_of if c in number and p in number and c != p]
    equivalent = [(number[a], number[b]) for a, b in data.equivalent_to if a in number and b in number]
    ancestors, parents, equivalents = classify(len(iris), edges, equivalent)
    kinds = _kinds(iris, ancestors)
    rows = [
        TermRow(
            iri,
            data.terms[iri].label or iri.rpartition("/")[2],
            tuple(data.terms[iri].synonyms),
            data.terms[iri].definition,
            data.terms[iri].definition_source,
            kind,
            data.terms[iri].deprecated,
            data.terms[iri].replaced_by,
        )
        for iri, kind in zip(iris, kinds, strict=True)
    ]
    children: list[list[int]] = [[] for _ in iris]
    descendants: list[list[int]] = [[] for _ in iris]
    for i in range(len(iris)):
        for p in parents[i]:
            children[p].append(i)
        for a in ancestors[i]:
            descendants[a].append(i)
    return Index.from_dict(
        {
            **facet_index(data, number, inferred),
            "format": FORMAT,
            "path": str(data.path),
            "sha256": sha256,
            "version": version,
            "version_info": data.version_info,
            "ontology_iri": data.ontology_iri,
            "metadata": dict(data.metadata),
            "warnings": tuple(data.warnings),
            "properties": dict(data.properties),
            "terms": tuple(row.row() for row in rows),
            "deprecated": tuple(i for i, row in enumerate(rows) if row.deprecated),
            "ids": _identifiers(iris),
            "names": _names(rows),
            "parents": tuple(parents),
            "children": tuple(tuple(c) for c in children),
            "ancestors": tuple(ancestors),
            "descendants": tuple(tuple(d) for d in descendants),
            "equivalents": tuple(equivalents),
        }
    )


def _classify_axioms(data: OntologyData) -> Classification | None:
    """The told axioms classified (`panet.reasoner`), None without axioms; unsatisfiable classes
    are added to ``data.warnings``."""
    if not data.axioms:
        return None
    from panet.reasoner import classify

    inferred = classify(data.axioms)
    warnings = [f"{iri}: unsatisfiable (its disjointness axioms make it empty)" for iri in inferred.unsatisfiable]
    data.warnings.extend(sorted(warnings))
    return inferred


def _kinds(iris: list[str], ancestors: list[tuple[int, ...]]) -> list[str]:
    """Per term: "specifier" (the specifier root, under it, or a PaNET20xxxxx ID) or "technique"."""
    import re

    specifier_id = re.compile(r"PaNET20\d{5}")
    root = iris.index(SPECIFIER_ROOT) if SPECIFIER_ROOT in iris else None
    return [
        "specifier"
        if i == root or root in ancestors[i] or specifier_id.fullmatch(iri.rpartition("/")[2])
        else "technique"
        for i, iri in enumerate(iris)
    ]


def _identifiers(iris: list[str]) -> dict[str, int]:
    """Identifiers as written (one dict hit), and the case-folded ID every other spelling reduces to."""
    ids: dict[str, int] = {}
    for i, iri in enumerate(iris):
        local = iri.rpartition("/")[2]
        for key in (iri, local, f"{PREFIX}:{local}", f"PaNET:{local}", local.casefold()):
            ids[key] = i
    return ids


def _names(rows: list[TermRow]) -> dict[str, tuple[int, ...]]:
    """Name key -> candidates; order: current before deprecated, technique before specifier,
    label before synonym, then IRI order."""
    from panet.text import key_variants

    ranked: dict[str, set[tuple[bool, bool, bool, int]]] = {}
    for i, row in enumerate(rows):
        for is_synonym, name in [(False, row.label)] + [(True, s) for s in row.synonyms]:
            rank = (row.deprecated, row.kind != "technique", is_synonym, i)
            for key in key_variants(name) | {name.strip()}:
                ranked.setdefault(key, set()).add(rank)
    return {key: tuple(dict.fromkeys(i for *_, i in sorted(ranks))) for key, ranks in ranked.items()}


def facet_index(data: OntologyData, number: dict[str, int], inferred: Classification | None) -> dict[str, Any]:
    """The index fields facets need: ``axes`` (property IRI -> axis), ``facets`` (per term:
    (property IRI, filler number) pairs) and ``definitions`` (per term: numbers of the named
    conjuncts of its equivalence axioms). An axis is named after the range of its property."""
    from panet.axioms import EquivalentClasses, Range, conjuncts

    links: list[tuple[tuple[str, int], ...]] = [()] * len(number)
    for iri, pairs in (inferred.links if inferred else {}).items():
        if iri in number:
            links[number[iri]] = tuple(sorted((p, number[f]) for p, f in pairs if f in number))

    ranges: dict[str, str] = {}
    definitions: list[set[int]] = [set() for _ in number]
    for axiom in data.axioms:
        if isinstance(axiom, Range) and isinstance(axiom.range, str):
            ranges.setdefault(axiom.property, axiom.range)
        elif isinstance(axiom, EquivalentClasses):
            for operand in axiom.operands:
                if not isinstance(operand, str) or operand not in number:
                    continue
                named = {c for other in axiom.operands if other != operand for c in conjuncts(other)}
                definitions[number[operand]].update(number[c] for c in named if c in number and c != operand)

    def axis(prop: str) -> str:
        target = data.terms.get(ranges.get(prop, ""))
        name = (target.label if target is not None else None) or data.properties.get(prop) or prop.rpartition("/")[2]
        return "_".join(name.split())

    return {
        "axes": {prop: axis(prop) for prop in sorted({p for pairs in links for p, _ in pairs})},
        "facets": tuple(links),
        "definitions": tuple(tuple(sorted(d)) for d in definitions),
    }
