"""Shapes graph -> `Shape` objects whose constraints are set and dict checks.

The fast engine (`panet.shacl.engine`) runs what this module compiles. It covers SHACL Core
(`SUBSET`: every constraint component, target and path form); a shapes graph that uses
anything else (SPARQL constraints, recursive shapes, a repeated single-valued parameter)
raises `Unsupported`, and `panet.validate` then hands the whole validation to pyshacl. Nothing
is skipped silently: every ``sh:`` predicate on a shape must be in the subset or be one of
SHACL's non-validating annotations (``sh:name``, ``sh:description``, ``sh:order``,
``sh:group``, ``sh:defaultValue``). Shapes are read from an rdflib graph (shapes graphs are
small); the constants they check data against are pyoxigraph terms, as the data is.

Ill-formed shapes that the engines would read differently (two ``sh:severity`` or
``sh:deactivated`` values, a ``sh:deactivated`` other than ``true``/``false``) raise
`IllFormedShapes` before either engine runs (`check_well_formed`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyoxigraph import BlankNode as OxBlankNode
from pyoxigraph import Literal as OxLiteral
from pyoxigraph import NamedNode as OxNamedNode
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD

from panet.errors import PanetError
from panet.shacl.data import to_ox
from panet.shacl.literals import LEXICAL_CHECKED, less_than

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rdflib import Graph
    from rdflib.term import Node

    from panet.shacl.data import Term
    from panet.shacl.engine import Evaluator

__all__ = [
    "SUBSET",
    "IllFormedShapes",
    "Path",
    "Shape",
    "Unsupported",
    "check_well_formed",
    "compile_cached",
    "compile_shapes",
]

# fmt: off
_PARAMETERS = [
    "targetNode", "targetClass", "targetSubjectsOf", "targetObjectsOf", "path", "class", "datatype", "nodeKind",
    "in", "pattern", "flags", "minCount", "maxCount", "minExclusive", "minInclusive", "maxExclusive",
    "maxInclusive", "minLength", "maxLength", "languageIn", "uniqueLang", "equals", "disjoint", "lessThan",
    "lessThanOrEquals", "closed", "ignoredProperties", "node", "hasValue", "or", "and", "not", "xone", "property",
    "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint", "severity",
    "message", "deactivated"
]
# fmt: on
#: The SHACL Core predicates the fast engine implements (with every path form).
SUBSET = frozenset(SH[name] for name in _PARAMETERS)
_ANNOTATIONS = frozenset(SH[name] for name in ("name", "description", "order", "group", "defaultValue"))
# Parameters that may appear once per shape; pyshacl merges or rejects repeats, so they fall back.
# fmt: off
_SINGLE = frozenset(SH[n] for n in [
    "path", "in", "datatype", "nodeKind", "minCount", "maxCount", "flags", "qualifiedMinCount",
    "qualifiedMaxCount", "minLength", "maxLength", "languageIn", "closed", "ignoredProperties"
])
# fmt: on
_PROPERTY_ONLY = frozenset(
    (SH.minCount, SH.maxCount, SH.qualifiedValueShape, SH.uniqueLang, SH.lessThan, SH.lessThanOrEquals)
)
_SHAPE_LISTS = (SH["or"], SH["and"], SH.xone)
_NODE_KINDS = {
    SH.IRI: (OxNamedNode,),
    SH.BlankNode: (OxBlankNode,),
    SH.Literal: (OxLiteral,),
    SH.BlankNodeOrIRI: (OxBlankNode, OxNamedNode),
    SH.BlankNodeOrLiteral: (OxBlankNode, OxLiteral),
    SH.IRIOrLiteral: (OxNamedNode, OxLiteral),
}
_TRUE = Literal("true", datatype=XSD.boolean)
_FALSE = Literal("false", datatype=XSD.boolean)


class Unsupported(Exception):
    """The shapes graph uses SHACL outside the fast engine's subset; ``reason`` says what."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class IllFormedShapes(PanetError):
    """The shapes graph is not well-formed SHACL in a way the engines would read differently."""


