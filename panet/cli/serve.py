"""``panet serve``: the REST/SPARQL service under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from panet.cli import OntologyOption, app

# h11 refuses a request line + headers longer than this with a bare "400 Invalid HTTP request"
# (its default is 16 kB). Above the filter size the API checks itself (panet.loopback.MAX_JSON_CHARS),
# so a long LoopBack where gets a problem+json answer saying what is wrong.
MAX_REQUEST_HEAD_BYTES = 1024 * 1024


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes.")] = 1,
    ontology: OntologyOption = None,
) -> None:
    """Serve PaNET over HTTP (OpenAPI docs at /docs)."""
    import os

    import uvicorn

    from panet.loader import load

    load(ontology)  # fail here, with one clear line, before uvicorn starts workers
    if ontology is not None:
        os.environ["PANET_ONTOLOGY"] = str(ontology)
    uvicorn.run(
        "panet.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES,
    )
