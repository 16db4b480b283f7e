"""The ``panet`` command line (typer + rich).

Each module in this package registers its commands on `app`; commands only parse options,
call the library and print. Errors the library raises on purpose (`panet.PanetError`) become
one line on stderr and exit status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from panet.errors import PanetError

__all__ = ["JsonOption", "OntologyOption", "app", "load_ontology", "main", "print_json"]

app = typer.Typer(
    name="panet",
    help="PaNET, the Photon and Neutron Experimental Techniques ontology: lookup, search and hierarchy, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

OntologyOption = Annotated[
    Path | None,
    typer.Option(
        "--ontology",
        envvar="PANET_ONTOLOGY",
        help="PaNET file to use (.owl, .ttl, .csv); default: the shipped current release.",
        dir_okay=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (stable keys) instead of text.")]


def load_ontology(path: Path | None):  # -> panet.Ontology
    """The ontology a command works on."""
    from panet.loader import load

    return load(path)


def print_json(data: Any) -> None:
    """Write ``data`` as JSON to stdout (UTF-8, no ASCII escaping)."""
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``panet`` script; returns the exit status."""
    import click

    from panet.cli import serve, sparql, terms  # noqa: F401  (register their commands)

    try:
        app(args=argv, prog_name="panet", standalone_mode=False)
    except PanetError as err:
        typer.echo(f"panet: error: {err}", err=True)
        return 2
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as err:
        err.show()
        return 2
    except click.exceptions.Abort:
        typer.echo("panet: aborted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
