"""`build`: compile `OntologyData` (what a reader found in a file) into an `Index`.

Runs on a cache miss only (`panet.loader.load_index`), so none of this is imported by a load
that the cache answers. The hierarchy comes from the file's subclass edges and, when it has
logical axioms (a ROBOT template, an OWL file), from classifying them (`panet.reasoner`).
"""

from __future__ import annotations

from panet.cache import FORMAT
from panet.index import SPECIFIER_ROOT, Index, TermRow
from panet.term import PREFIX

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from panet.formats import OntologyData
    from panet.reasoner import Classification

__all__ = ["build", "facet_index"]


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
