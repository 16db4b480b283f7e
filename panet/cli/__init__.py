"""The ``panet`` command line (argparse).

argparse because start-up is what a command in a shell loop pays on every call: it costs ~3 ms to
import, where click costs ~35 ms and typer with rich ~350 ms (typer pulls in pydantic), against
~40 ms for ``python -c "import panet; panet.load()"`` (benchmarks/bench_cli.py measures the ratio).

Each module in this package adds its commands with `Commands.add` (only the command asked for is
built); a command only parses, calls the library and prints, and returns its exit status:

- 0: done;
- 1: ran but found problems (validation results at or above ``--fail-on``, rejected records,
  no search hits);
- 2: bad input or usage — one ``panet: error: …`` line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys

from panet.errors import PanetError, PanetWarning

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from panet.options import Choice

__all__ = [
    "EXIT_STATUS",
    "Commands",
    "Parser",
    "UsageError",
    "build_parser",
    "choice",
    "load_ontology",
    "main",
    "print_json",
]

EXIT_STATUS = """exit status:
  0  done
  1  ran but found problems: validation results at or above --fail-on, rejected records, no search hits
  2  bad input or usage: one 'panet: error: ...' line on stderr"""

DESCRIPTION = (
    "PaNET, the Photon and Neutron Experimental Techniques ontology, offline: lookup, search, hierarchy, "
    "annotation of text and catalogue records, SHACL validation, and a REST/SPARQL service."
)

# every command and the module that adds it (`add_commands`), in the order of `panet --help`; a
# command line naming one builds only that command's parser (building all costs more than loading PaNET)
COMMANDS = {
    "term": "terms",
    "search": "terms",
    "tree": "terms",
    "ancestors": "terms",
    "descendants": "terms",
    "annotate": "annotate",
    "annotate-records": "records",
    "harvest": "records",
    "validate": "validate",
    "shapes": "validate",
    "facets": "versions",
    "releases": "versions",
    "diff": "versions",
    "classify": "versions",
    "pan-filter": "pan",
    "sparql": "sparql",
    "serve": "serve",
    "catalogue": "catalogue",
}


class UsageError(PanetError):
    """A command line argparse cannot parse; reported like every other error, on one line."""


class Parser(argparse.ArgumentParser):
    """argparse with usage errors as one ``panet: error:`` line (`UsageError`) instead of usage + message."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and epilogs as written (paragraphs, lists, tables), but a first paragraph
    written as one long line (a command's summary) is wrapped to the terminal, like option help."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30, width=_width())

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap

        first, sep, rest = text.partition("\n\n")
        if "\n" in first:
            return super()._fill_text(text, width, indent)
        return textwrap.fill(first, min(width, 100), initial_indent=indent, subsequent_indent=indent) + sep + rest


def _width() -> int:
    """The terminal's width less 2 (argparse's rule), without importing shutil (argparse builds
    a formatter for every option it adds)."""
    try:
        return int(os.environ["COLUMNS"]) - 2
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns - 2
    except (OSError, ValueError, AttributeError):
        return 78


class Commands:
    """The commands of a parser; ``wanted`` names the only one to build (None: all)."""

    def __init__(self, subparsers: Any, wanted: str | None) -> None:
        self.subparsers = subparsers
        self.wanted = wanted

    def add(
        self,
        run: Callable[[argparse.Namespace], int | None],
        name: str | None = None,
        problems: str | None = None,
        resumable: bool = False,
    ) -> Any:
        """Add the command ``name`` (default: ``run``'s name, dashed) running ``run``; its docstring
        is the help: the first paragraph in ``panet --help``, the whole in ``panet NAME --help``;
        ``problems`` says when it exits with 1, ``resumable`` that a failed run exits with 3 and can
        be resumed. Returns its parser, or an `UnbuiltCommand` when another command was asked for."""
        name = name or run.__name__.rstrip("_").replace("_", "-")
        if self.wanted is not None and name != self.wanted:
            return UnbuiltCommand()
        doc = " ".join((run.__doc__ or "").split("\n\n")[0].split())
        rest = (run.__doc__ or "").partition("\n\n")[2]
        parser = self.subparsers.add_parser(
            name,
            help=doc,
            description=doc + ("\n\n" + _dedent(rest) if rest.strip() else ""),
            epilog=exit_statuses(problems, resumable),
            formatter_class=HelpFormatter,
        )
        parser.set_defaults(run=run)
        return parser


def exit_statuses(problems: str | None, resumable: bool = False) -> str:
    """A command's exit statuses; ``problems``: when it exits with 1, if it does; ``resumable``:
    whether a run that fails part way exits with 3 (`panet.errors.RunFailed`).

    >>> print(exit_statuses("no term matches"))
    exit status:
      0  done
      1  no term matches
      2  bad input or usage: one 'panet: error: ...' line on stderr
    """
    one = f"\n  1  {problems}" if problems else ""
    three = "\n  3  the run failed part way (disk full, server gone): rerun with --resume" if resumable else ""
    return f"exit status:\n  0  done{one}\n  2  bad input or usage: one 'panet: error: ...' line on stderr{three}"


class UnbuiltCommand:
    """Stands for the parser of a command not asked for: its options are not added."""

    def add_argument(self, *names: str, **options: Any) -> None:
        """Nothing to do."""


def _dedent(text: str) -> str:
    """``text`` without the indentation its lines share (a docstring's), without importing textwrap.

    >>> _dedent("  a\\n    b\\n")
    'a\\n  b'
    """
    lines = text.strip("\n").splitlines()
    margin = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return "\n".join(line[margin:] for line in lines).strip()


def choice(enum: type[Choice]) -> Callable[[str], Choice]:
    """An argparse ``type`` parsing a value with ``enum.parse`` (one message listing the valid values).

    >>> from panet.options import Kind
    >>> choice(Kind)("any")
    <Kind.any: 'any'>
    """

    def parse(value: str) -> Choice:
        try:
            return enum.parse(value)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    parse.__name__ = enum.option()
    parse.enum = enum  # type: ignore[attr-defined]  # the values shell completion offers
    return parse


def count(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse ``type``: an integer from ``minimum`` (to ``maximum``).

    >>> count(0)("3")
    3
    """

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if number < minimum or (maximum is not None and number > maximum):
            bounds = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
            raise argparse.ArgumentTypeError(f"{value} is out of range: give a number {bounds}")
        return number

    parse.__name__ = "number"
    return parse


def http_url(value: str) -> str:
    """An argparse ``type``: an http(s) URL with a host.

    >>> http_url("https://example.org/oai")
    'https://example.org/oai'
    """
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"{value!r} is not an http:// or https:// URL")
    return value


def add_ontology(parser: argparse.ArgumentParser) -> None:
    """``--ontology FILE|VERSION`` (also ``$PANET_ONTOLOGY``)."""
    parser.add_argument(
        "--ontology",
        metavar="FILE|VERSION",
        default=os.environ.get("PANET_ONTOLOGY") or None,
        help="PaNET file (.owl, .ttl, .csv) or a shipped version (1.1.0, v1.3.0, latest); "
        "default: $PANET_ONTOLOGY, else the shipped current build",
    )


def add_json(parser: argparse.ArgumentParser) -> None:
    """``--json``: print JSON with stable keys."""
    parser.add_argument("--json", action="store_true", help="print JSON (stable keys) instead of text")


def add_processes(parser: argparse.ArgumentParser, what: str) -> None:
    """``-p/--processes N``: worker processes (1: none; 0: one per CPU); ``what`` they do."""
    parser.add_argument(
        "-p", "--processes", type=count(0), default=1, metavar="N", help=f"worker processes {what} (1; 0: one per CPU)"
    )


def add_output(parser: argparse.ArgumentParser, help: str = "write to FILE instead of stdout") -> None:
    """``-o/--output FILE`` (written atomically; its folder must exist; never the input)."""
    parser.add_argument(
        "-o", "--output", metavar="FILE", help=help + " (atomically; the folder must exist; never an input file)"
    )


def load_ontology(path: str | None, version: str | None = None):  # -> panet.Ontology
    """The ontology a command works on: ``--ontology`` names a file or a shipped version
    (`panet.shipped.resolve_ontology`: an existing file wins); the commands that also take
    ``--version`` pass it, and giving both is a usage error.

    >>> load_ontology("v1.1.0").version, load_ontology(None).path.endswith("PaNET_reasoned.owl")
    ('1.1.0', True)
    """
    from panet.errors import OptionError
    from panet.loader import load

    if path is not None and version is not None:
        raise OptionError("give --ontology FILE or --version V, not both")
    return load(path, version=version)


def print_json(data: Any) -> None:
    """Write ``data`` as JSON to stdout (UTF-8, no ASCII escaping).

    >>> print_json({"label": "Röntgen"})
    {
      "label": "Röntgen"
    }
    """
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def warn(message: object) -> None:
    """One ``panet: warning:`` line on stderr.

    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as err:
    ...     warn("row 3: a label of several classes")
    >>> err.getvalue()
    'panet: warning: row 3: a label of several classes\\n'
    """
    sys.stderr.write(f"panet: warning: {message}\n")


def build_parser(argv: list[str] | None = None) -> Parser:
    """The ``panet`` parser: with only the command ``argv`` starts with, if it does, else every command.

    >>> sorted(build_parser()._subparsers._group_actions[0].choices)[:3]
    ['ancestors', 'annotate', 'annotate-records']
    >>> list(build_parser(["term", "SAXS"])._subparsers._group_actions[0].choices)
    ['term']
    """
    import importlib

    from panet import __version__

    parser = Parser(
        prog="panet",
        description=DESCRIPTION,
        epilog=EXIT_STATUS + '\n\nshell completion: eval "$(panet --completion bash)" (or zsh; fish: see the README)',
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"panet {__version__}")
    parser.add_argument(
        "--completion",
        choices=("bash", "zsh", "fish"),
        metavar="SHELL",
        help="print a completion script for bash, zsh or fish and exit",
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command", parser_class=Parser)
    wanted = argv[0] if argv and argv[0] in COMMANDS else None  # `panet -h`, `panet --completion …`: all
    commands = Commands(subparsers, wanted)
    for module in dict.fromkeys(COMMANDS.values()) if wanted is None else (COMMANDS[wanted],):
        importlib.import_module(f"panet.cli.{module}").add_commands(commands)
    return parser


# library wording -> the CLI option that does the same (library errors name parameters, not options)
_FLAGS = {
    "pass kind='specifier'": "pass --kind specifier",
    "format=FORMAT": "--format FORMAT",
    "format=nexus": "--format nexus",
    "fields=title,abstract": "--fields title,abstract",
    "resume=True": "--resume",
    "context=FILE": "--context FILE",
}


def _cli_wording(message: str) -> str:
    """``message`` with the library's parameter names replaced by this CLI's options.

    >>> _cli_wording("no PaNET term matches 'x-ray'; pass kind='specifier' to look up specifiers")
    "no PaNET term matches 'x-ray'; pass --kind specifier to look up specifiers"
    """
    for library, flag in _FLAGS.items():
        message = message.replace(library, flag)
    return message


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``panet`` script: runs the command ``argv`` (default: ``sys.argv[1:]``)
    and returns the exit status.

    >>> main(["releases"])
    v1.0.0   1.0.0              2021-06-18  releases/v1.0.0/PaNET.owl
    ...
    0
    """
    import warnings

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if issubclass(category, PanetWarning):  # e.g. a deprecated term: one line, like errors
            warn(message)
        else:
            sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    try:
        if argv is None:
            argv = sys.argv[1:]
        parser = build_parser(argv)
        args, unknown = parser.parse_known_args(argv)
        if unknown:
            where = f"panet {args.command}" if args.command else "panet"
            raise UsageError(f"unrecognized arguments: {' '.join(unknown)} (see '{where} --help')")
        if args.completion:
            from panet.cli.completion import script

            sys.stdout.write(script(parser, args.completion))
            return 0
        if args.command is None:  # plain `panet`: what it can do
            parser.print_help()
            return 0
        with warnings.catch_warnings():
            warnings.showwarning = show
            return args.run(args) or 0
    except SystemExit as done:  # --help, --version
        return done.code if isinstance(done.code, int) else int(done.code is not None)
    except PanetError as err:  # one line, whatever the message (a parser's may span several)
        message = "; ".join(filter(None, map(str.strip, str(err).splitlines())))
        sys.stderr.write(f"panet: error: {_cli_wording(message)}\n")
        return err.exit_status  # 2; 3 for a run that failed part way and can be resumed
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("panet: error: interrupted\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
