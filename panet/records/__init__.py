"""Batch annotation of catalogue records with PaNET techniques.

Formats (the enum `RecordFormat`, implementations in `panet.records.formats`): PaN search API
``Dataset`` JSON (``pan``), SciCat datasets (``scicat``), DataCite / oai_datacite / oai_dc XML
and OAI-PMH responses (``datacite``), NeXus HDF5 files (``nexus``), python-icat's ICAT dump files,
XML or YAML, one record per Dataset (``icat``), and generic JSON Lines / CSV (``jsonl``, ``csv``,
with ``fields``). Text inputs may be gzipped. Text fields are annotated with
the annotation engine (`panet.annotate`); existing technique entries are checked
(`panet.records.core.check_entry`) and corrected when wrong; an entry whose pid and name denote
different techniques keeps the one the rest of the record supports, and is reported with the
entries that contradict their record (`panet.records.core.EntryConflict`).

>>> import panet.records
>>> out = panet.records.annotate({"pid": "d1", "title": "GISAXS of thin films", "techniques": []}, format="pan")
>>> [t["name"] for t in out.record["techniques"]]
['grazing incidence small angle x-ray scattering']

`annotate_stream` annotates records in memory (a JSON / JSON Lines / XML / CSV document, or an
iterable of records) and yields one `RecordResult` per record, in order. `annotate_file` streams
a whole file (`panet.records.batch`: order kept with ``processes``, rejects with their reason,
atomic output, ``resume`` after a crash); `harvest` does the same over an OAI-PMH endpoint.

Errors: `panet.errors.RecordsError` (bad input or usage; exit status 2 on the command line),
`panet.errors.RunFailed` (the run stopped part way, e.g. the disk is full; resumable; exit 3).
A finished run's `Summary.exit_status` is 0 when every record was written, 1 when some were
rejected.

The contracts (`panet.records.base`): `Format`, `Reader`, `Framing`, `Exporter`; a record's
result is a `RecordResult` with a `Status`.
"""

from __future__ import annotations

import os
from pathlib import Path

from panet.errors import RecordsError, RunFailed
from panet.records.base import Exporter, Format, Framing, Reader
from panet.records.batch import Summary
from panet.records.core import ConflictKind, EntryConflict, Outcome, RecordAnnotator, RecordResult, Status
from panet.records.formats import RecordFormat, is_text
from panet.records.instruments import InstrumentTable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import Any, BinaryIO

    from panet.ontology import Ontology

__all__ = [
    "ConflictKind",
    "EntryConflict",
    "Exporter",
    "Format",
    "Framing",
    "InstrumentTable",
    "Outcome",
    "Reader",
    "RecordAnnotator",
    "RecordFormat",
    "RecordResult",
    "RecordsError",
    "RunFailed",
    "Status",
    "Summary",
    "annotate",
    "annotate_file",
    "annotate_stream",
    "detect_format",
    "harvest",
    "instrument_table",
]

_JOBS: dict[tuple, RecordAnnotator] = {}  # compiled annotators of recent `annotate` calls


def detect_format(source: str | os.PathLike[str] | bytes) -> str:
    """The record format of a file, or of records in memory (bytes), from the content (see
    `panet.records.formats.detect`).

    >>> detect_format(b'<resource xmlns="http://datacite.org/schema/kernel-4"/>')
    'datacite'
    """
    from panet.records import formats

    if isinstance(source, bytes):
        return formats.detect_bytes(source)
    return formats.detect(Path(source))


def annotator(
    format: str | RecordFormat | Format,
    fields: Iterable[str] = (),
    *,
    to: str = "same",
    ontology: Ontology | None = None,
    where: object = "",
    instruments: str | os.PathLike[str] | InstrumentTable | None = None,
    **options: Any,
) -> RecordAnnotator:
    """A compiled `RecordAnnotator` for records of ``format`` (a name, a `RecordFormat` or a
    `Format`, e.g. a reader's); ``options`` go to the engine; ``where`` names the input in errors.
    ``instruments``: a CSV file of the user's own instrument rows, added to (and overriding) the
    shipped table (`panet.records.instruments`), or an `InstrumentTable`."""
    from panet.loader import load
    from panet.records import formats

    fmt = format if isinstance(format, Format) else formats.get(format)
    fields = tuple(fields)
    if fmt.needs_fields and not fields:
        raise RecordsError(where, f"format {fmt.name!r} needs the text fields to read: pass fields=title,abstract")
    table = None if instruments is None else instrument_table(instruments)  # None: shipped, read when needed
    return RecordAnnotator(ontology or load(), fmt, fields, to, table, **options)


def instrument_table(instruments: str | os.PathLike[str] | InstrumentTable | None) -> InstrumentTable:
    """The shipped instrument table, plus the rows of the user's file when ``instruments`` names one.

    >>> len(instrument_table(None)) > 300
    True
    """
    if isinstance(instruments, InstrumentTable):
        return instruments
    table = InstrumentTable.shipped()
    return table if instruments is None else table.with_rows(Path(instruments))