class Path:
    """A compiled SHACL property path: ``values(evaluator, node)`` gives the value nodes.

    ``key`` is a hashable, graph-independent form of the path (for comparing reports).
    """

    __slots__ = ("key", "kind", "parts", "predicate")

    def __init__(self, kind: str, predicate: Term | None = None, parts: tuple[Path, ...] = ()) -> None:
        self.kind = kind
        self.predicate = predicate
        self.parts = parts
        self.key: Any = predicate if kind == "predicate" else (kind, *(p.key for p in parts))
        if kind == "inverse":
            self.key = ("inverse", predicate)

    def inverse(self) -> Path:
        """The path read backwards (``^path``)."""
        kind = self.kind
        if kind == "predicate":
            return Path("inverse", self.predicate)
        if kind == "inverse":
            return Path("predicate", self.predicate)
        if kind == "sequence":
            return Path("sequence", parts=tuple(p.inverse() for p in reversed(self.parts)))
        return Path(kind, parts=tuple(p.inverse() for p in self.parts))

    def values(self, ev: Evaluator, node: Term) -> Iterable[Term]:
        kind = self.kind
        if kind == "predicate":
            return ev.data.out(self.predicate).get(node, ())  # type: ignore[arg-type]
        if kind == "inverse":
            return ev.data.into(self.predicate).get(node, ())  # type: ignore[arg-type]
        if kind == "sequence":
            current: dict[Term, None] = {node: None}
            for part in self.parts:
                current = {v: None for n in current for v in part.values(ev, n)}
            return list(current)
        if kind == "alternative":
            return list({v: None for part in self.parts for v in part.values(ev, node)})
        step = self.parts[0]
        if kind == "zeroOrOne":
            return list({node: None, **dict.fromkeys(step.values(ev, node))})
        seen: dict[Term, None] = {node: None} if kind == "zeroOrMore" else {}
        frontier = [node]
        while frontier:
            found = [v for n in frontier for v in step.values(ev, n) if v not in seen]
            seen.update(dict.fromkeys(found))
            frontier = list(dict.fromkeys(found))
        return list(seen)


class Shape:
    """One compiled shape: targets, value-node path (``None`` for a node shape), checks.

    ``node`` and ``path_node`` are the shapes graph's (rdflib) nodes, as reports name them;
    targets and checks hold pyoxigraph terms, as the data has them.
    """

    __slots__ = (
        "checks",
        "deactivated",
        "messages",
        "node",
        "path",
        "path_node",
        "severity",
        "target_classes",
        "target_nodes",
        "target_objects_of",
        "target_subjects_of",
        "value_checks",
    )

    def __init__(self, node: Node) -> None:
        self.node = node
        self.path: Path | None = None
        self.path_node: Node | None = None
        self.severity: Node = SH.Violation
        self.messages: tuple[Literal, ...] = ()
        self.deactivated = False
        self.checks: list[Check] = []
        self.target_nodes: list[Term] = []
        self.target_classes: list[Term] = []
        self.target_subjects_of: list[Term] = []
        self.target_objects_of: list[Term] = []
        #: for a node shape of value constraints only: its checks, run as one test per node
        self.value_checks: tuple[ValueCheck, ...] | None = None

    @property
    def has_targets(self) -> bool:
        return bool(self.target_nodes or self.target_classes or self.target_subjects_of or self.target_objects_of)

    def __repr__(self) -> str:
        return f"<Shape {self.node.n3()}>"


# -- checks ----------------------------------------------------------------------------------
# ``results(ev, pairs)`` takes ``[(focus, value nodes)]`` (all focus nodes of a shape at once)
# and gives ``[(focus, value or None, component, result path or None for the shape's path)]``.
Failure = tuple[Any, ...]
Pairs = list[tuple[Any, Any]]


class Check:
    component: URIRef

    def results(self, ev: Evaluator, pairs: Pairs) -> list[Failure]:
        raise NotImplementedError


class ValueCheck(Check):
    """A constraint on each value node alone: ``accepts(ev, value)``."""

    def results(self, ev: Evaluator, pairs: Pairs) -> list[Failure]:
        accepts, component = self.accepts, self.component
        return [(f, v, component, None) for f, values in pairs for v in values if not accepts(ev, v)]

    def accepts(self, ev: Evaluator, value: Term) -> bool:
        raise NotImplementedError


