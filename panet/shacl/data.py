"""The data graph as the fast engine reads it: pyoxigraph terms, indexed per predicate.

Files are parsed by pyoxigraph (`panet.shacl.inputs`); the fast engine works on its terms
directly. An rdflib graph is built from the same triples only when something needs one (the
pyshacl engine, `Report.data_graph`), never by parsing again. Terms follow RDF 1.1: ``"x"`` and
``"x"^^xsd:string`` are one term, language tags are lower case.

>>> g = DataGraph.parse(b"<http://e/a> <http://e/p> <http://e/b> .", "nt")
>>> len(g), [str(o) for o in g.out(NamedNode("http://e/p"))[NamedNode("http://e/a")]]
(1, ['<http://e/b>'])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat
from pyoxigraph import Triple as OxTriple
from pyoxigraph import parse as ox_parse

from panet.errors import PanetError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from rdflib import Graph
    from rdflib.term import Node

__all__ = ["FORMATS", "BlankNode", "DataGraph", "Literal", "NamedNode", "Term", "to_ox", "to_rdflib"]

Term = NamedNode | BlankNode | Literal
Triple = tuple[Term, NamedNode, Term]

#: rdflib format names (as `panet.formats.detect_format` gives them) -> pyoxigraph formats.
FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "xml": RdfFormat.RDF_XML,
    "json-ld": RdfFormat.JSON_LD,
}  # N3 (formulas, variables) is read by rdflib
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class DataGraph:
    """A set of triples of pyoxigraph terms with per-predicate indexes built on first use.

    ``prefixes`` (from the parsed files) shorten IRIs in reports. The methods ``value``,
    ``objects``, ``namespace_manager`` take and give rdflib terms, as `rdflib.Graph` does, for
    the report and message writers.
    """

    def __init__(self, triples: Iterable[Triple] = (), prefixes: dict[str, str] | None = None) -> None:
        #: predicate -> its triples as read: ``(subject, object)`` pairs, or pyoxigraph quads for
        #: a parsed file (terms are taken out of a quad only when its predicate is looked up).
        #: A triple stated twice is listed twice; the indexes and iteration give it once.
        self.pairs: dict[NamedNode, list[Any]] = {}
        self._quads = False
        pairs = self.pairs
        for s, p, o in triples:
            try:
                pairs[p].append((s, o))
            except KeyError:
                pairs[p] = [(s, o)]
        self.prefixes = dict(prefixes or {})
        self._out: dict[NamedNode, dict[Term, list[Term]]] = {}
        self._in: dict[NamedNode, dict[Term, list[Term]]] = {}
        self._subjects: dict[Term, list[tuple[NamedNode, Term]]] | None = None
        self._rdflib: Graph | None = None
        self._namespaces: Graph | None = None

    @classmethod
    def parse(cls, content: bytes | str, fmt: str, base_iri: str | None = None) -> DataGraph:
        """Parse ``content`` in ``fmt`` (a key of `FORMATS`); pyoxigraph's `SyntaxError` passes
        through (it has the line). Blank nodes get fresh identifiers, so parsed graphs merge."""
        parser = ox_parse(content, FORMATS[fmt], base_iri=base_iri, rename_blank_nodes=True)
        graph = cls()
        graph._quads = True
        pairs = graph.pairs
        for quad in parser:
            p = quad.predicate
            try:
                pairs[p].append(quad)
            except KeyError:
                pairs[p] = [quad]
        graph.prefixes = dict(parser.prefixes)
        return graph

    @classmethod
    def from_rdflib(cls, graph: Graph) -> DataGraph:
        """The triples of an rdflib graph, as pyoxigraph terms."""
        memo: dict[Node, Term] = {}

        def ox(node: Node) -> Term:
            found = memo.get(node)
            if found is None:
                found = memo[node] = to_ox(node)
            return found

        data = cls(((ox(s), ox(p), ox(o)) for s, p, o in graph))  # type: ignore[misc]
        data.prefixes = {prefix: str(namespace) for prefix, namespace in graph.namespaces()}
        return data

    @classmethod
    def merge(cls, graphs: list[DataGraph]) -> DataGraph:
        """One graph with the triples of ``graphs`` (the first one's prefixes win).

        >>> a = DataGraph.parse(b"<http://e/a> <http://e/p> 1 .", "turtle")
        >>> len(DataGraph.merge([a, a, DataGraph.parse(b"<http://e/a> <http://e/p> 2 .", "turtle")]))
        2
        """
        if len(graphs) == 1:
            return graphs[0]
        merged = cls(t for g in graphs for t in g)
        for g in reversed(graphs):
            merged.prefixes.update(g.prefixes)
        return merged

    def __len__(self) -> int:
        return sum(len(objects) for p in self.pairs for objects in self.out(p).values())

    def __iter__(self) -> Iterator[Triple]:
        for p in self.pairs:
            for s, objects in self.out(p).items():
                for o in objects:
                    yield s, p, o

    # -- indexes ---------------------------------------------------------------------------
    def out(self, predicate: NamedNode) -> dict[Term, list[Term]]:
        """subject -> objects of ``predicate`` (each object once)."""
        found = self._out.get(predicate)
        if found is None:
            found = self._out[predicate] = {}
            read = self.pairs.get(predicate, ())
            if self._quads:
                read = [(q.subject, q.object) for q in read]
            for s, o in read:
                objects = found.get(s)
                if objects is None:
                    found[s] = [o]
                elif o not in objects:
                    objects.append(o)
                if o.__class__ is OxTriple:
                    raise PanetError(f"{s} {predicate} {o}: RDF 1.2 triple terms are not supported; leave them out")
        return found

    def into(self, predicate: NamedNode) -> dict[Term, list[Term]]:
        """object -> subjects of ``predicate``."""
        found = self._in.get(predicate)
        if found is None:
            found = self._in[predicate] = {}
            for s, objects in self.out(predicate).items():
                for o in objects:
                    found.setdefault(o, []).append(s)
        return found

    def about(self, subject: Term) -> list[tuple[NamedNode, Term]]:
        """Every ``(predicate, object)`` of ``subject`` (the index is built on first use)."""
        if self._subjects is None:
            self._subjects = {}
            for s, p, o in self:
                self._subjects.setdefault(s, []).append((p, o))
        return self._subjects.get(subject, [])

    # -- the rdflib view ---------------------------------------------------------------------
    def rdflib(self) -> Graph:
        """The same triples as an rdflib graph (built once, with the parsed prefixes)."""
        if self._rdflib is None:
            import logging
            import warnings

            from rdflib import Graph

            logging.getLogger("rdflib").setLevel(logging.ERROR)  # rdflib logs each ill-typed literal
            graph = Graph()
            self._bind(graph)
            memo: dict[Term, Node] = {}

            def rd(term: Term) -> Node:
                found = memo.get(term)
                if found is None:
                    found = memo[term] = to_rdflib(term)
                return found

            add = graph.add
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # and warns about some
                for s, p, o in self:
                    add((rd(s), rd(p), rd(o)))
            self._rdflib = graph
        return self._rdflib

    @property
    def namespace_manager(self) -> Any:
        """An rdflib namespace manager with the parsed prefixes (for shortening IRIs)."""
        if self._namespaces is None:
            from rdflib import Graph

            self._namespaces = Graph()
            self._bind(self._namespaces)
        return self._namespaces.namespace_manager

    def _bind(self, graph: Graph) -> None:
        from rdflib import URIRef

        for prefix, namespace in self.prefixes.items():
            graph.bind(prefix, URIRef(namespace), override=True, replace=True)

    def value(self, subject: Node, predicate: Node) -> Node | None:
        """One object of ``subject predicate`` as an rdflib term, or None."""
        found = self.out(to_ox(predicate)).get(to_ox(subject))  # type: ignore[arg-type]
        return to_rdflib(found[0]) if found else None

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        """The objects of ``subject predicate`` as rdflib terms."""
        return [to_rdflib(o) for o in self.out(to_ox(predicate)).get(to_ox(subject), ())]  # type: ignore[arg-type]


def to_ox(node: Node) -> Term:
    """An rdflib term as a pyoxigraph term.

    >>> from rdflib import Literal as RdfLiteral
    >>> to_ox(RdfLiteral("x", lang="en"))
    <Literal value=x language=en>
    """
    from rdflib import BNode, URIRef
    from rdflib import Literal as RdfLiteral

    if isinstance(node, URIRef):
        return NamedNode(str(node))
    if isinstance(node, BNode):
        return BlankNode(str(node))
    if isinstance(node, RdfLiteral):
        if node.language:
            return Literal(str(node), language=node.language)
        if node.datatype is not None:
            return Literal(str(node), datatype=NamedNode(str(node.datatype)))
        return Literal(str(node))
    raise TypeError(f"{node!r} is not an RDF term")


def to_rdflib(term: Term) -> Node:
    """A pyoxigraph term as an rdflib term; ``xsd:string`` literals become plain literals.

    >>> to_rdflib(NamedNode("http://e/a"))
    rdflib.term.URIRef('http://e/a')
    """
    from rdflib import BNode, URIRef
    from rdflib import Literal as RdfLiteral

    if isinstance(term, NamedNode):
        return URIRef(term.value)
    if isinstance(term, BlankNode):
        return BNode(term.value)
    if term.language:
        return RdfLiteral(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == XSD_STRING:
        return RdfLiteral(term.value)
    return RdfLiteral(term.value, datatype=URIRef(datatype), normalize=False)  # "01" stays "01"
