"""The reference engine: pyshacl, run on SHACL Core with no inference, as the fast engine's
yardstick and its fallback for shapes outside the fast subset."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdflib.namespace import SH

from panet.errors import PanetError

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

    ReferenceResult = tuple[Node, Node | None, Node | None, Node, Node, Node]

__all__ = ["run"]


def run(data: Graph, shapes: Graph) -> list[ReferenceResult]:
    """pyshacl's results as ``(focus, path, value, source shape, component, severity)`` tuples.

    Blank nodes keep their identity: pyshacl reports the data graph's and the shapes graph's
    own nodes.
    """
    import logging
    import warnings

    import pyshacl
    from rdflib import Graph, Literal
    from rdflib.namespace import XSD

    shapes_copy = Graph()  # pyshacl adds triples to the shapes graph it is given
    for s, p, o in shapes:  # RDF 1.1, as the data: "x"^^xsd:string is the plain literal "x"
        shapes_copy.add((s, p, Literal(str(o)) if isinstance(o, Literal) and o.datatype == XSD.string else o))
    # pyshacl logs what it also raises, on a logger it resets on every call: mute it meanwhile
    log = logging.getLogger("pyshacl-validate")
    was_disabled, log.disabled = log.disabled, True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, report, _ = pyshacl.validate(
                data,
                shacl_graph=shapes_copy,
                inference="none",
                advanced=False,
                do_owl_imports=False,
                allow_warnings=False,
                abort_on_first=False,
                meta_shacl=False,
            )
    except Exception as err:  # pyshacl raises its own and rdflib's error types for a broken shapes graph
        raise PanetError(f"pyshacl cannot use the shapes graph: {str(err).strip().splitlines()[0]}") from None
    finally:
        log.disabled = was_disabled
    return [
        (
            report.value(r, SH.focusNode),
            report.value(r, SH.resultPath),
            report.value(r, SH.value),
            report.value(r, SH.sourceShape),
            report.value(r, SH.sourceConstraintComponent),
            report.value(r, SH.resultSeverity),
        )
        for r in report.objects(None, SH.result)
    ]
