"""The fast engine: runs compiled shapes (`panet.shacl.compile`) over an rdflib graph.

The data graph is read once per predicate the shapes use, into plain dicts (subject ->
objects and object -> subjects); every check is then a dict or set lookup. Results are raw
tuples ``(focus, shape, value, component)``; `panet.shacl.report` turns them into a report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdflib.namespace import RDF, RDFS

from panet.shacl.compile import PropertyCheck

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

    from panet.shacl.compile import Shape

    RawResult = tuple[Node, Shape, Node | None, Node]

__all__ = ["Evaluator", "run"]


def run(shapes: list[Shape], graph: Graph) -> list[RawResult]:
    """Validate ``graph`` against compiled ``shapes``: every result, as pyshacl finds them."""
    evaluator = Evaluator(graph)
    results: list[RawResult] = []
    for shape in shapes:
        if shape.deactivated:
            continue
        for focus in evaluator.focus_nodes(shape):
            results.extend(evaluator.validate(shape, focus))
    return results


class Evaluator:
    """Validates nodes against compiled shapes, over dict indexes of one data graph."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._out: dict[Node, dict[Node, list[Node]]] = {}
        self._in: dict[Node, dict[Node, list[Node]]] = {}
        self._superclasses: dict[Node, frozenset[Node]] = {}
        self._conforms: dict[tuple[int, Node], bool] = {}

    # -- data access --------------------------------------------------------------------
    def out(self, predicate: Node) -> dict[Node, list[Node]]:
        """subject -> objects of ``predicate`` (built on first use)."""
        found = self._out.get(predicate)
        if found is None:
            found = self._out[predicate] = {}
            for s, o in self.graph.subject_objects(predicate):
                found.setdefault(s, []).append(o)
        return found

    def into(self, predicate: Node) -> dict[Node, list[Node]]:
        """object -> subjects of ``predicate``."""
        found = self._in.get(predicate)
        if found is None:
            found = self._in[predicate] = {}
            for s, objects in self.out(predicate).items():
                for o in objects:
                    found.setdefault(o, []).append(s)
        return found

    def superclasses(self, cls: Node) -> frozenset[Node]:
        """``cls`` and everything it is an ``rdfs:subClassOf*`` of, in the data graph."""
        found = self._superclasses.get(cls)
        if found is None:
            parents = self.out(RDFS.subClassOf)
            seen = {cls}
            stack = [cls]
            while stack:
                for parent in parents.get(stack.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        stack.append(parent)
            found = self._superclasses[cls] = frozenset(seen)
        return found

    def is_instance(self, node: Node, cls: Node) -> bool:
        """SHACL instance: ``node rdf:type/rdfs:subClassOf* cls``."""
        return any(cls in self.superclasses(t) for t in self.out(RDF.type).get(node, ()))

    def is_instance_of_any(self, node: Node, classes: frozenset[Node]) -> bool:
        return any(not classes.isdisjoint(self.superclasses(t)) for t in self.out(RDF.type).get(node, ()))

    # -- validation ---------------------------------------------------------------------
    def focus_nodes(self, shape: Shape) -> list[Node]:
        """The targets of ``shape`` in the data graph (each once)."""
        found: dict[Node, None] = dict.fromkeys(shape.target_nodes)
        if shape.target_classes:
            children = self.into(RDFS.subClassOf)
            instances = self.into(RDF.type)
            for cls in shape.target_classes:
                seen = {cls}
                stack = [cls]
                while stack:
                    current = stack.pop()
                    found.update(dict.fromkeys(instances.get(current, ())))
                    for child in children.get(current, ()):
                        if child not in seen:
                            seen.add(child)
                            stack.append(child)
        for predicate in shape.target_subjects_of:
            found.update(dict.fromkeys(self.out(predicate)))
        for predicate in shape.target_objects_of:
            found.update(dict.fromkeys(self.into(predicate)))
        return list(found)

    def validate(self, shape: Shape, focus: Node) -> list[RawResult]:
        """Results of validating ``focus`` against ``shape`` (nested property shapes included)."""
        if shape.deactivated:
            return []
        values = [focus] if shape.path is None else shape.path.values(self, focus)
        results: list[RawResult] = []
        for check in shape.checks:
            if isinstance(check, PropertyCheck):
                for value in values:
                    results.extend(self.validate(check.shape, value))
            else:
                results.extend(
                    (focus, shape, value, component) for value, component in check.failures(self, focus, values)
                )
        return results

    def conforms(self, shape: Shape, node: Node) -> bool:
        """True when ``node`` has no result against ``shape`` (memoised per run)."""
        key = (id(shape), node)
        found = self._conforms.get(key)
        if found is None:
            found = self._conforms[key] = not self.validate(shape, node)
        return found
