"""A pure-Python OWL EL classifier: the inferred PaNET hierarchy without Java, ROBOT or Protégé.

PaNET is written in OWL EL: named classes, intersections (``and``), existential restrictions
(``some``), property domains, ranges and sub-properties. Most of its hierarchy is *defined*
(only 233 of 3 740 subclass pairs are written down), so a closure over told edges is not
enough. `classify` runs the EL completion rules (Baader, Brandt, Lutz: "Pushing the EL
envelope", IJCAI 2005; ranges as in their 2008 follow-up) over the told axioms of
`panet.axioms` and returns every subsumption between named classes, the equivalences among
them, and the existential links (``SAXS ⊑ definedbyprobe some x-ray``) that
`panet.facets` shows. On PaNET it reproduces HermiT's (and ROBOT's) result exactly, in
about 30 ms.

Disjointness does not change subsumption here; classes it makes unsatisfiable are reported
in `Classification.unsatisfiable` (an unsatisfiable class is not spread under every class).

>>> from panet.axioms import EquivalentClasses, Range, Some, SubClassOf, And
>>> told = [
...     EquivalentClasses(("SAXS", And(("SAS", "XRT")))),
...     EquivalentClasses(("XRT", Some("probe", "x-ray"))),
...     SubClassOf("x-ray", "photon"),
...     SubClassOf("photon", "probe"),
...     EquivalentClasses(("PhT", Some("probe", "photon"))),
...     EquivalentClasses(("ProbeT", Some("probe", "probe"))),
...     Range("probe", "probe"),
... ]
>>> result = classify(told)
>>> sorted(result.subsumers["SAXS"])
['PhT', 'ProbeT', 'SAS', 'SAXS', 'XRT']
>>> sorted(result.links["SAXS"])
[('probe', 'x-ray')]
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable

from panet.axioms import (
    THING,
    And,
    Axiom,
    ClassExpression,
    DisjointClasses,
    Domain,
    EquivalentClasses,
    Range,
    Some,
    SubClassOf,
    SubPropertyOf,
    conjuncts,
)

__all__ = ["Classification", "ClassifiedFile", "classify", "classify_file"]


class Classification:
    """What `classify` infers, over named classes (IRIs).

    ``subsumers[c]``: every named class subsuming ``c``, ``c`` and its equivalents included
    (owl:Thing left out). ``links[c]``: the most specific ``(property, filler)`` pairs with
    ``c ⊑ property some filler`` for a named filler. ``unsatisfiable``: classes that
    disjointness axioms make empty.
    """

    __slots__ = ("links", "subsumers", "unsatisfiable")

    def __init__(
        self,
        subsumers: dict[str, frozenset[str]],
        links: dict[str, frozenset[tuple[str, str]]],
        unsatisfiable: frozenset[str],
    ) -> None:
        self.subsumers = subsumers
        self.links = links
        self.unsatisfiable = unsatisfiable

    def pairs(self) -> set[tuple[str, str]]:
        """Every ``(sub, super)`` pair of distinct named classes, equivalences in both directions."""
        return {(c, s) for c, above in self.subsumers.items() for s in above if s != c}

    def strict_pairs(self) -> set[tuple[str, str]]:
        """``(sub, super)`` pairs where ``super`` is not also below ``sub`` (what a reasoned file lists)."""
        return {(c, s) for c, s in self.pairs() if c not in self.subsumers.get(s, ())}

    def equivalent_pairs(self) -> set[frozenset[str]]:
        """Pairs of distinct named classes that subsume each other."""
        return {frozenset((c, s)) for c, s in self.pairs() if c in self.subsumers.get(s, ())}


def classify(axioms: Iterable[Axiom]) -> Classification:
    """Classify told ``axioms`` (see `panet.axioms`); other axiom kinds are ignored."""
    return _Saturation(axioms).run()


class ClassifiedFile:
    """What `classify_file` did: the ``output`` written, how many ``classes``, subclass ``edges``,
    ``equivalent_pairs`` between PaNET terms and ``other_equivalent_pairs`` (with classes of other
    vocabularies, e.g. wikidata:Q133900 ≡ 'diffraction'), the ``seconds`` classification took, the
    reader's ``warnings`` and the ``unsatisfiable`` classes (IRIs, sorted)."""

    __slots__ = (
        "classes",
        "edges",
        "equivalent_pairs",
        "other_equivalent_pairs",
        "output",
        "seconds",
        "unsatisfiable",
        "warnings",
    )

    def __init__(
        self,
        output: str,
        classes: int,
        edges: int,
        equivalent_pairs: int,
        other_equivalent_pairs: int,
        seconds: float,
        warnings: tuple[str, ...],
        unsatisfiable: tuple[str, ...],
    ) -> None:
        self.output = output
        self.classes = classes
        self.edges = edges
        self.equivalent_pairs = equivalent_pairs
        self.other_equivalent_pairs = other_equivalent_pairs
        self.seconds = seconds
        self.warnings = warnings
        self.unsatisfiable = unsatisfiable

    def __repr__(self) -> str:
        return (
            f"<ClassifiedFile {self.output}: {self.classes} classes, {self.edges} subclass edges, "
            f"{self.equivalent_pairs} equivalent pairs>"
        )


