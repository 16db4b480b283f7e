"""The fast engine: runs compiled shapes (`panet.shacl.compile`) over a `DataGraph`.

The data graph (pyoxigraph terms) is read once per predicate the shapes use, into plain dicts
(subject -> objects and object -> subjects); every check is then a dict or set lookup. Results
are raw tuples ``(focus, shape, value, component, result path)`` of pyoxigraph terms (data)
and rdflib nodes (shapes); `panet.shacl.check` turns them into a report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from panet.shacl.compile import PropertyCheck
from panet.shacl.data import NamedNode
from panet.shacl.literals import well_formed

if TYPE_CHECKING:
    from rdflib.term import Node

    from panet.shacl.compile import Shape
    from panet.shacl.data import DataGraph, Literal, Term

    RawResult = tuple[Term, Shape, Term | None, Node, Node | None]

RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SUBCLASS_OF = NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")

__all__ = ["Evaluator", "run"]


def run(shapes: list[Shape], data: DataGraph) -> list[RawResult]:
    """Validate ``data`` against compiled ``shapes``: every result, as SHACL Core defines them.

    >>> from rdflib import Graph
    >>> from panet.shacl.compile import compile_shapes
    >>> from panet.shacl.data import DataGraph
    >>> shapes = compile_shapes(Graph().parse(data='''@prefix sh: <http://www.w3.org/ns/shacl#> .
    ...     <http://e/S> sh:targetNode <http://e/a> ; sh:property [ sh:path <http://e/p> ; sh:minCount 1 ] .'''))
    >>> [r[3].n3() for r in run(shapes, DataGraph())]
    ['<http://www.w3.org/ns/shacl#MinCountConstraintComponent>']
    """
    evaluator = Evaluator(data)
    results: list[RawResult] = []
    for shape in shapes:
        results.extend(evaluator.validate_all(shape, evaluator.focus_nodes(shape)))
    return results


class Evaluator:
    """Validates nodes against compiled shapes, over the dict indexes of one data graph."""

    def __init__(self, data: DataGraph) -> None:
        self.data = data
        self._superclasses: dict[Term, frozenset[Term]] = {}
        self._conforms: dict[tuple[int, Term], bool] = {}
        self._well_formed: dict[Term, bool] = {}

    def well_formed(self, literal: Literal) -> bool:
        """`panet.shacl.literals.well_formed`, remembered per literal for this run."""
        found = self._well_formed.get(literal)
        if found is None:
            found = self._well_formed[literal] = well_formed(literal)
        return found

    def superclasses(self, cls: Term) -> frozenset[Term]:
        """``cls`` and everything it is an ``rdfs:subClassOf*`` of, in the data graph."""
        found = self._superclasses.get(cls)
        if found is None:
            parents = self.data.out(SUBCLASS_OF)
            seen = {cls}
            stack = [cls]
            while stack:
                for parent in parents.get(stack.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        stack.append(parent)
            found = self._superclasses[cls] = frozenset(seen)
        return found

    def is_instance(self, node: Term, cls: Term) -> bool:
        """SHACL instance: ``node rdf:type/rdfs:subClassOf* cls``."""
        return any(cls in self.superclasses(t) for t in self.data.out(RDF_TYPE).get(node, ()))

    def is_instance_of_any(self, node: Term, classes: frozenset[Term]) -> bool:
        return any(not classes.isdisjoint(self.superclasses(t)) for t in self.data.out(RDF_TYPE).get(node, ()))

    # -- validation ---------------------------------------------------------------------
    def focus_nodes(self, shape: Shape) -> list[Term]:
        """The targets of ``shape`` in the data graph (each once)."""
        found: dict[Term, None] = dict.fromkeys(shape.target_nodes)
        if shape.target_classes:
            children = self.data.into(SUBCLASS_OF)
            instances = self.data.into(RDF_TYPE)
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
            found.update(dict.fromkeys(self.data.out(predicate)))
        for predicate in shape.target_objects_of:
            found.update(dict.fromkeys(self.data.into(predicate)))
        return list(found)

    def validate_all(self, shape: Shape, foci: list[Term]) -> list[RawResult]:
        """Results of validating each of ``foci`` against ``shape`` (nested shapes included).

        Each constraint runs once over all focus nodes (a loop inside the check, not a call
        per node): the fast engine's speed on many records comes from here.
        """
        if shape.deactivated or not foci:
            return []
        path = shape.path
        pairs: list[tuple[Term, Any]]
        if path is None:
            pairs = [(f, (f,)) for f in foci]
        elif path.kind == "predicate":
            out = self.data.out(path.predicate)  # type: ignore[arg-type]
            pairs = [(f, out.get(f, ())) for f in foci]
        else:
            pairs = [(f, path.values(self, f)) for f in foci]
        results: list[RawResult] = []
        path_node = shape.path_node
        for check in shape.checks:
            if isinstance(check, PropertyCheck):
                results.extend(self.validate_all(check.shape, [v for _, values in pairs for v in values]))
            else:
                results.extend(
                    (f, shape, v, c, path_node if p is None else p) for f, v, c, p in check.results(self, pairs)
                )
        return results

    def conforms(self, shape: Shape, node: Term) -> bool:
        """True when ``node`` has no result against ``shape`` (memoised per run)."""
        if shape.deactivated:
            return True
        checks = shape.value_checks
        if checks is not None:
            for check in checks:  # noqa: SIM110 (a loop: no generator per call on the hot path)
                if not check.accepts(self, node):
                    return False
            return True
        key = (id(shape), node)
        found = self._conforms.get(key)
        if found is None:
            found = self._conforms[key] = not self.validate_all(shape, [node])
        return found
