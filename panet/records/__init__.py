"""Batch annotation of catalogue records with PaNET techniques.

Formats (`panet.records.formats`): PaN search API ``Dataset`` JSON (``pan``), SciCat datasets
(``scicat``), DataCite / oai_datacite / oai_dc XML and OAI-PMH responses (``datacite``), NeXus
HDF5 files (``nexus``), and generic JSON Lines / CSV (``jsonl``, ``csv``, with ``fields``).
Text fields are annotated with the annotation engine (`panet.annotate`); existing technique
entries are checked (`panet.records.core.check_entry`) and corrected when wrong.

>>> import panet.records
>>> out = panet.records.annotate({"pid": "d1", "title": "GISAXS of thin films", "techniques": []}, format="pan")
>>> [t["name"] for t in out.record["techniques"]]
['grazing incidence small angle x-ray scattering']

`annotate_file` streams a whole file (`panet.records.batch`: order kept with ``processes``,
rejects with their reason, atomic output, ``resume`` after a crash); `harvest` does the same over
an OAI-PMH endpoint.
"""

from __future__ import annotations

import os
from pathlib import Path

from panet.errors import RecordsError
from panet.records.batch import Summary
from panet.records.core import Outcome, RecordAnnotator
from panet.records.instruments import InstrumentTable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from panet.ontology import Ontology

__all__ = [
    "InstrumentTable",
    "Outcome",
    "RecordAnnotator",
    "Summary",
    "annotate",
    "annotate_file",
    "detect_format",
    "harvest",
    "instrument_table",
]

_JOBS: dict[tuple, RecordAnnotator] = {}  # compiled annotators of recent `annotate` calls


def detect_format(path: str | os.PathLike[str]) -> str:
    """The record format of a file, from its content (see `panet.records.formats.detect`)."""
    from panet.records import formats

    return formats.detect(Path(path))


def annotator(
    format: str,
    fields: Iterable[str] = (),
    *,
    to: str = "same",
    ontology: Ontology | None = None,
    instruments: str | os.PathLike[str] | InstrumentTable | None = None,
    **options: Any,
) -> RecordAnnotator:
    """A compiled `RecordAnnotator` for records of ``format``; ``options`` go to the engine.
    ``instruments``: a CSV file of the user's own instrument rows, added to (and overriding) the
    shipped table (`panet.records.instruments`), or an `InstrumentTable`."""
    from panet.loader import load
    from panet.records import formats

    fmt = formats.get(format)
    fields = tuple(fields)
    if fmt.needs_fields and not fields:
        raise RecordsError(
            "", f"format {format!r} needs the text fields to read: pass fields (--fields title,abstract)"
        )
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
    column -> value (csv), or the path of a NeXus file. The `Outcome` holds the annotated
    ``record`` (same kind; XML as text), the terms ``added``, the entries ``corrected`` and
    ``unresolved``, all ``techniques`` the record now carries and the ``evidence`` of each
    (text, instrument, NeXus definition, probe, existing entry).

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
    ontology: Ontology | None = None,
    progress: Callable[[Summary, int, int | None], None] | None = None,
    instruments: str | os.PathLike[str] | InstrumentTable | None = None,
    **options: Any,
) -> Summary:
    """Annotate every record of ``input`` into ``output``; see `panet.records.batch`.

    ``format`` is detected from the content when None. ``to``: "same" (the input's format),
    "jsonld" or "ttl". Records that cannot be annotated go to ``rejects`` (default
    ``OUTPUT.rejects.jsonl``, always written) with their reason and line/offset.
    ``processes`` > 1 annotates in worker processes, in input order; 0 means one per CPU.
    ``instruments``: the user's instrument rows (a CSV file, see `instrument_table`).
    """
    source = Path(input)
    if not source.exists():
        raise RecordsError(source, "no such file or directory")
    name = format or detect_format(source)
    job = annotator(name, fields, to=to, ontology=ontology, instruments=instruments, **options)
    reader = job.format.reader(source)
    stat = source.stat()
    about = {"input": str(source.resolve()), "size": stat.st_size, "modified": stat.st_mtime_ns, "format": name}
    if instruments is not None:
        about["instruments"] = _table_key(instruments)
    return _run(job, reader, about, output, rejects, processes, resume, progress, fields, to, options)


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
    ontology: Ontology | None = None,
    progress: Callable[[Summary, int, int | None], None] | None = None,
    timeout: float = 60.0,
    instruments: str | os.PathLike[str] | InstrumentTable | None = None,
    **options: Any,
) -> Summary:
    """Harvest an OAI-PMH endpoint (``ListRecords``, following resumptionTokens) and annotate
    every record on the way; like `annotate_file` otherwise. ``metadata_prefix``: oai_datacite
    or oai_dc (any prefix whose records are DataCite or Dublin Core)."""
    from panet.records.oaipmh import HarvestReader

    job = annotator("datacite", fields, to=to, ontology=ontology, instruments=instruments, **options)
    reader = HarvestReader(url, metadata_prefix, set, from_, until, timeout=timeout)
    about = {"url": url, **reader.params}
    if instruments is not None:
        about["instruments"] = _table_key(instruments)
    return _run(job, reader, about, output, rejects, processes, resume, progress, fields, to, options)


def _table_key(instruments: object) -> object:
    """What identifies the user's instrument rows: the file and its last change, or the table."""
    if instruments is None or isinstance(instruments, InstrumentTable):
        return id(instruments) if instruments is not None else None
    path = Path(instruments)
    return f"{path.resolve()}@{path.stat().st_mtime_ns if path.exists() else 0}"


def _run(job, reader, about, output, rejects, processes, resume, progress, fields, to, options) -> Summary:
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
        processes=processes or os.cpu_count() or 1,
        resume=resume,
        fingerprint=fingerprint,
        progress=progress,
    )
