"""Shapes graph -> `Shape` objects whose constraints are set and dict checks.

The fast engine (`panet.shacl.engine`) runs what this module compiles. It covers a declared
subset of SHACL Core (`SUBSET`); a shapes graph that uses anything else raises `Unsupported`,
and `panet.validate` then hands the whole validation to pyshacl. Nothing is skipped silently:
every ``sh:`` predicate on a shape must be in the subset or be one of SHACL's non-validating
annotations (``sh:name``, ``sh:description``, ``sh:order``, ``sh:group``, ``sh:defaultValue``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rdflib import Graph
    from rdflib.term import Node

    from panet.shacl.engine import Evaluator

__all__ = ["SUBSET", "Path", "Shape", "Unsupported", "compile_cached", "compile_shapes"]

_PARAMETERS = [
    "targetNode",
    "targetClass",
    "targetSubjectsOf",
    "targetObjectsOf",
    "path",
    "class",
    "datatype",
    "nodeKind",
    "in",
    "pattern",
    "flags",
    "minCount",
    "maxCount",
    "node",
    "hasValue",
    "or",
    "and",
    "not",
    "xone",
    "property",
    "qualifiedValueShape",
    "qualifiedMinCount",
    "qualifiedMaxCount",
    "qualifiedValueShapesDisjoint",
    "severity",
    "message",
    "deactivated",
]
#: The SHACL Core predicates the fast engine implements (with every path form).
SUBSET = frozenset(SH[name] for name in _PARAMETERS)
_ANNOTATIONS = frozenset(SH[name] for name in ("name", "description", "order", "group", "defaultValue"))
# Parameters that may appear once per shape; pyshacl merges or rejects repeats, so they fall back.
_SINGLE = frozenset(
    SH[n]
    for n in [
        "path",
        "in",
        "datatype",
        "nodeKind",
        "minCount",
        "maxCount",
        "flags",
        "qualifiedMinCount",
        "qualifiedMaxCount",
    ]
)
_PROPERTY_ONLY = frozenset((SH.minCount, SH.maxCount, SH.qualifiedValueShape))
_SHAPE_LISTS = (SH["or"], SH["and"], SH.xone)
_NODE_KINDS = {
    SH.IRI: (URIRef,),
    SH.BlankNode: (BNode,),
    SH.Literal: (Literal,),
    SH.BlankNodeOrIRI: (BNode, URIRef),
    SH.BlankNodeOrLiteral: (BNode, Literal),
    SH.IRIOrLiteral: (URIRef, Literal),
}


class Unsupported(Exception):
    """The shapes graph uses SHACL outside the fast engine's subset; ``reason`` says what."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class Path:
    """A compiled SHACL property path: ``values(evaluator, node)`` gives the value nodes.

    ``key`` is a hashable, graph-independent form of the path (for comparing reports).
    """

    __slots__ = ("key", "kind", "parts", "predicate")

    def __init__(self, kind: str, predicate: URIRef | None = None, parts: tuple[Path, ...] = ()) -> None:
        self.kind = kind
        self.predicate = predicate
        self.parts = parts
        self.key: Any = predicate if kind == "predicate" else (kind, *(p.key for p in parts))
        if kind == "inverse":
            self.key = ("inverse", predicate)

    def values(self, ev: Evaluator, node: Node) -> Iterable[Node]:
        kind = self.kind
        if kind == "predicate":
            return ev.out(self.predicate).get(node, ())
        if kind == "inverse":
            return ev.into(self.predicate).get(node, ())
        if kind == "sequence":
            current: set[Node] = {node}
            for part in self.parts:
                current = {v for n in current for v in part.values(ev, n)}
            return current
        if kind == "alternative":
            return {v for part in self.parts for v in part.values(ev, node)}
        step = self.parts[0]
        if kind == "zeroOrOne":
            return {node, *step.values(ev, node)}
        seen: set[Node] = {node} if kind == "zeroOrMore" else set()
        frontier = [node]
        while frontier:
            found = [v for n in frontier for v in step.values(ev, n) if v not in seen]
            seen.update(found)
            frontier = list(dict.fromkeys(found))
        return seen


class Shape:
    """One compiled shape: targets, value-node path (``None`` for a node shape), checks."""

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
    )

    def __init__(self, node: Node) -> None:
        self.node = node
        self.path: Path | None = None
        self.path_node: Node | None = None
        self.severity: Node = SH.Violation
        self.messages: tuple[Literal, ...] = ()
        self.deactivated = False
        self.checks: list[Check] = []
        self.target_nodes: list[Node] = []
        self.target_classes: list[Node] = []
        self.target_subjects_of: list[Node] = []
        self.target_objects_of: list[Node] = []

    @property
    def has_targets(self) -> bool:
        return bool(self.target_nodes or self.target_classes or self.target_subjects_of or self.target_objects_of)

    def __repr__(self) -> str:
        return f"<Shape {self.node.n3()}>"


