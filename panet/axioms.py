"""Told logical axioms, the format-independent input of `panet.reasoner`.

Readers (`panet.formats`) put what a file *states* into ``OntologyData.axioms`` as these
immutable values; the reasoner turns them into the inferred hierarchy and the index keeps
what it needs. A class expression is a named class (its IRI, a ``str``), an `And` or a `Some`
— the OWL EL constructs PaNET uses. Nesting is kept as written (ROBOT keeps it too).

>>> saxs = EquivalentClasses(("ex:SAXS", And(("ex:SAS", Some("ex:probe", "ex:xray")))))
>>> sorted(named_classes(saxs))
['ex:SAS', 'ex:SAXS', 'ex:xray']
>>> conjuncts(saxs.operands[1])
('ex:SAS', Some(property='ex:probe', filler='ex:xray'))
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "THING",
    "And",
    "Axiom",
    "Characteristic",
    "ClassExpression",
    "DisjointClasses",
    "Domain",
    "EquivalentClasses",
    "Range",
    "Some",
    "SubClassOf",
    "SubPropertyOf",
    "conjuncts",
    "named_classes",
]

THING = "http://www.w3.org/2002/07/owl#Thing"

CHARACTERISTICS = (
    "functional",
    "inverse functional",
    "reflexive",
    "irreflexive",
    "symmetric",
    "asymmetric",
    "transitive",
)


@dataclass(frozen=True, slots=True)
class And:
    """ObjectIntersectionOf(operands...)."""

    operands: tuple[ClassExpression, ...]


@dataclass(frozen=True, slots=True)
class Some:
    """ObjectSomeValuesFrom(property, filler): ``property some filler``."""

    property: str
    filler: ClassExpression


ClassExpression = str | And | Some


@dataclass(frozen=True, slots=True)
class SubClassOf:
    sub: ClassExpression
    sup: ClassExpression


@dataclass(frozen=True, slots=True)
class EquivalentClasses:
    """All operands denote the same class (ROBOT ≤ 1.8.3 wrote n-ary ones)."""

    operands: tuple[ClassExpression, ...]


@dataclass(frozen=True, slots=True)
class DisjointClasses:
    operands: tuple[ClassExpression, ...]


@dataclass(frozen=True, slots=True)
class SubPropertyOf:
    sub: str
    sup: str


@dataclass(frozen=True, slots=True)
class Domain:
    property: str
    domain: ClassExpression


@dataclass(frozen=True, slots=True)
class Range:
    property: str
    range: ClassExpression


@dataclass(frozen=True, slots=True)
class Characteristic:
    """A property characteristic, one of `CHARACTERISTICS` (none of them affects EL classification)."""

    property: str
    name: str


Axiom = SubClassOf | EquivalentClasses | DisjointClasses | SubPropertyOf | Domain | Range | Characteristic


def conjuncts(expression: ClassExpression) -> tuple[ClassExpression, ...]:
    """The operands of an intersection with nested intersections flattened; else ``(expression,)``."""
    if not isinstance(expression, And):
        return (expression,)
    return tuple(part for operand in expression.operands for part in conjuncts(operand))


def named_classes(item: Axiom | ClassExpression) -> set[str]:
    """Every named class an axiom or expression mentions (properties excluded)."""
    if isinstance(item, str):
        return {item}
    if isinstance(item, Some):
        return named_classes(item.filler)
    if isinstance(item, (And, EquivalentClasses, DisjointClasses)):
        return set().union(*(named_classes(operand) for operand in item.operands))
    if isinstance(item, SubClassOf):
        return named_classes(item.sub) | named_classes(item.sup)
    if isinstance(item, Domain):
        return named_classes(item.domain)
    if isinstance(item, Range):
        return named_classes(item.range)
    return set()
