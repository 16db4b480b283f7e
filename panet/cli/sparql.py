"""``panet sparql``: a read-only SPARQL query, over the local PaNET or a remote endpoint."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from panet.cli import OntologyOption, app, load_ontology


class ResultFormat(StrEnum):
    auto = "auto"
    json = "json"
    xml = "xml"
    csv = "csv"
    tsv = "tsv"
    turtle = "turtle"
    ntriples = "ntriples"
    jsonld = "jsonld"


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


@app.command()
def sparql(
    query: Annotated[str, typer.Argument(help="The SPARQL query, or - to read it from stdin.")],
    endpoint: Annotated[
        str | None, typer.Option("--endpoint", "-e", help="URL of a SPARQL endpoint; default: the local PaNET.")
    ] = None,
    format: Annotated[
        ResultFormat, typer.Option("--format", "-f", help="Result format; auto = TSV rows, Turtle graphs.")
    ] = ResultFormat.auto,
    ontology: OntologyOption = None,
) -> None:
    """Run a read-only SPARQL query. Locally, prefixes panet:, rdfs:, owl:, skos: are
    predeclared and rdfs:subClassOf holds the whole reasoned hierarchy."""
    text = sys.stdin.read() if query == "-" else query
    if endpoint is None:
        from panet.sparql import build_store, execute

        body, _ = execute(build_store(load_ontology(ontology)), text, ACCEPT[format])
    else:
        from panet.remote import Endpoint

        body, _ = Endpoint(endpoint).raw(text, ACCEPT[format])
    sys.stdout.buffer.write(body if body.endswith(b"\n") else body + b"\n")