def annotate(
    record: Any,
    format: str = "pan",
    *,
    fields: Iterable[str] = (),
    ontology: Ontology | None = None,
    instruments: str | os.PathLike[str] | InstrumentTable | None = None,
    **options: Any,
) -> Outcome:
    """Annotate one record in memory; the caller's object is not modified.

    ``record``: a dict (pan, scicat, jsonl), XML text or an lxml element (datacite), a dict of
    column -> value (csv), the path of a NeXus file, or the text of an ICAT dump holding one Dataset
    (icat; the Techniques it references are defined when `annotate_file` writes a whole dump). The
    `Outcome` holds the annotated ``record`` (same kind; XML as text), the terms ``added``, the
    entries ``corrected`` and ``unresolved``, all ``techniques`` the record now carries and the
    ``evidence`` of each (text, instrument, NeXus definition, probe, existing entry), and the
    ``conflicts``: entries whose pid and name disagreed, or that contradict the record (`EntryConflict`).

    >>> out = annotate({"pid": "d1", "title": "run 12", "instrument": {"name": "LoKI", "facility": "ESS"}})
    >>> [(t.label, out.evidence[t.iri]) for t in out.techniques]
    [('small angle neutron scattering', ['instrument'])]
    """
    key = (id(ontology), format, tuple(fields), repr(sorted(options.items())), _table_key(instruments))
    job = _JOBS.get(key)
    if job is None:
        if len(_JOBS) >= 8:
            _JOBS.clear()
        job = _JOBS[key] = annotator(format, fields, ontology=ontology, instruments=instruments, **options)
    fmt = job.format
    outcome = job.annotate(fmt.load(record))
    outcome.record = fmt.result(outcome.record)
    return outcome


def annotate_stream(
    records: bytes | str | BinaryIO | Iterable[Any],
    format: str | RecordFormat | None = None,
    *,
    fields: Iterable[str] = (),
    to: str = "same",
    processes: int = 1,
    ontology: Ontology | None = None,
    **options: Any,
) -> Iterator[RecordResult]:
    """Annotate records in memory and yield one `RecordResult` per record, in input order.

    ``records``: a whole document as bytes, text or a binary file object (JSON Lines, JSON —
    one object, an array, pretty-printed —, XML or CSV, gzipped or not; ``format`` detected from
    the content when None), or an iterable of records, one per element (dicts, JSON texts, XML
    texts or elements, CSV dicts; ``format`` required). ``data`` of each result is the record
    serialised as ``to`` says ("same", "jsonld" or "ttl"); a rejected record has its ``reason``,
    a written one its reported entries in ``conflicts`` (`EntryConflict`; ``report()`` gives the
    report-file lines).
    ``processes`` > 1 annotates in worker processes. Nothing is written to disk.

    >>> results = list(annotate_stream(b'{"pid": "a", "title": "SAXS"}\\n[1]\\n'))
    >>> [(r.number, r.status.value) for r in results]
    [(1, 'annotated'), (2, 'rejected')]
    >>> import orjson
    >>> orjson.loads(results[0].data)["techniques"][0]["name"]
    'small angle x-ray scattering'
    """
    from panet.records import batch, formats

    if isinstance(records, str):
        records = records.encode("utf-8")
    if isinstance(records, bytes) or hasattr(records, "read"):
        source = formats.open_input(records)  # type: ignore[arg-type]
        if format is None:
            try:
                format = formats.detect_input(source, source.name)
            except BaseException:
                source.close()
                raise
        reader = _reader(formats.get(format), source)
    elif format is None:
        raise RecordsError("", "records given one by one need their format: pass format=")
    else:
        reader = _InMemory(records, formats.get(format))
    try:
        job = annotator(reader.format, fields, to=to, ontology=ontology, where=getattr(reader, "name", ""), **options)
        for results in batch._processed(job, reader.items(), processes, batch.CHUNK if processes > 1 else 1):
            yield from results
    finally:
        reader.close()


def _reader(fmt: Format, source: Any) -> Reader:
    if not is_text(fmt.name):
        source.close()
        raise RecordsError(source.name, f"{fmt.name} records are read from files, not from memory")
    try:
        return fmt.reader(source)
    except BaseException:
        source.close()
        raise


class _InMemory(Reader):
    """The records of an iterable, one per element (a `Reader` for `annotate_stream`)."""

    def __init__(self, records: Iterable[Any], fmt: Format) -> None:
        self.records = records
        self.format = fmt
        self.size = None
        self.name = "<records>"

    def items(self, skip: int = 0, resume: Any = None) -> Iterator[Any]:
        from panet.records.base import Item

        for number, record in enumerate(self.records, start=1):
            if number > skip:
                yield Item(number, record.encode("utf-8") if isinstance(record, str) else record)


