"""Commands ``panet validate`` (SHACL validation) and ``panet shapes`` (shapes for a PaNET version)."""

from __future__ import annotations

import sys

from panet.cli import Commands, add_ontology, add_output, choice, load_ontology
from panet.options import Engine, ReportFormat, Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

# the report's result counts that make the exit status 1, by --fail-on
FAILING = {
    Severity.violation: ("Violation",),
    Severity.warning: ("Violation", "Warning"),
    Severity.info: ("Violation", "Warning", "Info"),
}


def _add_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--version",
        metavar="VERSION",
        help="a shipped PaNET release (1.3.0, latest, current) instead of the current build",
    )


def add_commands(commands: Commands) -> None:
    """Add validate and shapes."""
    parser = commands.add(validate_command, "validate", problems="results at or above --fail-on (violation)")
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="data files: Turtle, RDF/XML, N-Triples, JSON-LD or JSON"
    )
    parser.add_argument(
        "--shapes", action="append", metavar="FILE", help="SHACL shapes file (repeatable; default: the shipped profile)"
    )
    parser.add_argument(
        "--engine",
        type=choice(Engine),
        default=Engine.fast,
        metavar="ENGINE",
        help="fast (the default), or pyshacl (the reference)",
    )
    parser.add_argument(
        "-f",
        "--format",
        type=choice(ReportFormat),
        default=ReportFormat.text,
        metavar="FORMAT",
        help="report format: text (the default), json or ttl",
    )
    parser.add_argument(
        "--context", metavar="CONTEXT", help="read plain JSON records with a context: pan-search, scicat or a FILE"
    )
    parser.add_argument(
        "--fail-on",
        type=choice(Severity),
        default=Severity.violation,
        metavar="SEVERITY",
        help="lowest severity that makes the exit status 1: violation (the default), warning or info",
    )
    add_ontology(parser)
    _add_version(parser)

    parser = commands.add(shapes_command, "shapes")
    add_output(parser)
    parser.add_argument(
        "--under", metavar="KEY", help="only the 'technique under KEY' template, e.g. 'small angle scattering'"
    )
    parser.add_argument(
        "--property",
        dest="properties",
        action="append",
        metavar="IRI",
        help="IRI of a property whose values must be technique IRIs (repeatable)",
    )
    parser.add_argument(
        "--profile", action="store_true", default=True, help="include the dataset profile, shapes/dataset.ttl (default)"
    )
    parser.add_argument("--no-profile", dest="profile", action="store_false", help="only the technique shapes")
    add_ontology(parser)
    _add_version(parser)


def validate_command(args: argparse.Namespace) -> int:
    """Validate dataset metadata against SHACL shapes. FILEs are read into one data graph.

    The report's first line says whether the data conforms: in SHACL any result, even a warning,
    means "does not conform". The exit status follows --fail-on: with the default (violation), a
    report with only warnings or infos exits 0."""
    from panet.shacl import validate

    onto = load_ontology(args.ontology, args.version)
    report = validate(
        args.files, shapes=args.shapes or None, engine=args.engine.value, ontology=onto, context=args.context
    )
    if args.format is ReportFormat.json:
        sys.stdout.write(report.to_json() + "\n")
    elif args.format is ReportFormat.ttl:
        sys.stdout.write(report.graph.serialize(format="turtle"))
    else:
        sys.stdout.write(report.text() + "\n")
    return 1 if any(report.count(name) for name in FAILING[args.fail_on]) else 0


def shapes_command(args: argparse.Namespace) -> None:
    """Write SHACL shapes (Turtle) generated for a PaNET version: the dataset profile and the
    technique shapes, or with --under only the 'technique under KEY' template."""
    from panet.files import check_output, write_atomic
    from panet.shacl.generate import SCHEMA, default_shapes, technique_shapes, under_shapes

    if args.output is not None:
        check_output(args.output, [args.ontology] if args.ontology else [])
    onto = load_ontology(args.ontology, args.version)
    chosen = args.properties or [str(SCHEMA.measurementTechnique)]
    if args.under is not None:
        graph = under_shapes(onto, args.under, chosen)
    elif args.properties or not args.profile:
        graph = technique_shapes(onto, properties=chosen)
    else:
        graph = default_shapes(onto)
    text = graph.serialize(format="turtle")
    if args.output is None:
        sys.stdout.write(text)
        return
    write_atomic(args.output, text)
    sys.stderr.write(f"wrote {args.output} (PaNET {onto.version})\n")
