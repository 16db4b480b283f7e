"""``panet serve``: the REST/SPARQL service under uvicorn."""

from __future__ import annotations

from pathlib import Path
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
    version: Annotated[
        str | None, typer.Option("--version", help="Serve a shipped release instead (1.1.0, v1.3.0, latest, current).")
    ] = None,
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data", help="RDF file served by /sparql besides PaNET (e.g. annotated records.ttl); repeatable."
        ),
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option("--store", file_okay=False, help="Keep the SPARQL store on disk here; reused while unchanged."),
    ] = None,
) -> None:
    """Serve PaNET over HTTP: REST, an OLS-compatible API and SPARQL (OpenAPI docs at /docs)."""
    import os

    import uvicorn

    from panet.api.http import BoundedH11Protocol
    from panet.api.settings import Settings
    from panet.loader import load
    from panet.sparql import build_store, prepare_store

    files = [str(p) for p in data or ()]
    # fail here, with one clear line, before uvicorn starts workers
    if ontology is not None and version is not None:
        raise typer.BadParameter("give --ontology FILE or --version V, not both")
    onto = load(ontology, version=version)
    if store is not None:
        prepare_store(onto, files, store)
    else:
        build_store(onto, files)
    os.environ["PANET_ONTOLOGY"] = onto.path  # what was loaded, so every worker serves the same file
    os.environ.pop("PANET_VERSION", None)
    os.environ["PANET_DATA"] = os.pathsep.join(files)
    os.environ["PANET_STORE"] = str(store or "")
    uvicorn.run(
        "panet.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES,
        http=BoundedH11Protocol,  # request heads within PANET_HEADER_TIMEOUT; protocol errors as problem+json
        timeout_graceful_shutdown=Settings().shutdown_timeout,  # SIGTERM stops requests in progress after this
    )
