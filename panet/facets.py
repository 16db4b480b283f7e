"""Facets: what defines a technique, axis by axis (probe, process, purpose, …).

PaNET defines techniques by equivalence axioms over *specifier* classes, e.g. SAXS ≡ 'small
angle scattering' ⊓ 'x-ray probe technique', where 'x-ray probe technique' ≡ definedbyprobe
some 'x-ray'. The classifier (`panet.reasoner`) turns those into links such as
SAXS ⊑ definedbyprobe some 'x-ray'; a facet axis is named after the range of its property
('probe', 'process', 'functional dependence', 'purpose', 'beam characteristic', spaces as
underscores). The index stores the links at build time; this module reads them.

>>> import panet
>>> onto = panet.load()
>>> saxs = facets(onto, "SAXS")
>>> [t.label for t in saxs["probe"]], [t.label for t in saxs.conjuncts]
(['x-ray'], ['small angle scattering', 'x-ray probe technique'])
>>> sorted(t.label for t in techniques_with(onto, {"probe": "neutron", "process": "small angle scattering"}))[:2]
['grazing incidence small angle neutron scattering', 'small angle neutron scattering']
"""

from __future__ import annotations

from panet.compiler import facet_index  # noqa: F401  (its old home; the index compiler builds facets now)
from panet.errors import UnknownAxis

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from panet.index import Index
    from panet.ontology import Key, Ontology
    from panet.term import Term

__all__ = ["Facets", "axes", "facets", "facets_of", "techniques_with"]


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


def facets(onto: Ontology, key: Key) -> Facets:
    """What defines the term ``key``, by axis (probe, process, functional_dependence, purpose,
    beam_characteristic), from its equivalence axiom and what it inherits.

    >>> import panet
    >>> [t.label for t in facets(panet.load(), "SANS")["probe"]]
    ['neutron']
    """
    index = onto.index
    return facets_of(onto.terms(include_obsolete=True), index, index.ids[onto.term(key, kind="any").iri])


def axes(onto: Ontology) -> tuple[str, ...]:
    """The facet axes ``onto`` defines, sorted.

    >>> import panet
    >>> axes(panet.load())
    ('beam_characteristic', 'functional_dependence', 'probe', 'process', 'purpose')
    """
    return tuple(sorted(set(onto.index.axes.values())))


def facets_of(terms: tuple[Term, ...], index: Index, i: int) -> Facets:
    """`Facets` of term number ``i`` of ``index`` (``terms``: the ontology's terms, all of them)."""
    found: dict[str, list[Term]] = {}
    for prop, filler in index.facets[i]:
        found.setdefault(index.axes[prop], []).append(terms[filler])
    ordered = {axis: tuple(sorted(group, key=lambda t: t.label)) for axis, group in sorted(found.items())}
    conjuncts = sorted((terms[j] for j in index.definitions[i]), key=lambda t: t.label)
    return Facets(terms[i], ordered, tuple(conjuncts))


def techniques_with(onto: Ontology, wanted: Mapping[str, Key], include_obsolete: bool = False) -> frozenset[Term]:
    """Techniques whose facets match every ``axis: specifier`` of ``wanted``, specifiers below the
    given one included (``probe="neutron"`` also finds cold-neutron techniques); values are
    specifiers or their labels. `panet.errors.UnknownAxis` for an unknown axis.

    >>> import panet
    >>> len(techniques_with(panet.load(), {"probe": "neutron", "process": "small angle scattering"}))
    6
    """
    known = axes(onto)
    unknown = [axis for axis in wanted if axis not in known]
    if unknown:
        raise UnknownAxis(unknown[0], known)
    targets = {axis: onto.term(value, kind="specifier") for axis, value in wanted.items()}
    found = []
    for technique in onto.terms("technique", include_obsolete=include_obsolete):
        defined = facets(onto, technique)
        if all(
            any(target in onto.ancestors(value, include_self=True) | onto.equivalents(value) for value in defined[axis])
            for axis, target in targets.items()
        ):
            found.append(technique)
    return frozenset(found)
