"""``panet catalogue build``: records annotated into a catalogue store that ``panet serve
--catalogue`` serves as the PaN search API."""

from __future__ import annotations

import os

from panet.cli import Commands, add_json, add_ontology, add_processes, load_ontology, print_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def add_commands(commands: Commands) -> None:
    """Add catalogue (with its action, build)."""
    parser = commands.add(catalogue, problems="some records could not be read (they are listed)")
    parser.add_argument("action", choices=["build"], metavar="build", help="build or update a store")
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="records file or folder (PaN, SciCat, DataCite/OAI-PMH, NeXus, LoopBack db.json) or an OAI-PMH URL",
    )
    store = os.environ.get("PANET_CATALOGUE") or None
    parser.add_argument(
        "-o",
        "--output",
        metavar="STORE",
        required=store is None,
        default=store,
        help="the store: an SQLite file or a postgresql://user@host/db URL (needs panet[postgres]); "
        "updated if it exists (default: $PANET_CATALOGUE)",
    )
    parser.add_argument("--rebuild", action="store_true", help="start the store anew instead of updating it")
    add_processes(parser, "that read and annotate while the store is written")
    parser.add_argument(
        "--format",
        metavar="FORMAT",
        help="record format of every input: pan, scicat, datacite, jsonl, csv, nexus or loopback (default: detected)",
    )
    add_ontology(parser)
    add_json(parser)


def catalogue(args: argparse.Namespace) -> int:
    """Build or update a PaN search API catalogue: read, annotate and store records.

    Inputs are read as `panet annotate-records` reads them, an http(s) URL is harvested over
    OAI-PMH (oai_datacite; later builds ask only for records changed since). Datasets are matched
    by pid, so a rebuild updates, and OAI-PMH deletions delete. A new store is written beside its
    name and renamed at the end; an update is one transaction: a failed or killed build leaves the
    previous store as it was. Serve it with: panet serve --catalogue STORE

    STORE is an SQLite file or a PostgreSQL database (postgresql://user@host/db; the tables go
    into its schema panet_catalogue, built in one transaction).
    """
    from panet.catalogue import build
    from panet.catalogue.dialect import is_server
    from panet.files import check_output

    if not is_server(args.output):
        check_output(args.output, [i for i in args.inputs if not i.startswith(("http://", "https://"))])
    summary = build(args.inputs, args.output, format=args.format, ontology=load_ontology(args.ontology),
                    rebuild=args.rebuild, processes=args.processes)  # fmt: skip
    if args.json:
        print_json({"store": str(summary.store), "datasets": summary.datasets, "documents": summary.documents,
                    "deleted": summary.deleted, "rejected": summary.rejected})  # fmt: skip
    else:
        print(f"{summary.store}: {summary.datasets:,} datasets and {summary.documents:,} documents put, "
              f"{summary.deleted:,} deleted, {len(summary.rejected):,} records rejected")  # fmt: skip
        for reject in summary.rejected[:20]:
            print(f"  rejected: {reject}")
    return 1 if summary.rejected else 0
