"""Commands for catalogue records: annotate-records (files) and harvest (OAI-PMH)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from panet.cli import JsonOption, OntologyOption, app, load_ontology, print_json


class FormatChoice(StrEnum):
    pan = "pan"
    scicat = "scicat"
    datacite = "datacite"
    jsonl = "jsonl"
    csv = "csv"
    nexus = "nexus"


class ToChoice(StrEnum):
    same = "same"
    jsonld = "jsonld"
    ttl = "ttl"


OutputOption = Annotated[
    Path, typer.Option("--output", "-o", help="Output file; written to a temporary file, renamed at the end.")
]
FieldsOption = Annotated[
    str | None,
    typer.Option("--fields", help="Text fields to annotate, comma-separated dotted paths (documents.title)."),
]
ProcessesOption = Annotated[
    int, typer.Option("--processes", "-p", min=0, help="Worker processes (0: one per CPU); order is kept.")
]
ResumeOption = Annotated[
    bool, typer.Option("--resume", help="Continue an interrupted run from its checkpoint (same input and options).")
]
RejectsOption = Annotated[
    Path | None,
    typer.Option("--rejects", help="Records that could not be annotated, with reason [default: OUTPUT.rejects.jsonl]."),
]
InstrumentsOption = Annotated[
    Path | None,
    typer.Option("--instruments", help="CSV of your own instrument rows (columns as panet/records/instruments.csv)."),
]
ToOption = Annotated[
    ToChoice, typer.Option("--to", help="Output: the input's format, or schema.org/DCAT as JSON-LD or Turtle.")
]


@app.command("annotate-records")
def annotate_records(
    input: Annotated[Path, typer.Argument(help="Records file (JSON, JSON Lines, XML, CSV, NeXus) or NeXus folder.")],
    output: OutputOption,
    format: Annotated[
        FormatChoice | None, typer.Option("--format", "-f", help="Record format [default: detected from content].")
    ] = None,
    fields: FieldsOption = None,
    processes: ProcessesOption = 1,
    resume: ResumeOption = False,
    rejects: RejectsOption = None,
    to: ToOption = ToChoice.same,
    instruments: InstrumentsOption = None,
    ontology: OntologyOption = None,
    json: JsonOption = False,
) -> None:
    """Add PaNET techniques to catalogue records found in their text; check and correct the
    technique entries they already have. Exit status 1 when some records were rejected."""
    from panet.records import annotate_file

    common = _common(fields, to, processes, resume, rejects, ontology, instruments)
    _run(annotate_file, json, input, output, format=None if format is None else format.value, **common)


@app.command()
def harvest(
    url: Annotated[str, typer.Argument(help="OAI-PMH base URL.")],
    output: OutputOption,
    metadata_prefix: Annotated[
        str, typer.Option("--metadata-prefix", "-m", help="oai_datacite or oai_dc.")
    ] = "oai_datacite",
    set: Annotated[str | None, typer.Option("--set", help="Harvest only this OAI-PMH set.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="Records changed on or after (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Records changed on or before (YYYY-MM-DD).")] = None,
    fields: FieldsOption = None,
    processes: ProcessesOption = 1,
    resume: ResumeOption = False,
    rejects: RejectsOption = None,
    to: ToOption = ToChoice.same,
    instruments: InstrumentsOption = None,
    ontology: OntologyOption = None,
    json: JsonOption = False,
) -> None:
    """Harvest an OAI-PMH endpoint (following resumptionTokens) and annotate every record."""
    from panet.records import harvest as run_harvest

    common = _common(fields, to, processes, resume, rejects, ontology, instruments)
    _run(run_harvest, json, url, output, metadata_prefix=metadata_prefix, set=set, from_=from_, until=until, **common)


def _common(fields, to, processes, resume, rejects, ontology, instruments) -> dict:
    """The options both commands pass on."""
    return {
        "fields": tuple(f.strip() for f in (fields or "").split(",") if f.strip()),
        "to": to.value,
        "processes": processes,
        "resume": resume,
        "rejects": rejects,
        "ontology": load_ontology(ontology),
        "instruments": instruments,
    }


def _run(function, json: bool, *args, **options) -> None:
    """Run ``function`` with a progress bar; print the summary; exit 1 when records were rejected."""
    with _progress() as progress:
        summary = function(*args, progress=progress, **options)
    if json:
        print_json(summary.to_dict())
    else:
        typer.echo(str(summary))
    if summary.rejected:
        raise typer.Exit(1)


class _ProgressBar:
    """A rich progress bar on stderr (records, records/s, ETA), started at the first update, once
    the worker processes exist."""

    def __init__(self) -> None:
        self.progress = None
        self.task = None

    def __call__(self, summary, done: int, total: int | None) -> None:
        if self.progress is None:
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(
                TextColumn("{task.fields[records]:>12,} records"),
                BarColumn(),
                TextColumn("{task.fields[rate]:>9,.0f} records/s"),
                TimeRemainingColumn(),
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("records", total=total, records=0, rate=0)
        rate = (summary.read - summary.resumed_from) / summary.seconds if summary.seconds else 0.0
        self.progress.update(self.task, completed=done, records=summary.read, rate=rate)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


@contextmanager
def _progress() -> Iterator[_ProgressBar | None]:
    """A progress bar when stderr is a terminal, else None."""
    bar = _ProgressBar() if sys.stderr.isatty() else None
    try:
        yield bar
    finally:
        if bar is not None:
            bar.close()