def classify_file(
    source: str | os.PathLike[str], output: str | os.PathLike[str], *, direct: bool = False
) -> ClassifiedFile:
    """Classify the ontology file ``source`` (a ROBOT template or any PaNET file) and write the
    inferred ontology to ``output`` (RDF: .ttl, .owl, .nt, .jsonld), like ROBOT ``reason``: every
    inferred superclass (PaNET_reasoned.owl), or only the direct ones with ``direct`` (PaNET.owl).
    The output is written atomically (`panet.files`: its folder must exist, never the source).
    `panet.errors.OptionError` for an output that is not RDF; `OntologyLoadError` for a bad source.

    >>> import os, tempfile
    >>> from panet.shipped import shipped_file
    >>> out = os.path.join(tempfile.mkdtemp(), "PaNET.ttl")
    >>> classify_file(shipped_file("PaNET.csv"), out).classes
    510
    """
    import time
    from pathlib import Path

    from panet import formats
    from panet.errors import OntologyLoadError, OptionError
    from panet.files import check_output, replacing
    from panet.formats import rdf

    check_output(output, [source])
    target = Path(output)
    fmt = formats.detect_format(target, b"")
    if fmt in ("csv", "tsv"):
        raise OptionError(f"{output}: cannot write a ROBOT template; write RDF: .ttl, .owl, .nt or .jsonld")
    content = OntologyLoadError.read_bytes(source, expected="an ontology file")
    data = formats.parse(Path(source), content)
    started = time.perf_counter()
    inferred = classify(data.axioms)
    seconds = time.perf_counter() - started
    with replacing(output, [source]) as temporary:
        edges = rdf.write(data, inferred, Path(temporary), fmt, direct=direct)
    pairs = inferred.equivalent_pairs()
    panet_pairs = sum(all(formats.is_panet_iri(iri) for iri in pair) for pair in pairs)
    return ClassifiedFile(
        str(output),
        len(data.terms),
        edges,
        panet_pairs,
        len(pairs) - panet_pairs,
        seconds,
        tuple(data.warnings),
        tuple(sorted(inferred.unsatisfiable)),
    )