class FocusCheck(Check):
    """A constraint on the value nodes of one focus node together: ``failures(ev, focus, values)``
    gives ``(value or None, component[, result path])`` tuples."""

    def results(self, ev: Evaluator, pairs: Pairs) -> list[Failure]:
        failures = self.failures
        return [(f, *x, None) if len(x) == 2 else (f, *x) for f, values in pairs for x in failures(ev, f, values)]

    def failures(self, ev: Evaluator, focus: Term, values: Any) -> list[Failure]:
        raise NotImplementedError


class ClassCheck(ValueCheck):
    component = SH.ClassConstraintComponent

    def __init__(self, cls: Term) -> None:
        self.cls = cls

    def accepts(self, ev: Evaluator, value: Term) -> bool:
        return not isinstance(value, OxLiteral) and ev.is_instance(value, self.cls)


class InCheck(ValueCheck):
    component = SH.InConstraintComponent

    def __init__(self, members: frozenset[Term]) -> None:
        self.members = members

    def accepts(self, ev: Evaluator, value: Term) -> bool:
        return value in self.members

    def results(self, ev: Evaluator, pairs: Pairs) -> list[Failure]:
        members, component = self.members, self.component
        return [(f, v, component, None) for f, values in pairs for v in values if v not in members]


class DatatypeCheck(ValueCheck):
    """The same datatype, and a well-formed lexical form for the XSD datatypes panet knows
    (`panet.shacl.literals`); ``rdfs:Literal`` accepts any literal, as pyshacl does."""

    component = SH.DatatypeConstraintComponent

    def __init__(self, datatype: Term) -> None:
        self.datatype = datatype
        self.any_literal = datatype == OxNamedNode(str(RDFS.Literal))
        self.lexical_checked = datatype.value in LEXICAL_CHECKED

    def accepts(self, ev: Evaluator, value: Term) -> bool:
        if not isinstance(value, OxLiteral):
            return False
        if self.any_literal:
            return True
        return value.datatype == self.datatype and (not self.lexical_checked or ev.well_formed(value))


class NodeKindCheck(ValueCheck):
    component = SH.NodeKindConstraintComponent

    def __init__(self, kinds: tuple[type, ...]) -> None:
        self.kinds = kinds

    def accepts(self, ev: Evaluator, value: Term) -> bool:
        return isinstance(value, self.kinds)

    def results(self, ev: Evaluator, pairs: Pairs) -> list[Failure]:
        kinds, component = self.kinds, self.component
        return [(f, v, component, None) for f, values in pairs for v in values if not isinstance(v, kinds)]


class PatternCheck(ValueCheck):
    component = SH.PatternConstraintComponent

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern

    def accepts(self, ev: Evaluator, value: Term) -> bool:
        return not isinstance(value, OxBlankNode) and self.pattern.search(value.value) is not None


class RangeCheck(ValueCheck):
    """``sh:minInclusive`` … ``sh:maxExclusive``: the value compares with the bound as SPARQL
    orders literals; a value that does not compare (another kind, a blank node) fails."""

    def __init__(self, component: URIRef, bound: Term) -> None:
        self.component = component
        self.bound = bound
        name = str(component).rsplit("#", 1)[-1]
        self.value_first = name.startswith("Max")
        self.or_equal = "Inclusive" in name

    def accepts(self, ev: Evaluator, value: Term) -> bool:
        a, b = (value, self.bound) if self.value_first else (self.bound, value)
        return bool(less_than(a, b, self.or_equal))


class LengthCheck(ValueCheck):
    def __init__(self, component: URIRef, minimum: int | None, maximum: int | None) -> None:
        self.component, self.minimum, self.maximum = component, minimum, maximum

    def accepts(self, ev: Evaluator, value: Term) -> bool:
        if isinstance(value, OxBlankNode):
            return False
        n = len(value.value)
        return (self.minimum is None or n >= self.minimum) and (self.maximum is None or n <= self.maximum)


class LanguageInCheck(ValueCheck):
    component = SH.LanguageInConstraintComponent

    def __init__(self, ranges: list[str]) -> None:
        self.ranges = [r.lower() for r in ranges]

    def accepts(self, ev: Evaluator, value: Term) -> bool:
        if not isinstance(value, OxLiteral) or not value.language:
            return False
        tag = value.language.lower()
        return any(r in ("*", tag) or tag.startswith(r + "-") for r in self.ranges)