# -- checks: failures(ev, focus, values) -> [(value or None, component)] ---------------------
class Check:
    component: URIRef

    def failures(self, ev: Evaluator, focus: Node, values: Any) -> list[tuple[Node | None, URIRef]]:
        component = self.component
        return [(v, component) for v in values if not self.accepts(ev, v)]

    def accepts(self, ev: Evaluator, value: Node) -> bool:
        raise NotImplementedError


class ClassCheck(Check):
    component = SH.ClassConstraintComponent

    def __init__(self, cls: Node) -> None:
        self.cls = cls

    def accepts(self, ev: Evaluator, value: Node) -> bool:
        return not isinstance(value, Literal) and ev.is_instance(value, self.cls)


class InCheck(Check):
    component = SH.InConstraintComponent

    def __init__(self, members: frozenset[Node]) -> None:
        self.members = members

    def accepts(self, ev: Evaluator, value: Node) -> bool:
        return value in self.members


class DatatypeCheck(Check):
    """Mirrors pyshacl: same datatype and well-formed for the datatypes Python can check."""

    component = SH.DatatypeConstraintComponent

    def __init__(self, datatype: Node) -> None:
        from datetime import date, datetime, time
        from decimal import Decimal

        self.datatype = datatype
        expected = {
            XSD.string: (str, bytes),
            RDF.langString: (str, bytes),
            XSD.integer: int,
            XSD.float: float,
            XSD.decimal: Decimal,
            XSD.boolean: bool,
            XSD.date: date,
            XSD.time: time,
            XSD.dateTime: datetime,
        }.get(datatype)
        self.expected = expected  # None: a datatype Python does not check; pyshacl assumes it is fine

    def _value_ok(self, value: Literal) -> bool:
        return self.expected is None or isinstance(value.value, self.expected)

    def accepts(self, ev: Evaluator, value: Node) -> bool:
        if not isinstance(value, Literal):
            return False
        rule = self.datatype
        if value.datatype == rule:
            return getattr(value, "ill_typed", None) is not True and self._value_ok(value)
        if rule == RDFS.Literal:
            return True
        if rule == RDFS.Datatype and value.datatype:
            return True
        if value.datatype is None and value.language is None and rule == XSD.string:
            return self._value_ok(value)
        return bool(rule == RDF.langString and value.language and self._value_ok(value))


class NodeKindCheck(Check):
    component = SH.NodeKindConstraintComponent

    def __init__(self, kinds: tuple[type, ...]) -> None:
        self.kinds = kinds

    def accepts(self, ev: Evaluator, value: Node) -> bool:
        return isinstance(value, self.kinds)


class PatternCheck(Check):
    component = SH.PatternConstraintComponent

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern

    def accepts(self, ev: Evaluator, value: Node) -> bool:
        if isinstance(value, BNode):
            return False
        if (
            isinstance(value, Literal)
            and value.value is not None
            and value.datatype in (None, RDF.langString, XSD.string)
        ):
            text = str(value.value)
        else:
            text = str(value)
        return self.pattern.search(text) is not None


class CountCheck(Check):
    def __init__(self, component: URIRef, minimum: int | None, maximum: int | None) -> None:
        self.component, self.minimum, self.maximum = component, minimum, maximum

    def failures(self, ev: Evaluator, focus: Node, values: Any) -> list[tuple[Node | None, URIRef]]:
        n = len(values)
        if (self.minimum is not None and n < self.minimum) or (self.maximum is not None and n > self.maximum):
            return [(None, self.component)]
        return []


class HasValueCheck(Check):
    component = SH.HasValueConstraintComponent

    def __init__(self, value: Node) -> None:
        self.value = value

    def failures(self, ev: Evaluator, focus: Node, values: Any) -> list[tuple[Node | None, URIRef]]:
        return [] if any(v == self.value for v in values) else [(None, self.component)]


class NodeCheck(Check):
    component = SH.NodeConstraintComponent

    def __init__(self, shape: Shape) -> None:
        self.shape = shape

    def accepts(self, ev: Evaluator, value: Node) -> bool:
        return ev.conforms(self.shape, value)


class NotCheck(NodeCheck):
    component = SH.NotConstraintComponent

    def accepts(self, ev: Evaluator, value: Node) -> bool:
        return not ev.conforms(self.shape, value)


class ListCheck(Check):
    def __init__(self, component: URIRef, shapes: list[Shape]) -> None:
        self.component = component
        self.shapes = shapes

    def accepts(self, ev: Evaluator, value: Node) -> bool:
        if self.component == SH.OrConstraintComponent:
            return any(ev.conforms(s, value) for s in self.shapes)
        if self.component == SH.AndConstraintComponent:
            return all(ev.conforms(s, value) for s in self.shapes)
        return sum(ev.conforms(s, value) for s in self.shapes) == 1  # xone