class _Saturation:
    """Normalised axioms over integer concepts, then the completion rules to a fixpoint.

    Concept 0 is owl:Thing. Normal forms: ``A ⊑ B`` (``told``), ``A1 ⊓ … ⊓ An ⊑ B``
    (``conjunctions``), ``A ⊑ ∃r.B`` (``existentials``), ``∃r.A ⊑ B`` (``left``),
    domains and ranges per property. Complex parts get fresh concepts.
    """

    def __init__(self, axioms: Iterable[Axiom]) -> None:
        self.names: list[str | None] = [THING]
        self.concept: dict[str, int] = {THING: 0}
        self.roles: dict[str, int] = {}
        self.told: dict[int, list[int]] = {}
        self.conjunctions: dict[int, list[tuple[tuple[int, ...], int]]] = {}
        self.existentials: dict[int, list[tuple[int, int]]] = {}
        self.left: dict[tuple[int, int], list[int]] = {}
        self.domains: dict[int, list[int]] = {}
        self.ranges: dict[int, list[int]] = {}
        self.sub_roles: list[tuple[int, int]] = []
        self.disjoint: list[tuple[int, int]] = []
        for axiom in axioms:
            self._normalise(axiom)

    # -- normalisation ----------------------------------------------------------------------
    def _named(self, iri: str) -> int:
        number = self.concept.get(iri)
        if number is None:
            number = self.concept[iri] = len(self.names)
            self.names.append(iri)
        return number

    def _fresh(self) -> int:
        self.names.append(None)
        return len(self.names) - 1

    def _role(self, iri: str) -> int:
        return self.roles.setdefault(iri, len(self.roles))

    def _normalise(self, axiom: Axiom) -> None:
        if isinstance(axiom, SubClassOf):
            self._sub(self._below(axiom.sub), axiom.sup)
        elif isinstance(axiom, EquivalentClasses):
            first, *others = axiom.operands
            for other in others:
                self._sub(self._below(first), other)
                self._sub(self._below(other), first)
        elif isinstance(axiom, DisjointClasses):
            atoms = [self._below(operand) for operand in axiom.operands]
            self.disjoint.extend((a, b) for i, a in enumerate(atoms) for b in atoms[i + 1 :])
        elif isinstance(axiom, Domain):
            self.domains.setdefault(self._role(axiom.property), []).append(self._above(axiom.domain))
        elif isinstance(axiom, Range):
            self.ranges.setdefault(self._role(axiom.property), []).append(self._above(axiom.range))
        elif isinstance(axiom, SubPropertyOf):
            self.sub_roles.append((self._role(axiom.sub), self._role(axiom.sup)))

    def _above(self, expression: ClassExpression) -> int:
        """A concept N with N ⊑ expression (for positive occurrences)."""
        if isinstance(expression, str):
            return self._named(expression)
        fresh = self._fresh()
        self._sub(fresh, expression)
        return fresh

    def _below(self, expression: ClassExpression) -> int:
        """A concept N with expression ⊑ N (for negative occurrences)."""
        if isinstance(expression, str):
            return self._named(expression)
        fresh = self._fresh()
        self._sup(expression, fresh)
        return fresh

    def _sub(self, concept: int, expression: ClassExpression) -> None:
        """Record concept ⊑ expression."""
        for part in conjuncts(expression):
            if isinstance(part, Some):
                filler = self._above(part.filler)
                self.existentials.setdefault(concept, []).append((self._role(part.property), filler))
            else:
                assert isinstance(part, str)  # conjuncts() flattens every And
                self.told.setdefault(concept, []).append(self._named(part))

    def _sup(self, expression: ClassExpression, concept: int) -> None:
        """Record expression ⊑ concept."""
        if isinstance(expression, Some):
            key = (self._role(expression.property), self._below(expression.filler))
            self.left.setdefault(key, []).append(concept)
        elif isinstance(expression, And):
            atoms = tuple(dict.fromkeys(self._below(part) for part in conjuncts(expression)))
            if len(atoms) == 1:
                self.told.setdefault(atoms[0], []).append(concept)
                return
            for atom in atoms:
                self.conjunctions.setdefault(atom, []).append((atoms, concept))
        else:
            self.told.setdefault(self._named(expression), []).append(concept)

    # -- saturation -------------------------------------------------------------------------
    def _role_closure(self) -> list[tuple[int, ...]]:
        """Per role: itself and every super-role."""
        above: list[set[int]] = [{r} for r in range(len(self.roles))]
        changed = True
        while changed:
            changed = False
            for sub, sup in self.sub_roles:
                if not above[sup] <= above[sub]:
                    above[sub] |= above[sup]
                    changed = True
        return [tuple(sorted(a)) for a in above]

    def run(self) -> Classification:
        supers = self._role_closure()
        # Merge every rule that fires for role r over r's super-roles, once.
        left_of: list[dict[int, list[int]]] = [{} for _ in supers]
        for (role, filler), results in self.left.items():
            for r, above in enumerate(supers):
                if role in above:
                    left_of[r].setdefault(filler, []).extend(results)
        domain_of = [[d for s in above for d in self.domains.get(s, ())] for above in supers]
        range_of = [tuple(sorted({c for s in above for c in self.ranges.get(s, ())})) for above in supers]

        told, conjunctions, existentials = self.told, self.conjunctions, self.existentials
        subsumers: list[set[int]] = []  # per context
        predecessors: list[list[tuple[int, int]]] = []  # context -> (role, context linking to it)
        successors: list[set[tuple[int, int]]] = []
        context_of: dict[tuple[int, tuple[int, ...]], int] = {}
        filler_of: list[int] = []
        queue: deque[tuple[int, int]] = deque()

        def add(context: int, concept: int) -> None:
            found = subsumers[context]
            if concept not in found:
                found.add(concept)
                queue.append((context, concept))

        def context(concept: int, ranges: tuple[int, ...] = ()) -> int:
            key = (concept, ranges)
            number = context_of.get(key)
            if number is None:
                number = context_of[key] = len(subsumers)
                subsumers.append(set())
                predecessors.append([])
                successors.append(set())
                filler_of.append(concept)
                for start in (concept, 0, *ranges):
                    add(number, start)
            return number

        def link(source: int, role: int, filler: int) -> None:
            target = context(filler, range_of[role])
            if (role, target) in successors[source]:
                return
            successors[source].add((role, target))
            predecessors[target].append((role, source))
            for domain in domain_of[role]:
                add(source, domain)
            rules = left_of[role]
            for concept in list(subsumers[target]):
                for result in rules.get(concept, ()):
                    add(source, result)

        named = {iri: context(number) for iri, number in self.concept.items() if iri != THING}
        while queue:
            ctx, concept = queue.popleft()
            found = subsumers[ctx]
            for result in told.get(concept, ()):
                add(ctx, result)
            for atoms, result in conjunctions.get(concept, ()):
                if result not in found and all(atom in found for atom in atoms):
                    add(ctx, result)
            for role, filler in existentials.get(concept, ()):
                link(ctx, role, filler)
            for role, source in predecessors[ctx]:
                for result in left_of[role].get(concept, ()):
                    add(source, result)
        return self._result(named, subsumers, successors, predecessors, filler_of)

    def _result(
        self,
        named: dict[str, int],
        subsumers: list[set[int]],
        successors: list[set[tuple[int, int]]],
        predecessors: list[list[tuple[int, int]]],
        filler_of: list[int],
    ) -> Classification:
        names = self.names
        above = {iri: frozenset(n for c in subsumers[ctx] if c and (n := names[c])) for iri, ctx in named.items()}
        role_iri = {number: iri for iri, number in self.roles.items()}

        links: dict[str, frozenset[tuple[str, str]]] = {}
        for iri, ctx in named.items():
            pairs = {
                (role_iri[role], f)
                for role, target in successors[ctx]
                if (f := names[filler_of[target]]) is not None and f != THING
            }
            links[iri] = frozenset(
                (p, f)
                for p, f in pairs
                if not any(q == p and g != f and f in above[g] and g not in above[f] for q, g in pairs)
            )

        empty = {ctx for ctx, found in enumerate(subsumers) if any(a in found and b in found for a, b in self.disjoint)}
        pending = list(empty)
        while pending:  # a class with a link to an empty class is empty
            for _, source in predecessors[pending.pop()]:
                if source not in empty:
                    empty.add(source)
                    pending.append(source)
        unsatisfiable = frozenset(iri for iri, ctx in named.items() if ctx in empty)
        return Classification(above, links, unsatisfiable)