class UniqueLangCheck(FocusCheck):
    """One result per language tag that two or more value nodes carry (no ``sh:value``)."""

    component = SH.UniqueLangConstraintComponent

    def failures(self, ev: Evaluator, focus: Term, values: Any) -> list[Failure]:
        seen: dict[str, int] = {}
        for v in values:
            if isinstance(v, OxLiteral) and v.language:
                tag = v.language.lower()
                seen[tag] = seen.get(tag, 0) + 1
        return [(None, self.component) for n in seen.values() if n > 1]


class PropertyPairCheck(FocusCheck):
    """``sh:equals``, ``sh:disjoint``, ``sh:lessThan``, ``sh:lessThanOrEquals``: value nodes
    against the focus node's values of another property."""

    def __init__(self, component: URIRef, predicate: Term) -> None:
        self.component = component
        self.predicate = predicate

    def failures(self, ev: Evaluator, focus: Term, values: Any) -> list[Failure]:
        others = ev.data.out(self.predicate).get(focus, ())  # type: ignore[arg-type]
        component = self.component
        if component == SH.EqualsConstraintComponent:
            mine, theirs = dict.fromkeys(values), dict.fromkeys(others)
            return [(v, component) for v in mine if v not in theirs] + [(o, component) for o in theirs if o not in mine]
        if component == SH.DisjointConstraintComponent:
            theirs = set(others)
            return [(v, component) for v in values if v in theirs]
        or_equal = component == SH.LessThanOrEqualsConstraintComponent
        return [(v, component) for v in values for o in others if not less_than(v, o, or_equal)]


class ClosedCheck(FocusCheck):
    """``sh:closed true``: each triple of a value node whose predicate is neither a property
    shape's path nor ignored is a result, with that predicate as the path."""

    component = SH.ClosedConstraintComponent

    def __init__(self, allowed: frozenset[Term]) -> None:
        self.allowed = allowed

    def failures(self, ev: Evaluator, focus: Term, values: Any) -> list[Failure]:
        from panet.shacl.data import to_rdflib

        allowed = self.allowed
        return [(o, self.component, to_rdflib(p)) for v in values for p, o in ev.data.about(v) if p not in allowed]


class CountCheck(FocusCheck):
    def __init__(self, component: URIRef, minimum: int | None, maximum: int | None) -> None:
        self.component, self.minimum, self.maximum = component, minimum, maximum

    def results(self, ev: Evaluator, pairs: Pairs) -> list[Failure]:
        low = -1 if self.minimum is None else self.minimum
        high = float("inf") if self.maximum is None else self.maximum
        component = self.component
        return [(f, None, component, None) for f, values in pairs if not low <= len(values) <= high]


class HasValueCheck(FocusCheck):
    component = SH.HasValueConstraintComponent

    def __init__(self, value: Term) -> None:
        self.value = value

    def failures(self, ev: Evaluator, focus: Term, values: Any) -> list[Failure]:
        return [] if any(v == self.value for v in values) else [(None, self.component)]


class NodeCheck(ValueCheck):
    component = SH.NodeConstraintComponent

    def __init__(self, shape: Shape) -> None:
        self.shape = shape

    def accepts(self, ev: Evaluator, value: Term) -> bool:
        return ev.conforms(self.shape, value)


class NotCheck(NodeCheck):
    component = SH.NotConstraintComponent

    def accepts(self, ev: Evaluator, value: Term) -> bool:
        return not ev.conforms(self.shape, value)


class ListCheck(ValueCheck):
    def __init__(self, component: URIRef, shapes: list[Shape]) -> None:
        self.component = component
        self.shapes = shapes
        self.mode = {SH.OrConstraintComponent: "or", SH.AndConstraintComponent: "and"}.get(component, "xone")

    def accepts(self, ev: Evaluator, value: Term) -> bool:
        conforms = ev.conforms
        if self.mode == "or":
            for shape in self.shapes:
                checks = shape.value_checks
                if checks is None or shape.deactivated:
                    if conforms(shape, value):
                        return True
                    continue
                for check in checks:  # inline: sh:or of datatypes runs once per value
                    if not check.accepts(ev, value):
                        break
                else:
                    return True
            return False
        if self.mode == "and":
            return all(conforms(s, value) for s in self.shapes)
        return sum(conforms(s, value) for s in self.shapes) == 1


