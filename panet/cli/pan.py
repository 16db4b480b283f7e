"""PaN search API helpers: ``panet pan-filter``."""

from __future__ import annotations

from typing import Annotated

import typer

from panet.cli import OntologyOption, app, load_ontology, print_json


@app.command("pan-filter")
def pan_filter(
    key: Annotated[str, typer.Argument(help="Technique: IRI, CURIE, ID, label, synonym or former label.")],
    descendants: Annotated[
        bool, typer.Option("--descendants/--no-descendants", help="Also select every technique under it.")
    ] = True,
    ontology: OntologyOption = None,
) -> None:
    """Print the PaN search API filter (GET /datasets?filter=…) for datasets of a technique."""
    from panet.loopback import pan_search_filter

    print_json(pan_search_filter(load_ontology(ontology), key, descendants=descendants))