def annotate_file(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    format: str | None = None,
    fields: Iterable[str] = (),
    to: str = "same",
    processes: int = 1,
    resume: bool = False,
    rejects: str | os.PathLike[str] | None = None,
    report: str | os.PathLike[str] | None = None,
    ontology: Ontology | None = None,
    progress: Callable[[Summary, int, int | None], None] | None = None,
    instruments: str | os.PathLike[str] | InstrumentTable | None = None,
    **options: Any,
) -> Summary:
    """Annotate every record of ``input`` into ``output``; see `panet.records.batch`.

    ``format`` is detected from the content when None. ``to``: "same" (the input's format),
    "jsonld" or "ttl". Records that cannot be annotated go to ``rejects`` (default
    ``OUTPUT.rejects.jsonl``, always written) with their reason and line/offset. Technique
    entries whose pid and name disagree, or that contradict their record, go to ``report``
    (default ``OUTPUT.report.jsonl``, always written; JSON Lines, one `EntryConflict` a line with
    the record's number and identifier); their records are written, not rejected.
    ``processes`` > 1 annotates in worker processes, in input order; 0 means one per CPU.
    ``resume`` carries on after an interrupted run when the input's content read so far is
    unchanged (a content hash is checked). The output's folder must exist; an output naming the
    input is refused. Raises `RecordsError` (bad input or usage) or `RunFailed` (resumable).
    ``instruments``: the user's instrument rows (a CSV file, see `instrument_table`).
    """
    from panet.records import formats

    source = Path(input)
    if not source.exists():
        raise RecordsError(source, "no such file or directory")
    from panet.files import check_output

    check_output(output, [source])
    if rejects:
        check_output(rejects, [source, output])
    if report:
        check_output(report, [source, output, *([rejects] if rejects else [])])
    name = RecordFormat.parse(format).value if format else detect_format(source)
    reader = formats.get(name).reader(source)
    try:
        job = annotator(
            reader.format, fields, to=to, ontology=ontology, where=source, instruments=instruments, **options
        )
    except BaseException:
        reader.close()
        raise
    about: dict[str, Any] = {"input": str(source.resolve()), "format": name}
    if name == RecordFormat.nexus:  # HDF5 files are not hashed: their listing, sizes and times stand for them
        stat = source.stat()
        about.update(size=stat.st_size, modified=stat.st_mtime_ns)
    if instruments is not None:
        about["instruments"] = _table_key(instruments)
    summary = _run(job, reader, about, output, rejects, report, processes, resume, progress, fields, to, options)
    if name == RecordFormat.icat and job.exporter is None:  # the Techniques the Datasets now reference
        from panet.records.icat import add_technique_definitions

        add_technique_definitions(source, Path(output), job.ontology, reader.header())
    return summary


def harvest(
    url: str,
    output: str | os.PathLike[str],
    *,
    metadata_prefix: str = "oai_datacite",
    set: str | None = None,
    from_: str | None = None,
    until: str | None = None,
    fields: Iterable[str] = (),
    to: str = "same",
    processes: int = 1,
    resume: bool = False,
    rejects: str | os.PathLike[str] | None = None,
    report: str | os.PathLike[str] | None = None,
    ontology: Ontology | None = None,
    progress: Callable[[Summary, int, int | None], None] | None = None,
    timeout: float = 60.0,
    instruments: str | os.PathLike[str] | InstrumentTable | None = None,
    **options: Any,
) -> Summary:
    """Harvest an OAI-PMH endpoint (``ListRecords``, following resumptionTokens) and annotate
    every record on the way; like `annotate_file` otherwise. ``metadata_prefix``: oai_datacite
    or oai_dc (any prefix whose records are DataCite or Dublin Core)."""
    from panet.records.harvesting import HarvestReader

    reader = HarvestReader(url, metadata_prefix, set, from_, until, timeout=timeout)
    job = annotator(reader.format, fields, to=to, ontology=ontology, where=url, instruments=instruments, **options)
    about = {"url": url, **reader.params}
    if instruments is not None:
        about["instruments"] = _table_key(instruments)
    return _run(job, reader, about, output, rejects, report, processes, resume, progress, fields, to, options)


def _table_key(instruments: object) -> object:
    """What identifies the user's instrument rows: the file and its last change, or the table."""
    if instruments is None or isinstance(instruments, InstrumentTable):
        return id(instruments) if instruments is not None else None
    path = Path(instruments)
    return f"{path.resolve()}@{path.stat().st_mtime_ns if path.exists() else 0}"


def _run(job, reader, about, output, rejects, report, processes, resume, progress, fields, to, options) -> Summary:
    """`panet.records.batch.run`; ``about`` (the input) and the job make the checkpoint's fingerprint."""
    from panet import __version__
    from panet.records import batch

    fingerprint = {
        **about,
        "fields": list(fields),
        "to": to,
        "options": repr(sorted(options.items())),
        "ontology": job.ontology.checksum,
        "panet": __version__,
    }
    return batch.run(
        job,
        reader,
        Path(output),
        rejects=Path(rejects) if rejects else None,
        report=Path(report) if report else None,
        processes=processes or os.cpu_count() or 1,
        resume=resume,
        fingerprint=fingerprint,
        progress=progress,
    )
