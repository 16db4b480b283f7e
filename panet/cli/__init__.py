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

from panet.errors import PanetError, PanetWarning

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
        help="PaNET file to use (.owl, .ttl, .csv), or a shipped version (1.1.0, v1.3.0, latest); "
        "default: the shipped current build.",
        dir_okay=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (stable keys) instead of text.")]


def load_ontology(path: Path | None):  # -> panet.Ontology
    """The ontology a command works on: ``--ontology`` names a file or a shipped version
    (`panet.shipped.resolve_ontology`)."""
    from panet.loader import load

    return load(path)


def print_json(data: Any) -> None:
    """Write ``data`` as JSON to stdout (UTF-8, no ASCII escaping)."""
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


# library wording -> the CLI flag that does the same (library errors name parameters, not flags)
_FLAGS = {"pass kind='specifier'": "pass --kind specifier"}


def _cli_wording(message: str) -> str:
    """``message`` with the library's parameter names replaced by this CLI's options.

    >>> _cli_wording("no PaNET term matches 'x-ray'; pass kind='specifier' to look up specifiers")
    "no PaNET term matches 'x-ray'; pass --kind specifier to look up specifiers"
    """
    for library, flag in _FLAGS.items():
        message = message.replace(library, flag)
    return message


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``panet`` script; returns the exit status."""
    import warnings

    from panet.cli import annotate, pan, records, serve, sparql, terms, validate, versions  # noqa: F401  (register commands)

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if issubclass(category, PanetWarning):  # e.g. a deprecated term: one line, like errors
            typer.echo(f"panet: warning: {message}", err=True)
        else:
            sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    try:
        with warnings.catch_warnings():
            warnings.showwarning = show
            app(args=argv, prog_name="panet")  # click reports usage errors itself and exits 2
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else int(done.code is not None)
    except PanetError as err:
        typer.echo(f"panet: error: {_cli_wording(str(err))}", err=True)
        return 2
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
