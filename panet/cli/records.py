"""Commands for catalogue records: annotate-records (files) and harvest (OAI-PMH)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from panet.cli import (
    Commands,
    add_json,
    add_ontology,
    add_processes,
    choice,
    http_url,
    load_ontology,
    print_json,
)
from panet.options import RecordFormat, RecordOutput

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


REJECTED = "some records were rejected (see the rejects file)"


def _add_common(parser: argparse.ArgumentParser) -> None:
    """The options both commands take."""
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        required=True,
        help="output file; written to a temporary file, renamed at the end (the folder must exist; never the input)",
    )
    parser.add_argument(
        "--fields", metavar="PATHS", help="text fields to annotate, comma-separated dotted paths (documents.title)"
    )
    add_processes(parser, "(order is kept)")
    parser.add_argument(
        "--resume", action="store_true", help="continue an interrupted run from its checkpoint (same input and options)"
    )
    parser.add_argument(
        "--rejects", metavar="FILE", help="records that could not be annotated, with reason (OUTPUT.rejects.jsonl)"
    )
    parser.add_argument(
        "--report",
        metavar="FILE",
        help="JSON Lines of the technique entries whose pid and name denote different techniques (the one the "
        "record supports is kept) or that contradict their record (an x-ray technique on a neutron instrument; "
        "left as they are); their records are written, not rejected (OUTPUT.report.jsonl)",
    )
    parser.add_argument(
        "--instruments",
        metavar="FILE",
        help="CSV of your own instrument rows, added to and overriding the shipped table "
        "(columns as panet/records/instruments.csv)",
    )
    parser.add_argument(
        "--to",
        type=choice(RecordOutput),
        default=RecordOutput.same,
        metavar="FORMAT",
        help="output: same (the input's format), or schema.org/DCAT as jsonld or ttl",
    )
    add_ontology(parser)
    add_json(parser)


def add_commands(commands: Commands) -> None:
    """Add annotate-records and harvest."""
    parser = commands.add(annotate_records, problems=REJECTED, resumable=True)
    parser.add_argument(
        "input", metavar="INPUT", help="records file (JSON, JSON Lines, XML, CSV, NeXus) or NeXus folder"
    )
    parser.add_argument(
        "-f",
        "--format",
        type=choice(RecordFormat),
        metavar="FORMAT",
        help="record format: " + ", ".join(RecordFormat.values()) + " (default: detected from the content)",
    )
    _add_common(parser)

    parser = commands.add(harvest, problems=REJECTED, resumable=True)
    parser.add_argument("url", type=http_url, metavar="URL", help="OAI-PMH base URL")
    parser.add_argument(
        "-m", "--metadata-prefix", default="oai_datacite", metavar="PREFIX", help="oai_datacite (default) or oai_dc"
    )
    parser.add_argument("--set", metavar="SET", help="harvest only this OAI-PMH set")
    parser.add_argument("--from", dest="from_", metavar="DATE", help="records changed on or after (YYYY-MM-DD)")
    parser.add_argument("--until", metavar="DATE", help="records changed on or before (YYYY-MM-DD)")
    _add_common(parser)


def annotate_records(args: argparse.Namespace) -> int:
    """Add PaNET techniques to catalogue records found in their text; check and correct the
    technique entries they already have.

    Gzipped text inputs are read as they are. Exit status 1 when some records were rejected (they
    are in the rejects file, with the reason), 3 when the run failed part way (disk full): rerun
    with --resume."""
    from panet.records import annotate_file

    common = _common(args, inputs=[args.input])
    return _run(annotate_file, args.json, args.input, args.output, format=args.format and args.format.value, **common)


def harvest(args: argparse.Namespace) -> int:
    """Harvest an OAI-PMH endpoint (following resumptionTokens) and annotate every record.

    Exit status 1 when some records were rejected (they are in the rejects file, with the reason)."""
    from panet.records import harvest as run_harvest

    common = _common(args, inputs=[])
    return _run(
        run_harvest,
        args.json,
        args.url,
        args.output,
        metadata_prefix=args.metadata_prefix,
        set=args.set,
        from_=args.from_,
        until=args.until,
        **common,
    )


def _common(args: argparse.Namespace, inputs: list[str]) -> dict:
    """The options both commands pass on; the outputs checked before any work (see `panet.files`)."""
    from panet.files import check_output

    inputs = [*inputs, *([args.ontology] if args.ontology else [])]
    check_output(args.output, inputs)
    if args.rejects is not None:
        check_output(args.rejects, [*inputs, args.output])
    if args.report is not None:
        check_output(args.report, [*inputs, args.output, *([args.rejects] if args.rejects else [])])
    return {
        "fields": tuple(f.strip() for f in (args.fields or "").split(",") if f.strip()),
        "to": args.to.value,
        "processes": args.processes,
        "resume": args.resume,
        "rejects": args.rejects,
        "report": args.report,
        "instruments": args.instruments,
        "ontology": load_ontology(args.ontology),
    }


def _run(function, json: bool, *args, **options) -> int:
    """Run ``function`` with a progress bar; print the summary; exit 1 when records were rejected
    (a run that fails part way raises `panet.errors.RunFailed`: exit 3)."""
    with _progress() as progress:
        summary = function(*args, progress=progress, **options)
    if json:
        print_json(summary.to_dict())
    else:
        sys.stdout.write(f"{summary}\n")
    return summary.exit_status()


class _ProgressBar:
    """A progress line on stderr (records, records/s, ETA), redrawn at most 10 times a second."""

    def __init__(self) -> None:
        self.shown = 0.0
        self.width = 0

    def __call__(self, summary, done: int, total: int | None) -> None:
        import time

        now = time.monotonic()
        if now - self.shown < 0.1 and (total is None or done < total):
            return
        self.shown = now
        rate = (summary.read - summary.resumed_from) / summary.seconds if summary.seconds else 0.0
        line = f"{summary.read:>12,} records {rate:>9,.0f} records/s"
        if total:
            line += f"  {100 * done / total:5.1f}%"
            if summary.seconds and 0 < done < total:  # the input read so far, at the speed so far
                left = (total - done) * summary.seconds / done
                line += f"  {int(left // 60)}:{int(left % 60):02d} left"
        self.width = max(self.width, len(line))
        sys.stderr.write("\r" + line.ljust(self.width))
        sys.stderr.flush()

    def close(self) -> None:
        if self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()


@contextmanager
def _progress() -> Iterator[_ProgressBar | None]:
    """A progress line when stderr is a terminal, else None."""
    bar = _ProgressBar() if sys.stderr.isatty() else None
    try:
        yield bar
    finally:
        if bar is not None:
            bar.close()
