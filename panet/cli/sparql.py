"""``panet sparql``: a read-only SPARQL query, over the local PaNET or a remote endpoint."""

from __future__ import annotations

import sys

from panet.cli import Commands, add_ontology, choice, http_url, load_ontology
from panet.options import ResultFormat

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

# What each choice asks for (an Accept header); "auto": TSV rows, Turtle graphs.
ACCEPT = {
    ResultFormat.auto: "text/tab-separated-values, text/turtle",
    ResultFormat.json: "application/sparql-results+json, application/ld+json",
    ResultFormat.xml: "application/sparql-results+xml, application/rdf+xml",
    ResultFormat.csv: "text/csv",
    ResultFormat.tsv: "text/tab-separated-values",
    ResultFormat.turtle: "text/turtle",
    ResultFormat.ntriples: "application/n-triples",
    ResultFormat.jsonld: "application/ld+json",
}


def add_commands(commands: Commands) -> None:
    """Add sparql."""
    parser = commands.add(sparql)
    parser.add_argument("query", metavar="QUERY", help="the SPARQL query, or - to read it from stdin")
    parser.add_argument(
        "-e", "--endpoint", type=http_url, metavar="URL", help="URL of a SPARQL endpoint (default: the local PaNET)"
    )
    parser.add_argument(
        "-f",
        "--format",
        type=choice(ResultFormat),
        default=ResultFormat.auto,
        metavar="FORMAT",
        help="result format: " + ", ".join(ResultFormat.values()) + " (auto, the default: TSV rows, Turtle graphs)",
    )
    add_ontology(parser)


def sparql(args: argparse.Namespace) -> None:
    """Run a read-only SPARQL query.

    Locally, prefixes panet:, rdfs:, owl:, skos: are predeclared and rdfs:subClassOf holds the
    whole reasoned hierarchy."""
    text = sys.stdin.read() if args.query == "-" else args.query
    if args.endpoint is None:
        from panet.sparql import build_store, execute

        body, _ = execute(build_store(load_ontology(args.ontology)), text, ACCEPT[args.format])
    else:
        from panet.remote import Endpoint

        body, _ = Endpoint(args.endpoint).raw(text, ACCEPT[args.format])
    sys.stdout.flush()
    sys.stdout.buffer.write(body if body.endswith(b"\n") else body + b"\n")