class AnyClassCheck(ValueCheck):
    """``sh:or`` of shapes that each hold a single ``sh:class``: one set intersection."""

    component = SH.OrConstraintComponent

    def __init__(self, classes: frozenset[Term]) -> None:
        self.classes = classes

    def accepts(self, ev: Evaluator, value: Term) -> bool:
        return not isinstance(value, OxLiteral) and ev.is_instance_of_any(value, self.classes)


class QualifiedCheck(Check):
    """``sh:qualifiedValueShape``; with ``sh:qualifiedValueShapesDisjoint true`` a value counts
    only if it conforms to none of the ``siblings`` (the other qualified shapes of the shapes
    that share this property shape)."""

    def __init__(self, shape: Shape, minimum: int | None, maximum: int | None, siblings: list[Shape]) -> None:
        self.shape, self.minimum, self.maximum, self.siblings = shape, minimum, maximum, siblings

    def results(self, ev: Evaluator, pairs: Pairs) -> list[Failure]:
        shape, siblings, conforms = self.shape, self.siblings, ev.conforms
        low = -1 if self.minimum is None else self.minimum
        high = float("inf") if self.maximum is None else self.maximum
        found: list[Failure] = []
        for f, values in pairs:
            n = 0
            for v in values:
                if conforms(shape, v) and not (siblings and any(conforms(s, v) for s in siblings)):
                    n += 1
            if n > high:
                found.append((f, None, SH.QualifiedMaxCountConstraintComponent, None))
            if n < low:
                found.append((f, None, SH.QualifiedMinCountConstraintComponent, None))
        return found


class PropertyCheck(Check):
    """``sh:property``: the nested shape validates each value node; its results are its own
    (the engine runs it, so it has no ``results``)."""

    component = SH.PropertyConstraintComponent

    def __init__(self, shape: Shape) -> None:
        self.shape = shape


