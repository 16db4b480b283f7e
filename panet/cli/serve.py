"""``panet serve``: the REST/SPARQL service under uvicorn."""

from __future__ import annotations

from panet.cli import Commands, add_ontology, count, load_ontology
from panet.errors import PanetError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

# h11 refuses a request line + headers longer than this with a bare "400 Invalid HTTP request"
# (its default is 16 kB). Above the filter size the API checks itself (panet.loopback.MAX_JSON_CHARS),
# so a long LoopBack where gets a problem+json answer saying what is wrong.
MAX_REQUEST_HEAD_BYTES = 1024 * 1024


def add_commands(commands: Commands) -> None:
    """Add serve."""
    parser = commands.add(serve)
    parser.add_argument("--host", default="127.0.0.1", metavar="HOST", help="interface to listen on (127.0.0.1)")
    parser.add_argument("--port", type=count(0, 65535), default=8000, metavar="PORT", help="TCP port (8000)")
    parser.add_argument("--workers", type=count(1), default=1, metavar="N", help="uvicorn worker processes (1)")
    add_ontology(parser)
    parser.add_argument(
        "--version", metavar="VERSION", help="serve a shipped release instead (1.1.0, v1.3.0, latest, current)"
    )
    parser.add_argument(
        "--data",
        action="append",
        metavar="FILE",
        help="RDF file served by /sparql besides PaNET (e.g. annotated records.ttl); repeatable",
    )
    parser.add_argument("--store", metavar="DIR", help="keep the SPARQL store on disk here; reused while unchanged")
    parser.add_argument(
        "--catalogue",
        metavar="STORE",
        help="also serve the PaN search API (/datasets, /documents, /instruments) over this store "
        "(made by panet catalogue build): an SQLite file or a postgresql://user@host/db URL",
    )


def serve(args: argparse.Namespace) -> None:
    """Serve PaNET over HTTP: REST, an OLS-compatible API and SPARQL (OpenAPI docs at /docs)."""
    import os

    import uvicorn

    from panet.api.http import BoundedH11Protocol
    from panet.api.settings import Settings
    from panet.sparql import build_store, prepare_store

    files = list(args.data or ())
    # fail here, with one clear line, before uvicorn starts workers
    _check_port(args.host, args.port)
    onto = load_ontology(args.ontology, args.version)
    if args.store is not None:
        prepare_store(onto, files, args.store)
    elif files:  # check the data files here; the query workers load them with the first query
        build_store(onto, files)
    if args.catalogue is not None:
        from panet.catalogue import Catalogue

        Catalogue(args.catalogue, onto)  # a missing or foreign file: one error line now, not in each worker
    # every check passed: what the workers read (set only now, so a refused run leaves no trace)
    os.environ["PANET_ONTOLOGY"] = onto.path  # what was loaded, so every worker serves the same file
    os.environ.pop("PANET_VERSION", None)
    os.environ["PANET_DATA"] = os.pathsep.join(files)
    os.environ["PANET_STORE"] = str(args.store or "")
    if args.catalogue is not None:
        from panet.catalogue.dialect import is_server

        os.environ["PANET_CATALOGUE"] = args.catalogue if is_server(args.catalogue) else os.path.abspath(args.catalogue)
    uvicorn.run(
        "panet.api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES,
        http=BoundedH11Protocol,  # request heads within PANET_HEADER_TIMEOUT; protocol errors as problem+json
        timeout_graceful_shutdown=Settings().shutdown_timeout,  # SIGTERM stops requests in progress after this
    )


def _check_port(host: str, port: int) -> None:
    """Raise `PanetError` (one line) when ``host:port`` cannot be listened on — busy, or not an
    address of this machine — instead of uvicorn's log lines and exit status 3."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as err:
        raise PanetError(f"--host {host}: not a known address ({err.strerror})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as err:
            raise PanetError(
                f"cannot listen on {host}:{port} ({err.strerror}); stop what uses it or pass another --port"
            ) from None
