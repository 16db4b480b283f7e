"""Commands ``panet validate`` (SHACL validation) and ``panet shapes`` (shapes for a PaNET version)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from panet.cli import OntologyOption, app
from panet.errors import PanetError

VersionOption = Annotated[
    str | None,
    typer.Option("--version", help="A shipped PaNET release (1.3.0, latest, current) instead of the current build."),
]


class EngineChoice(StrEnum):
    fast = "fast"
    pyshacl = "pyshacl"


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    ttl = "ttl"


class Severity(StrEnum):
    violation = "violation"
    warning = "warning"
    info = "info"


def _ontology(ontology: Path | None, version: str | None):  # -> panet.Ontology
    if version is not None and ontology is not None:
        raise typer.BadParameter("give --version or --ontology, not both")
    from panet.loader import load

    return load(ontology, version=version)


@app.command("validate")
def validate_command(
    files: Annotated[list[Path], typer.Argument(help="Data files: Turtle, RDF/XML, N-Triples, JSON-LD or JSON.")],
    shapes: Annotated[
        list[Path] | None,
        typer.Option("--shapes", help="SHACL shapes file (repeatable); default: the shipped profile.", dir_okay=False),
    ] = None,
    engine: Annotated[EngineChoice, typer.Option("--engine", help="fast, or pyshacl (the reference).")] = (
        EngineChoice.fast
    ),
    format: Annotated[ReportFormat, typer.Option("--format", "-f", help="Report format.")] = ReportFormat.text,
    context: Annotated[
        str | None,
        typer.Option("--context", help="Read plain JSON records with a context: pan-search, scicat or a FILE."),
    ] = None,
    fail_on: Annotated[
        Severity, typer.Option("--fail-on", help="Lowest severity that makes the exit status 1.")
    ] = Severity.violation,
    ontology: OntologyOption = None,
    version: VersionOption = None,
) -> None:
    """Validate dataset metadata against SHACL shapes. FILEs are read into one data graph.

    Exit status: 0 no result at or above --fail-on, 1 otherwise, 2 unreadable input.
    """
    from panet.shacl import validate

    onto = _ontology(ontology, version)
    report = validate(
        [str(f) for f in files], shapes=shapes or None, engine=engine.value, ontology=onto, context=context
    )
    if format is ReportFormat.json:
        sys.stdout.write(report.to_json() + "\n")
    elif format is ReportFormat.ttl:
        sys.stdout.write(report.graph.serialize(format="turtle"))
    else:
        sys.stdout.write(report.text() + "\n")
    failing = {
        "violation": ("Violation",),
        "warning": ("Violation", "Warning"),
        "info": ("Violation", "Warning", "Info"),
    }
    if any(report.count(name) for name in failing[fail_on.value]):
        raise typer.Exit(1)


@app.command("shapes")
def shapes_command(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
    under: Annotated[
        str | None,
        typer.Option("--under", help="Only the 'technique under KEY' template, e.g. 'small angle scattering'."),
    ] = None,
    properties: Annotated[
        list[str] | None,
        typer.Option("--property", help="IRI of a property whose values must be technique IRIs (repeatable)."),
    ] = None,
    profile: Annotated[
        bool, typer.Option("--profile/--no-profile", help="Include the dataset profile (shapes/dataset.ttl).")
    ] = True,
    ontology: OntologyOption = None,
    version: VersionOption = None,
) -> None:
    """Write SHACL shapes (Turtle) generated for a PaNET version: the dataset profile and the
    technique shapes, or with --under only the 'technique under KEY' template."""
    from panet.shacl.generate import SCHEMA, default_shapes, technique_shapes, under_shapes

    onto = _ontology(ontology, version)
    chosen = properties or [str(SCHEMA.measurementTechnique)]
    if under is not None:
        graph = under_shapes(onto, under, chosen)
    elif properties or not profile:
        graph = technique_shapes(onto, properties=chosen)
    else:
        graph = default_shapes(onto)
    text = graph.serialize(format="turtle")
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        raise PanetError(f"{output}: cannot be written ({err.strerror})") from None
    typer.echo(f"wrote {output} (PaNET {onto.version})", err=True)