# -- compiling ------------------------------------------------------------------------------
class _Compiler:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.shapes: dict[Node, Shape] = {}
        self.in_progress: set[Node] = set()
        # one pass over the graph: rdflib lookups cost microseconds each, and shapes hold long lists
        self.triples: dict[Node, dict[Node, list[Node]]] = {}
        self.property_parents: dict[Node, list[Node]] = {}
        for s, p, o in graph:
            self.triples.setdefault(s, {}).setdefault(p, []).append(o)
            if p == SH.property:
                self.property_parents.setdefault(o, []).append(s)
        # pyshacl adds owl:Class rdfs:subClassOf rdfs:Class to every shapes graph
        self.class_types = {RDFS.Class, OWL.Class, *graph.subjects(RDFS.subClassOf, RDFS.Class)}

    def shape_nodes(self) -> set[Node]:
        """Every node the shapes graph makes a shape (as pyshacl collects them)."""
        g = self.graph
        found = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
        for predicate in (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.property, SH.node):
            found.update(g.subjects(predicate, None))
        for predicate in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
            found.update(g.objects(None, predicate))
        for predicate in _SHAPE_LISTS:
            for head in g.objects(None, predicate):
                found.update(self.members(head))
        return found

    def value(self, node: Node, predicate: Node) -> Node | None:
        found = self.triples.get(node, {}).get(predicate)
        return found[0] if found else None

    def shape(self, node: Node) -> Shape:
        found = self.shapes.get(node)
        if found is not None:
            return found
        if node in self.in_progress:
            raise Unsupported(f"shape {node.n3()} refers to itself (recursive shapes)")
        self.in_progress.add(node)
        shape = self._compile(node)
        self.in_progress.discard(node)
        self.shapes[node] = shape
        return shape

    def _compile(self, node: Node) -> Shape:
        g = self.graph
        shape = Shape(node)
        values = self.triples.get(node, {})
        for p, objects in values.items():
            if str(p).startswith(str(SH)) and p not in SUBSET and p not in _ANNOTATIONS:
                raise Unsupported(f"shape {node.n3()} uses {p.n3(g.namespace_manager)}, outside the fast subset")
            if p in _SINGLE and len(objects) > 1:
                raise Unsupported(f"shape {node.n3()} has {len(objects)} values of {p.n3(g.namespace_manager)}")
        one = {p: objects[0] for p, objects in values.items()}
        get = values.get
        if SH.path in one:
            if (node, RDF.type, SH.NodeShape) in g:
                raise Unsupported(f"node shape {node.n3()} has a sh:path")
            shape.path_node = one[SH.path]
            shape.path = self.path(one[SH.path])
        elif one.keys() & _PROPERTY_ONLY:
            names = ", ".join(sorted(p.n3(g.namespace_manager) for p in one.keys() & _PROPERTY_ONLY))
            raise Unsupported(f"node shape {node.n3()} uses {names}, valid on property shapes only")
        shape.severity = one.get(SH.severity, SH.Violation)
        shape.messages = tuple(m for m in get(SH.message, ()) if isinstance(m, Literal))
        shape.deactivated = one.get(SH.deactivated) == _TRUE
        shape.target_nodes = [to_ox(n) for n in get(SH.targetNode, ())]
        shape.target_classes = [to_ox(n) for n in get(SH.targetClass, ())]
        if not self.class_types.isdisjoint(values.get(RDF.type, ())):  # an implicit class target
            shape.target_classes.append(to_ox(node))
        shape.target_subjects_of = [to_ox(n) for n in get(SH.targetSubjectsOf, ())]
        shape.target_objects_of = [to_ox(n) for n in get(SH.targetObjectsOf, ())]
        self._value_checks(shape, one, get)
        self._focus_checks(shape, one, get)
        self._shape_checks(shape, node, one, get)
        if shape.path is None and all(isinstance(c, ValueCheck) for c in shape.checks):
            shape.value_checks = tuple(shape.checks)  # type: ignore[arg-type]
        return shape

    def _value_checks(self, shape: Shape, one: dict[Node, Node], get: Any) -> None:
        """Constraints that test each value node on its own."""
        checks = shape.checks
        node = shape.node
        # pyshacl runs each constraint component once per shape, in any order; results are a multiset.
        checks.extend(ClassCheck(to_ox(c)) for c in get(SH["class"], ()))
        if SH.datatype in one:
            checks.append(DatatypeCheck(to_ox(one[SH.datatype])))
        if SH.nodeKind in one:
            kinds = _NODE_KINDS.get(one[SH.nodeKind])
            if kinds is None:
                raise Unsupported(f"shape {node.n3()}: unknown sh:nodeKind {one[SH.nodeKind].n3()}")
            checks.append(NodeKindCheck(kinds))
        if SH["in"] in one:
            checks.append(InCheck(frozenset(to_ox(m) for m in self.members(one[SH["in"]]))))
        for pattern in get(SH.pattern, ()):
            checks.append(PatternCheck(_regex(pattern, one.get(SH.flags))))
        for name in ("minExclusive", "minInclusive", "maxExclusive", "maxInclusive"):
            checks.extend(
                RangeCheck(SH[name[0].upper() + name[1:] + "ConstraintComponent"], to_ox(b)) for b in get(SH[name], ())
            )
        if SH.minLength in one:
            checks.append(LengthCheck(SH.MinLengthConstraintComponent, _int(one[SH.minLength]), None))
        if SH.maxLength in one:
            checks.append(LengthCheck(SH.MaxLengthConstraintComponent, None, _int(one[SH.maxLength])))
        if SH.languageIn in one:
            checks.append(LanguageInCheck([str(m) for m in self.members(one[SH.languageIn])]))

    def _focus_checks(self, shape: Shape, one: dict[Node, Node], get: Any) -> None:
        """Constraints on the value nodes of a focus node taken together."""
        checks = shape.checks
        if SH.minCount in one:
            checks.append(CountCheck(SH.MinCountConstraintComponent, _int(one[SH.minCount]), None))
        if SH.maxCount in one:
            checks.append(CountCheck(SH.MaxCountConstraintComponent, None, _int(one[SH.maxCount])))
        checks.extend(HasValueCheck(to_ox(v)) for v in get(SH.hasValue, ()))
        if any(v == _TRUE for v in get(SH.uniqueLang, ())):  # only `true`: the W3C suite ignores "1"
            checks.append(UniqueLangCheck())
        for name in ("equals", "disjoint", "lessThan", "lessThanOrEquals"):
            component = SH[name[0].upper() + name[1:] + "ConstraintComponent"]
            checks.extend(PropertyPairCheck(component, to_ox(p)) for p in get(SH[name], ()))
        if one.get(SH.closed) == _TRUE:
            allowed = {
                self.value(p, SH.path) for p in get(SH.property, ()) if isinstance(self.value(p, SH.path), URIRef)
            }
            ignored = one.get(SH.ignoredProperties)
            if ignored is not None:
                allowed.update(self.members(ignored))
            checks.append(ClosedCheck(frozenset(to_ox(p) for p in allowed if p is not None)))

    def _shape_checks(self, shape: Shape, node: Node, one: dict[Node, Node], get: Any) -> None:
        """Constraints that refer to other shapes."""
        checks = shape.checks
        for target in get(SH.node, ()):
            referenced = self.shape(target)
            if referenced.path is not None:
                raise Unsupported(f"sh:node {target.n3()} is a property shape")
            checks.append(NodeCheck(referenced))
        checks.extend(NotCheck(self.shape(n)) for n in get(SH["not"], ()))
        for predicate, component in zip(
            _SHAPE_LISTS,
            (SH.OrConstraintComponent, SH.AndConstraintComponent, SH.XoneConstraintComponent),
            strict=True,
        ):
            for head in get(predicate, ()):
                members = [self.shape(m) for m in self.members(head)]
                classes = [_single_class(m) for m in members]
                if component == SH.OrConstraintComponent and all(c is not None for c in classes):
                    checks.append(AnyClassCheck(frozenset(classes)))  # type: ignore[arg-type]
                else:
                    checks.append(ListCheck(component, members))
        qualified = get(SH.qualifiedValueShape, ())
        if qualified:
            if len(qualified) > 1:
                raise Unsupported(f"shape {node.n3()}: several sh:qualifiedValueShape")
            siblings: list[Shape] = []
            if one.get(SH.qualifiedValueShapesDisjoint) == _TRUE:
                sibling_nodes = {
                    q
                    for parent in self.property_parents.get(node, ())
                    for prop in self.triples[parent].get(SH.property, ())
                    for q in self.triples.get(prop, {}).get(SH.qualifiedValueShape, ())
                    if q != qualified[0]
                }
                siblings = [self.shape(q) for q in sorted(sibling_nodes, key=str)]
            low, high = one.get(SH.qualifiedMinCount), one.get(SH.qualifiedMaxCount)
            checks.append(
                QualifiedCheck(
                    self.shape(qualified[0]),
                    None if low is None else _int(low),
                    None if high is None else _int(high),
                    siblings,
                )
            )
        checks.extend(PropertyCheck(self.shape(p)) for p in get(SH.property, ()))

    def members(self, head: Node) -> list[Node]:
        found: list[Node] = []
        seen: set[Node] = set()
        while head != RDF.nil:
            first, rest = self.value(head, RDF.first), self.value(head, RDF.rest)
            if first is None or rest is None or head in seen:
                raise Unsupported(f"{head.n3()} is not a well-formed RDF list")
            seen.add(head)
            found.append(first)
            head = rest
        return found

    def path(self, node: Node) -> Path:
        if isinstance(node, URIRef):
            return Path("predicate", to_ox(node))
        if self.value(node, RDF.first) is not None:
            return Path("sequence", parts=tuple(self.path(n) for n in self.members(node)))
        for predicate, kind in (
            (SH.zeroOrMorePath, "zeroOrMore"),
            (SH.oneOrMorePath, "oneOrMore"),
            (SH.zeroOrOnePath, "zeroOrOne"),
        ):
            inner = self.value(node, predicate)
            if inner is not None:
                return Path(kind, parts=(self.path(inner),))
        inverse = self.value(node, SH.inversePath)
        if inverse is not None:
            return self.path(inverse).inverse()
        alternatives = self.value(node, SH.alternativePath)
        if alternatives is not None:
            return Path("alternative", parts=tuple(self.path(n) for n in self.members(alternatives)))
        raise Unsupported(f"{node.n3()} is not a SHACL property path")


