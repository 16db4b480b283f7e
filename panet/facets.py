"""Facets: what defines a technique, axis by axis (probe, process, purpose, …).

PaNET defines techniques by equivalence axioms over *specifier* classes, e.g. SAXS ≡ 'small
angle scattering' ⊓ 'x-ray probe technique', where 'x-ray probe technique' ≡ definedbyprobe
some 'x-ray'. The classifier (`panet.reasoner`) turns those into links such as
SAXS ⊑ definedbyprobe some 'x-ray'; a facet axis is named after the range of its property
('probe', 'process', 'functional dependence', 'purpose', 'beam characteristic', spaces as
underscores). The index stores the links at build time; this module reads them.

>>> import panet
>>> onto = panet.load()
>>> saxs = onto.facets("SAXS")
>>> [t.label for t in saxs["probe"]], [t.label for t in saxs.conjuncts]
(['x-ray'], ['small angle scattering', 'x-ray probe technique'])
>>> sorted(t.label for t in onto.techniques_with(probe="neutron", process="small angle scattering"))[:2]
['grazing incidence small angle neutron scattering', 'small angle neutron scattering']
"""

from __future__ import annotations

from panet.errors import UnknownAxis

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from panet.formats import OntologyData
    from panet.ontology import Key, Ontology
    from panet.reasoner import Classification
    from panet.term import Term

__all__ = ["Facets", "facet_index", "facets_of", "techniques_with"]


class Facets:
    """The facets of one term: its most specific specifier per axis, and its defining conjuncts.

    ``axes`` maps an axis (``"probe"``, ``"process"``, ``"functional_dependence"``,
    ``"purpose"``, ``"beam_characteristic"``) to specifier terms, inherited ones included;
    ``conjuncts`` are the named classes of the term's own equivalence axiom.
    ``facets["probe"]`` is ``()`` for an axis the term does not use.
    """

    __slots__ = ("axes", "conjuncts", "term")

    def __init__(self, term: Term, axes: dict[str, tuple[Term, ...]], conjuncts: tuple[Term, ...]) -> None:
        self.term = term
        self.axes = axes
        self.conjuncts = conjuncts

    def __getitem__(self, axis: str) -> tuple[Term, ...]:
        return self.axes.get(axis, ())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the term, ``axes`` (axis -> list of terms) and ``conjuncts``."""
        return {
            "term": self.term.to_dict(),
            "axes": {axis: [t.to_dict() for t in terms] for axis, terms in self.axes.items()},
            "conjuncts": [t.to_dict() for t in self.conjuncts],
        }

    def __repr__(self) -> str:
        axes = ", ".join(f"{axis}={[t.label for t in terms]}" for axis, terms in self.axes.items())
        return f"Facets({self.term.label!r}: {axes})"


def facets_of(terms: tuple[Term, ...], index: dict[str, Any], i: int) -> Facets:
    """`Facets` of term number ``i`` from the index (what `Ontology.facets` returns)."""
    axes: dict[str, list[Term]] = {}
    for prop, filler in index["facets"][i]:
        axes.setdefault(index["axes"][prop], []).append(terms[filler])
    ordered = {axis: tuple(sorted(found, key=lambda t: t.label)) for axis, found in sorted(axes.items())}
    conjuncts = sorted((terms[j] for j in index["definitions"][i]), key=lambda t: t.label)
    return Facets(terms[i], ordered, tuple(conjuncts))


def techniques_with(onto: Ontology, wanted: dict[str, Key], include_obsolete: bool = False) -> frozenset[Term]:
    """Techniques whose facets match every ``axis=specifier`` of ``wanted``, specifiers below the
    given one included (``probe="neutron"`` also finds cold-neutron techniques)."""
    axes = onto.facet_axes()
    unknown = [axis for axis in wanted if axis not in axes]
    if unknown:
        raise UnknownAxis(unknown[0], axes)
    targets = {axis: onto.term(value, kind="specifier") for axis, value in wanted.items()}
    found = []
    for technique in onto.terms("technique", include_obsolete=include_obsolete):
        facets = onto.facets(technique)
        if all(
            any(target in onto.ancestors(value, include_self=True) | onto.equivalents(value) for value in facets[axis])
            for axis, target in targets.items()
        ):
            found.append(technique)
    return frozenset(found)


def facet_index(data: OntologyData, number: dict[str, int], inferred: Classification | None) -> dict[str, Any]:
    """The index entries facets need (built once, then cached): ``axes`` (property IRI -> axis),
    ``facets`` (per term: (property IRI, filler number) pairs) and ``definitions`` (per term:
    numbers of the named conjuncts of its equivalence axioms)."""
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
