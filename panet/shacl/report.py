"""`Report` and `Result`: what a validation found, as Python objects, text, JSON and the
standard ``sh:ValidationReport`` graph."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

if TYPE_CHECKING:
    from rdflib.term import Node

    from panet.shacl.data import DataGraph

__all__ = ["Report", "Result", "node_text", "path_text"]

_SEVERITY_ORDER = {SH.Violation: 0, SH.Warning: 1, SH.Info: 2}


class Result:
    """One validation result (a ``sh:ValidationResult``).

    ``path`` is the shape's ``sh:path`` node (in the shapes graph) or None for node shapes;
    ``value`` is None for results about the focus node as a whole (counts, sh:hasValue).
    """

    __slots__ = ("component", "focus", "message", "path", "severity", "shapes_graph", "source_shape", "value")

    def __init__(
        self,
        focus: Node,
        path: Node | None,
        value: Node | None,
        source_shape: Node,
        component: Node,
        severity: Node,
        message: str,
        shapes_graph: Graph,
    ) -> None:
        self.focus = focus
        self.path = path
        self.value = value
        self.source_shape = source_shape
        self.component = component
        self.severity = severity
        self.message = message
        self.shapes_graph = shapes_graph

    @property
    def key(self) -> tuple[Node | None, ...]:
        """``(focus, path, value, source shape, constraint component, severity)``."""
        return (self.focus, self.path, self.value, self.source_shape, self.component, self.severity)

    @property
    def severity_name(self) -> str:
        """``Violation``, ``Warning``, ``Info`` (or the severity IRI's local name)."""
        return _local(self.severity)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: nodes as IRIs, ``_:`` blank nodes or JSON-LD value objects."""
        return {
            "severity": self.severity_name,
            "focus": node_json(self.focus),
            "path": None if self.path is None else path_text(self.shapes_graph, self.path),
            "value": None if self.value is None else node_json(self.value),
            "message": self.message,
            "source_shape": node_json(self.source_shape),
            "constraint": _local(self.component),
        }

    def __repr__(self) -> str:
        return f"<Result {self.severity_name} {self.focus.n3()}: {self.message}>"


class Report:
    """What `panet.validate` returns.

    ``conforms`` follows SHACL: true only when there is no result of any severity.
    ``engine`` is the engine that produced the results; ``fallback`` says why the fast
    engine handed the validation to pyshacl (None when it did not). ``data`` is the validated
    data as parsed (a `panet.shacl.data.DataGraph`); ``data_graph`` the same as an rdflib graph.
    """

    def __init__(
        self, results: list[Result], *, engine: str, fallback: str | None, shapes_graph: Graph, data: DataGraph
    ) -> None:
        self.results = sorted(results, key=_order)
        self.engine = engine
        self.fallback = fallback
        self.shapes_graph = shapes_graph
        self.data = data
        self._graph: Graph | None = None

    @property
    def data_graph(self) -> Graph:
        """The validated data as an rdflib graph (built from the parsed triples on first use)."""
        return self.data.rdflib()

    @property
    def conforms(self) -> bool:
        return not self.results

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == SH.Violation]

    def count(self, severity: str) -> int:
        """Results of one severity (``"Violation"``, ``"Warning"``, ``"Info"``)."""
        return sum(1 for r in self.results if r.severity_name == severity)

    @property
    def graph(self) -> Graph:
        """The report as a standard ``sh:ValidationReport`` graph."""
        if self._graph is None:
            self._graph = self._build_graph()
        return self._graph

    def _build_graph(self) -> Graph:
        g = Graph()
        for prefix, namespace in self.shapes_graph.namespaces():
            g.bind(prefix, namespace, override=False)
        g.bind("sh", SH)
        report = BNode()
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, Literal(self.conforms)))
        for r in self.results:
            node = BNode()
            g.add((report, SH.result, node))
            g.add((node, RDF.type, SH.ValidationResult))
            g.add((node, SH.focusNode, r.focus))
            g.add((node, SH.sourceShape, r.source_shape))
            g.add((node, SH.sourceConstraintComponent, r.component))
            g.add((node, SH.resultSeverity, r.severity))
            g.add((node, SH.resultMessage, Literal(r.message)))
            if r.value is not None:
                g.add((node, SH.value, r.value))
            if r.path is not None:
                g.add((node, SH.resultPath, r.path))
                _copy_structure(self.shapes_graph, r.path, g)
        return g

    def to_dict(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "engine": self.engine,
            "fallback": self.fallback,
            "counts": {name: self.count(name) for name in ("Violation", "Warning", "Info")},
            "results": [r.to_dict() for r in self.results],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON (stable keys: conforms, engine, fallback, counts, results)."""
        import json

        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def text(self) -> str:
        """A human-readable summary, one block per result."""
        counts = ", ".join(f"{self.count(n)} {n.lower()}(s)" for n in ("Violation", "Warning", "Info") if self.count(n))
        lines = [("Conforms" if self.conforms else f"Does not conform: {counts}") + f" [engine: {self.engine}]"]
        if self.fallback:
            lines.append(f"note: the fast engine handed this validation to pyshacl: {self.fallback}")
        for r in self.results:
            where = node_text(self.data, r.focus)
            if r.path is not None:
                where += " " + path_text(self.shapes_graph, r.path)
            lines.append(f"{r.severity_name}: {where}")
            lines.append(f"    {r.message}")
            if r.value is not None:
                lines.append(f"    value: {node_text(self.data, r.value)}")
            lines.append(f"    shape: {node_text(self.shapes_graph, r.source_shape)} ({_local(r.component)})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Report conforms={self.conforms} results={len(self.results)} engine={self.engine}>"


def node_json(node: Node) -> Any:
    """An IRI string, ``_:id`` for a blank node, or a JSON-LD value object for a literal."""
    if isinstance(node, Literal):
        value: dict[str, Any] = {"@value": str(node)}
        if node.language:
            value["@language"] = node.language
        elif node.datatype:
            value["@type"] = str(node.datatype)
        return value
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def node_text(graph: Any, node: Node) -> str:
    """``node`` as Turtle, with the prefixes of ``graph`` (an rdflib graph or a `DataGraph`)."""
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # an IRI that cannot be shortened
            return node.n3()
    return node.n3()


def path_text(graph: Graph, path: Node) -> str:
    """A SHACL path in SPARQL property-path syntax: ``schema:name``, ``^ex:p``, ``(ex:p/ex:q)*``."""
    if isinstance(path, URIRef):
        return node_text(graph, path)
    if graph.value(path, RDF.first) is not None:
        return "(" + "/".join(path_text(graph, p) for p in Collection(graph, path)) + ")"
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_text(graph, p) for p in Collection(graph, alternatives)) + ")"
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + path_text(graph, inverse)
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return path_text(graph, inner) + suffix
    return path.n3()


def _copy_structure(source: Graph, node: Node, target: Graph) -> None:
    """Copy the blank-node structure of the property path ``node`` into ``target``: only the
    triples that make the path, as the engines read it (a list first, then one path predicate)."""
    stack = [node]
    seen = set()
    while stack:
        current = stack.pop()
        if not isinstance(current, BNode) or current in seen:
            continue
        seen.add(current)
        first = source.value(current, RDF.first)
        if first is not None:  # a sequence: its list cells, each item a path
            head = current
            while isinstance(head, BNode) and source.value(head, RDF.first) is not None:
                item, rest = source.value(head, RDF.first), source.value(head, RDF.rest)
                target.add((head, RDF.first, item))
                target.add((head, RDF.rest, rest))
                stack.append(item)
                seen.add(head)
                head = rest
            continue
        for predicate in _PATH_PREDICATES:
            inner = source.value(current, predicate)
            if inner is not None:
                target.add((current, predicate, inner))
                stack.append(inner)
                break


_PATH_PREDICATES = (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath, SH.inversePath, SH.alternativePath)


def _local(node: Node) -> str:
    text = str(node)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _order(r: Result) -> tuple[Any, ...]:
    return (_SEVERITY_ORDER.get(r.severity, 3), str(r.focus), str(r.path), str(r.component), str(r.value))