_per_graph: dict[tuple[int, Any], tuple[Any, int, Any]] = {}


def per_graph(graph: Graph, compute: Callable[[Graph], Any]) -> Any:
    """``compute(graph)``, remembered per shapes graph object while its size is unchanged."""
    import weakref

    key = (id(graph), compute)
    entry = _per_graph.get(key)
    if entry is None or entry[0]() is not graph or entry[1] != len(graph):
        entry = (weakref.ref(graph, lambda _: _per_graph.pop(key, None)), len(graph), compute(graph))
        _per_graph[key] = entry
    return entry[2]


def compile_cached(graph: Graph) -> list[Shape]:
    """`compile_shapes`, remembered per graph object while its size is unchanged."""
    found = per_graph(graph, _compile_or_why)
    if isinstance(found, Unsupported):
        raise found
    return found


def _compile_or_why(graph: Graph) -> list[Shape] | Unsupported:
    try:
        return compile_shapes(graph)
    except Unsupported as err:
        return err


def compile_shapes(graph: Graph) -> list[Shape]:
    """The shapes of ``graph`` that have targets, compiled; `Unsupported` outside the subset.

    Every shape in the graph is compiled (also those without targets), so an unsupported
    constraint anywhere makes the whole graph fall back.

    >>> from rdflib import Graph
    >>> ttl = "@prefix sh: <http://www.w3.org/ns/shacl#> . <http://e/S> sh:targetNode <http://e/a> ; sh:minLength 2 ."
    >>> compile_shapes(Graph().parse(data=ttl, format="turtle"))
    [<Shape <http://e/S>>]
    """
    compiler = _Compiler(graph)
    for node in sorted(compiler.shape_nodes(), key=str):
        compiler.shape(node)
    return [s for s in compiler.shapes.values() if s.has_targets]