class AnyClassCheck(Check):
    """``sh:or`` of shapes that each hold a single ``sh:class``: one set intersection."""

    component = SH.OrConstraintComponent

    def __init__(self, classes: frozenset[Node]) -> None:
        self.classes = classes

    def accepts(self, ev: Evaluator, value: Node) -> bool:
        return not isinstance(value, Literal) and ev.is_instance_of_any(value, self.classes)


class QualifiedCheck(Check):
    def __init__(self, shape: Shape, minimum: int | None, maximum: int | None) -> None:
        self.shape, self.minimum, self.maximum = shape, minimum, maximum

    def failures(self, ev: Evaluator, focus: Node, values: Any) -> list[tuple[Node | None, URIRef]]:
        n = sum(1 for v in values if ev.conforms(self.shape, v))
        found: list[tuple[Node | None, URIRef]] = []
        if self.maximum is not None and n > self.maximum:
            found.append((None, SH.QualifiedMaxCountConstraintComponent))
        if self.minimum is not None and n < self.minimum:
            found.append((None, SH.QualifiedMinCountConstraintComponent))
        return found


class PropertyCheck(Check):
    """``sh:property``: the nested shape validates each value node; its results are its own."""

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
        for s, p, o in graph:
            self.triples.setdefault(s, {}).setdefault(p, []).append(o)
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
        shape.deactivated = any(_true(v) for v in get(SH.deactivated, ()))
        shape.target_nodes = list(get(SH.targetNode, ()))
        shape.target_classes = list(get(SH.targetClass, ()))
        if not self.class_types.isdisjoint(values.get(RDF.type, ())):  # an implicit class target
            shape.target_classes.append(node)
        shape.target_subjects_of = list(get(SH.targetSubjectsOf, ()))
        shape.target_objects_of = list(get(SH.targetObjectsOf, ()))
        checks = shape.checks
        # pyshacl runs each constraint component once per shape, in any order; results are a multiset.
        checks.extend(ClassCheck(c) for c in get(SH["class"], ()))
        if SH.datatype in one:
            checks.append(DatatypeCheck(one[SH.datatype]))
        if SH.nodeKind in one:
            kinds = _NODE_KINDS.get(one[SH.nodeKind])
            if kinds is None:
                raise Unsupported(f"shape {node.n3()}: unknown sh:nodeKind {one[SH.nodeKind].n3()}")
            checks.append(NodeKindCheck(kinds))
        if SH["in"] in one:
            checks.append(InCheck(frozenset(self.members(one[SH["in"]]))))
        for pattern in get(SH.pattern, ()):
            checks.append(PatternCheck(_regex(pattern, one.get(SH.flags))))
        if SH.minCount in one:
            checks.append(CountCheck(SH.MinCountConstraintComponent, _int(one[SH.minCount]), None))
        if SH.maxCount in one:
            checks.append(CountCheck(SH.MaxCountConstraintComponent, None, _int(one[SH.maxCount])))
        checks.extend(HasValueCheck(v) for v in get(SH.hasValue, ()))
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
                    checks.append(AnyClassCheck(frozenset(classes)))
                else:
                    checks.append(ListCheck(component, members))
        qualified = get(SH.qualifiedValueShape, ())
        if qualified:
            if len(qualified) > 1 or any(_true(v) for v in get(SH.qualifiedValueShapesDisjoint, ())):
                raise Unsupported(f"shape {node.n3()}: several or disjoint sh:qualifiedValueShape")
            low, high = one.get(SH.qualifiedMinCount), one.get(SH.qualifiedMaxCount)
            checks.append(
                QualifiedCheck(
                    self.shape(qualified[0]), None if low is None else _int(low), None if high is None else _int(high)
                )
            )
        checks.extend(PropertyCheck(self.shape(p)) for p in get(SH.property, ()))
        return shape

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
            return Path("predicate", node)
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
        if isinstance(inverse, URIRef):
            return Path("inverse", inverse)
        if inverse is not None:
            raise Unsupported("sh:inversePath of a complex path")
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
    """
    compiler = _Compiler(graph)
    for node in sorted(compiler.shape_nodes(), key=str):
        compiler.shape(node)
    return [s for s in compiler.shapes.values() if s.has_targets]


def _single_class(shape: Shape) -> Node | None:
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
    try:
        return re.compile(str(pattern), options)
    except re.error as err:
        raise Unsupported(f"sh:pattern {str(pattern)!r} is not a Python regular expression ({err})") from None


def _int(node: Node) -> int:
    if isinstance(node, Literal) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    raise Unsupported(f"{node.n3()} is not an integer count")


def _true(node: Node) -> bool:
    return isinstance(node, Literal) and node.value is True
