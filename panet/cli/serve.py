"""``panet serve``: the REST/SPARQL service under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from panet.cli import OntologyOption, app


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
    uvicorn.run("panet.api.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info")
