"""SHACL validation of dataset metadata against shipped or generated shapes.

`validate` parses the data with pyoxigraph and runs the fast engine on its terms (shapes
compiled into set and dict checks, all of SHACL Core) or pyshacl, the reference, on an rdflib
graph built from the same triples. Shapes outside SHACL Core (or recursive ones) make the fast
engine hand the whole validation to pyshacl, and the report says so.

>>> import panet
>>> report = panet.validate(panet.shipped_path("examples/example-1.ttl"))
>>> report.conforms, report.engine
(True, 'fast')
"""

from __future__ import annotations

import gc
import os
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rdflib import Graph

    from panet.ontology import Ontology
    from panet.shacl.data import DataGraph
    from panet.shacl.report import Report

__all__ = ["ENGINES", "validate"]

ENGINES = ("fast", "pyshacl")


def validate(
    data: Graph | DataGraph | str | os.PathLike[str] | list[Any],
    shapes: Graph | str | os.PathLike[str] | list[Any] | None = None,
    engine: str = "fast",
    ontology: Ontology | str | os.PathLike[str] | None = None,
    *,
    context: str | os.PathLike[str] | None = None,
) -> Report:
    """Validate ``data`` (a file, an rdflib graph, a `DataGraph`, or a list of them) against SHACL
    ``shapes``.

    ``shapes=None`` uses the shipped dataset profile plus the technique shapes generated for
    ``ontology`` (an `Ontology`, a PaNET file, or None for the shipped PaNET). ``engine`` is
    ``"fast"`` or ``"pyshacl"``. ``context`` reads plain JSON records as RDF: ``"pan-search"``,
    ``"scicat"`` or a JSON-LD context file. Unreadable input raises
    `panet.errors.InputFileError` naming the file and line; ill-formed shapes (two
    ``sh:severity`` values, a ``sh:deactivated`` that is not ``true``/``false``) raise
    `panet.shacl.compile.IllFormedShapes` whichever the engine.
    """
    from panet.errors import OptionError
    from panet.shacl.generate import default_shapes
    from panet.shacl.inputs import read_graphs, read_shapes

    if engine not in ENGINES:
        raise OptionError(f"engine must be one of {ENGINES}, not {engine!r}")
    onto_cache: list[Ontology] = []

    def onto() -> Ontology:
        if not onto_cache:
            onto_cache.append(_ontology(ontology))
        return onto_cache[0]

    with _collector_paused():
        data_graph = read_graphs(data, context)
    shapes_graph = default_shapes(onto()) if shapes is None else read_shapes(shapes)
    return check(data_graph, shapes_graph, engine, onto)


def check(data: Graph | DataGraph, shapes: Graph, engine: str, onto: Any) -> Report:
    """Validate parsed graphs; ``onto`` is a callable returning the `Ontology` (used only for
    messages about technique values).

    Where the shapes speak ``http://schema.org/`` (the shipped ones and panet's exports do) and
    the data says ``https://schema.org/`` for the same terms, the data is read in the http form
    first, so neither spelling escapes the checks. Both engines see the same triples: an rdflib
    ``data`` is read as pyoxigraph terms, and pyshacl gets an rdflib graph built from them.
    """
    from panet.shacl import reference
    from panet.shacl.compile import Unsupported, check_well_formed, compile_cached, per_graph
    from panet.shacl.data import to_rdflib
    from panet.shacl.engine import run
    from panet.shacl.explain import Explainer
    from panet.shacl.inputs import http_schema_org, read_graphs, schema_org_terms
    from panet.shacl.report import Report, Result

    check_well_formed(shapes)
    with _collector_paused():
        data = http_schema_org(read_graphs(data), per_graph(shapes, schema_org_terms))
    fallback = None
    found: list[tuple[Any, ...]] | None = None
    if engine == "fast":
        try:
            compiled = compile_cached(shapes)
        except Unsupported as err:
            fallback = err.reason
        else:
            memo: dict[Any, Any] = {}

            def rd(term: Any) -> Any:
                if term is None:
                    return None
                node = memo.get(term)
                if node is None:
                    node = memo[term] = to_rdflib(term)
                return node

            with _collector_paused():
                found = [(rd(f), p, rd(v), s.node, c, s.severity) for f, s, v, c, p in run(compiled, data)]
    if found is None:
        found = reference.run(data.rdflib(), shapes)
    explainer = Explainer(shapes, data, onto)
    results = [Result(f, p, v, s, c, sev, explainer.message(v, s, c), shapes) for f, p, v, s, c, sev in found]
    used = "pyshacl" if fallback is not None or engine == "pyshacl" else "fast"
    return Report(results, engine=used, fallback=fallback, shapes_graph=shapes, data=data)


_default: dict[str, Any] = {}
_paused = {"depth": 0, "was_enabled": True}
_pause_lock = threading.Lock()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a validation builds its millions of small
    objects (none of them cyclic: reference counting frees them); it rescans the growing heap
    otherwise, which made 100 000 records take 2.5x as long (pyshacl runs with it on: rdflib's
    objects have cycles). Nested and threaded uses share one
    pause; the collector's state is restored when the last one ends."""
    with _pause_lock:
        if _paused["depth"] == 0:
            _paused["was_enabled"] = gc.isenabled()
            gc.disable()
        _paused["depth"] += 1
    try:
        yield
    finally:
        with _pause_lock:
            _paused["depth"] -= 1
            if _paused["depth"] == 0 and _paused["was_enabled"]:
                gc.enable()


def _ontology(ontology: Any) -> Ontology:
    """The `Ontology` to validate with. The shipped one (``None``) is loaded once per process and
    kept while its file is unchanged, so messages and shapes built for it are reused by every
    `validate` call (a loop over files, a service)."""
    from panet.loader import load, shipped_path
    from panet.ontology import Ontology

    if isinstance(ontology, Ontology):
        return ontology
    if ontology is not None:
        return load(ontology)
    stat = os.stat(shipped_path())
    key = (stat.st_mtime_ns, stat.st_size)
    if _default.get("key") != key:
        _default.update(key=key, ontology=load())
    return _default["ontology"]
