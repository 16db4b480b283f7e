"""PaN search API helpers: ``panet pan-filter``."""

from __future__ import annotations

from panet.cli import Commands, add_ontology, load_ontology, print_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def add_commands(commands: Commands) -> None:
    """Add pan-filter."""
    parser = commands.add(pan_filter)
    parser.add_argument("key", metavar="KEY", help="technique: IRI, CURIE, ID, label, synonym or former label")
    parser.add_argument(
        "--descendants", action="store_true", default=True, help="also select every technique under it (the default)"
    )
    parser.add_argument("--no-descendants", dest="descendants", action="store_false", help="select KEY only")
    add_ontology(parser)


def pan_filter(args: argparse.Namespace) -> None:
    """Print the PaN search API filter (GET /datasets?filter=…) for datasets of a technique.

    Prints JSON (the filter is JSON)."""
    from panet.loopback import pan_search_filter

    print_json(pan_search_filter(load_ontology(args.ontology), args.key, descendants=args.descendants))