def check_well_formed(graph: Graph) -> None:
    """Raise `IllFormedShapes` for a shape with two ``sh:severity`` or ``sh:deactivated`` values,
    or a ``sh:deactivated`` other than ``true``/``false``: SHACL allows one boolean, and pyshacl
    and the fast engine would each pick something else. Remembered per graph.

    >>> from rdflib import Graph
    >>> shapes = '<http://e/S> <http://www.w3.org/ns/shacl#deactivated> "yes" .'
    >>> check_well_formed(Graph().parse(data=shapes, format="turtle"))
    Traceback (most recent call last):
    panet.shacl.compile.IllFormedShapes: the shapes graph is ill-formed: shape <http://e/S> has ... not true or false
    """
    problem = per_graph(graph, _ill_formed)
    if problem:
        raise IllFormedShapes(f"the shapes graph is ill-formed: {problem}")


def _ill_formed(graph: Graph) -> str | None:
    for predicate in (SH.severity, SH.deactivated):
        counted: dict[Node, list[Node]] = {}
        for s, o in graph.subject_objects(predicate):
            counted.setdefault(s, []).append(o)
        for shape, found in sorted(counted.items(), key=lambda item: str(item[0])):
            name = predicate.n3(graph.namespace_manager)
            if len(found) > 1:
                shown = ", ".join(sorted(v.n3(graph.namespace_manager) for v in found))
                return f"shape {shape.n3()} has {len(found)} values of {name} ({shown}); a shape has at most one"
            if predicate == SH.deactivated and found[0] not in (_TRUE, _FALSE):
                return f"shape {shape.n3()} has {name} {found[0].n3(graph.namespace_manager)}, not true or false"
    return None


def _single_class(shape: Shape) -> Term | None:
    """The class of a node shape whose only constraint is one sh:class, else None."""
    if shape.path is None and not shape.deactivated and len(shape.checks) == 1:
        check = shape.checks[0]
        if isinstance(check, ClassCheck):
            return check.cls
    return None


def _regex(pattern: Node, flags: Node | None) -> re.Pattern[str]:
    options = 0
    text = str(flags).lower() if flags is not None else ""
    if "i" in text:
        options |= re.I
    if "m" in text:
        options |= re.M
    if "s" in text:
        options |= re.S
    if "x" in text:
        options |= re.X
    try:
        return re.compile(str(pattern), options)
    except re.error as err:
        raise Unsupported(f"sh:pattern {str(pattern)!r} is not a Python regular expression ({err})") from None


def _int(node: Node) -> int:
    if isinstance(node, Literal) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    raise Unsupported(f"{node.n3()} is not an integer count")
