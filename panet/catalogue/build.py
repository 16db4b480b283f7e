"""`build`: read record sources, annotate them with PaNET techniques and put them into a
catalogue store (`panet.catalogue.store`).

Sources: PaN search API ``Dataset`` or ``Document`` objects (JSON, JSON Lines; documents may
nest their datasets, datasets their documents, instrument, techniques, parameters, samples and
files), a LoopBack database file as the PaN search API's reference implementation keeps its
data (``{"ids": …, "models": {"Dataset": …}}``), and every record format panet annotates
(SciCat, DataCite / OAI-PMH, NeXus, …), turned into PaN datasets: pid, title, creation date,
description (as a Document), the record's techniques and — for SciCat — its instrument,
keywords and scientific metadata as parameters. OAI-PMH deletions delete.

Every dataset is annotated as `panet.records` annotates PaN records: existing technique entries
are checked and corrected, techniques found in titles, summaries and keywords are added.

Building into a new SQLite store writes ``STORE.part`` and renames it when done; adding to an
existing store happens in one transaction; a PostgreSQL store (``postgresql://`` URL) is built in
one transaction, a new one or a rebuild into a schema that replaces the old one at the commit.
Either way, a run that fails or is killed leaves the previous store as it was.
"""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from panet.catalogue.dialect import dialect_for, is_server, redacted
from panet.catalogue.store import KNOWN, Interned, Writer, count_rows, create_query_indexes, prepare_dataset
from panet.catalogue.units import si_unit
from panet.errors import PanetError
from panet.term import NAMESPACE

__all__ = ["BuildSummary", "build", "read_objects"]

CHUNK = 500
"""Records a worker annotates at a time."""


@dataclass
class BuildSummary:
    """What a `build` did: objects put, datasets deleted, and the records it could not read
    (each with its source, position and reason)."""

    store: Path | str
    datasets: int = 0
    documents: int = 0
    deleted: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


def build(
    inputs: Iterable[str | os.PathLike[str]],
    store: str | os.PathLike[str],
    *,
    format: str | None = None,
    ontology: Any = None,
    rebuild: bool = False,
    processes: int = 1,
) -> BuildSummary:
    """Annotate the records of ``inputs`` and put them into the catalogue ``store``, a file
    (SQLite) or a ``postgresql://`` URL (created if missing; updated in place otherwise, unless
    ``rebuild``). ``format`` names the record format of every input (default: detected per file;
    ``"loopback"`` for a LoopBack database file). ``processes``: worker processes that read and
    annotate records files while this one writes (1: none; 0: one per CPU); the store is the same
    either way.
    """
    import panet
    from panet.options import RecordFormat

    if format is not None and format != "loopback":
        format = RecordFormat.parse(format).value  # one message listing the valid formats
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 0:
        raise PanetError(f"processes must be a whole number ≥ 0, not {processes!r}")
    onto = ontology or panet.load()
    sources: list[Path | str] = [str(p) if _is_url(p) else Path(p) for p in inputs]
    for source in sources:
        if isinstance(source, Path) and not source.exists():
            raise PanetError(f"{source}: no such file or directory")
    summary = BuildSummary(redacted(str(store)) if is_server(store) else Path(store))
    preparer = _Preparer(onto)
    if processes != 1:
        si_unit("K")  # pint's unit registry (~1 s to load): loaded once here, inherited by the workers
    temporary = Path(tempfile.mkdtemp(prefix="panet-catalogue-"))
    gc.freeze()  # the ontology and the annotator outlive the build: its collections (and the workers') skip them
    try:
        # the workers are forked before the store is opened; the build is one transaction: all or nothing
        with _workers(preparer, processes) as workers, dialect_for(store).building(store, rebuild) as db:
            _write(sources, format, onto, preparer, workers, db, temporary, summary)
    except LookupError as err:  # no PostgreSQL driver, or no server there
        raise PanetError(str(err)) from None
    finally:
        gc.unfreeze()
        shutil.rmtree(temporary, ignore_errors=True)
    return summary


def _write(
    sources: list[Path | str],
    format: str | None,
    onto: Any,
    preparer: _Preparer,
    workers: _Workers | None,
    db: Any,
    temporary: Path,
    summary: BuildSummary,
) -> None:
    """Read, annotate and write every source into the store ``db`` (open in its build
    transaction). The query indexes an SQLite store lacks (a new one) are made once its rows are in."""
    writer = Writer(db, preparer.annotate.synonyms_of_text, query_indexes=False)
    for source in sources:
        if isinstance(source, str):  # an OAI-PMH endpoint: harvested since the last build's harvest
            since = db.execute("SELECT value FROM meta WHERE key = ?", (f"harvest:{source}",)).fetchone()
            readable, started = _harvest(source, since[0] if since else None, onto, temporary, summary)
            writer.set_meta(f"harvest:{source}", started)
        else:
            readable = source
        for kind, obj in _prepared(readable, format, preparer, workers, summary.rejected):
            if kind == "deleted":
                summary.deleted += writer.delete_dataset(obj)
            elif kind == "document":
                writer.put_document(obj)
                summary.documents += 1
            elif kind == "instrument":
                writer.put_instrument(obj)
            else:
                writer.put_prepared(obj)
                summary.datasets += 1
    writer.finish()
    if writer.dialect.keeps_counts:  # an SQLite store: its query indexes come after its rows
        create_query_indexes(db)
    count_rows(db)
    writer.set_meta("ontology", onto.checksum)


class _Annotator:
    """PaN datasets annotated by the ``pan`` record annotator; document texts by the engine."""

    def __init__(self, onto: Any) -> None:
        from panet.annotate import annotator_for
        from panet.records import RecordAnnotator, formats

        self.onto = onto
        self.job = RecordAnnotator(onto, formats.get("pan"))
        self.engine = annotator_for(onto, {})
        self._words: dict[str, list[str]] = {}  # a PaNET IRI -> its term's label and synonyms

    def dataset(self, dataset: dict) -> dict:
        """The dataset with its techniques checked and completed. An entry with a PaNET pid gets
        the current label; an entry with the facility's own pid keeps it and gets ``panetId``
        when its pid or name resolves to a PaNET technique; techniques found in the text are added."""
        record = {**dataset, "techniques": []}
        outcome = self.job.annotate(record)
        techniques, present = [], set()
        for entry in dataset.get("techniques") or ():
            if not isinstance(entry, dict):
                continue
            pid = entry.get("panetId") or entry.get("pid")
            term, _ = self.job.check(pid, entry.get("name"))
            if term is None:
                techniques.append(entry)
                continue
            present.add(term.iri)
            if isinstance(entry.get("pid"), str) and not entry["pid"].startswith(NAMESPACE):
                techniques.append({**entry, "panetId": term.iri})
            else:
                techniques.append({"pid": term.iri, "name": term.label})
        techniques += [{"pid": t.iri, "name": t.label} for t in outcome.added if t.iri not in present]
        return {**dataset, "techniques": techniques}

    def synonyms(self, dataset: dict) -> list[str]:
        """The synonyms of the dataset's PaNET techniques, for its free-text index."""
        words: list[str] = []
        for technique in dataset.get("techniques") or ():
            iri = isinstance(technique, dict) and (technique.get("panetId") or technique.get("pid"))
            if isinstance(iri, str) and iri.startswith(NAMESPACE):
                found = self._words.get(iri)
                if found is None:
                    term = self.onto.get(iri, kind="any")
                    found = [term.label, *term.synonyms] if term is not None else []
                    if len(self._words) >= KNOWN:
                        self._words.clear()
                    self._words[iri] = found
                words += found
        return words

    def synonyms_of_text(self, document: dict) -> list[str]:
        """Labels and synonyms of the techniques named in a document's title, summary and keywords."""
        texts = [document.get("title"), document.get("summary"), *(document.get("keywords") or ())]
        words: list[str] = []
        for text in texts:
            if isinstance(text, str):
                for found in self.engine.annotate(text):
                    words += [found.term.label, *found.term.synonyms]
        return words


class _Preparer:
    """Annotates a dataset and works out its rows (`panet.catalogue.store.prepare_dataset`), in
    the building process or in a worker."""

    def __init__(self, onto: Any) -> None:
        self.annotate = _Annotator(onto)
        self.interned = Interned(self.document_terms)  # techniques and documents datasets share

    def prepare(self, kind: str, obj: Any) -> tuple[str, Any]:
        if kind != "dataset":
            return kind, obj
        dataset = self.annotate.dataset(obj)
        return kind, prepare_dataset(dataset, self.annotate.synonyms(dataset), interned=self.interned)

    def document_terms(self, document: dict) -> str:
        """`_Annotator.synonyms_of_text` joined (once per distinct document: `Interned`)."""
        return " ".join(self.annotate.synonyms_of_text(document))


class _Workers:
    """Worker processes that annotate and prepare chunks of records, each fed through a pipe of
    its own by the writing thread itself (no helper threads in the writing process: the writer
    never waits for the GIL), one chunk at a time, in turn, so results come back in order and
    memory stays flat: while the writer writes a chunk, every worker prepares the next one."""

    def __init__(self, preparer: _Preparer, processes: int) -> None:
        import multiprocessing

        context = multiprocessing.get_context()
        self.pipes: list[Any] = []
        self.processes: list[Any] = []
        for _ in range(processes or os.cpu_count() or 1):
            mine, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(preparer, theirs), daemon=True)
            process.start()
            theirs.close()
            self.pipes.append(mine)
            self.processes.append(process)

    def prepared(self, chunks: Iterator[Any]) -> Iterator[tuple[list[tuple[str, Any]], list[dict]]]:
        """``(prepared objects, rejected records)`` of each chunk ``(format name, format, source,
        [(number, payload, line, offset) of each item])``."""
        turns: deque[int] = deque()
        for worker, chunk in zip(range(len(self.pipes)), chunks, strict=False):
            self.pipes[worker].send(chunk)
            turns.append(worker)
        while turns:
            worker = turns.popleft()
            result = self._receive(worker)
            chunk = next(chunks, None)  # the worker is idle now: sending cannot wait for it
            if chunk is not None:
                self.pipes[worker].send(chunk)
                turns.append(worker)
            yield result

    def _receive(self, worker: int) -> Any:
        try:
            result = self.pipes[worker].recv()
        except EOFError:
            raise PanetError(f"a build worker process ended (exit code {self.processes[worker].exitcode})") from None
        if isinstance(result, BaseException):
            raise result
        return result

    def close(self, failed: bool = False) -> None:
        """Stop the workers: each ends when told; after a failure (Ctrl-C) each is stopped at once,
        as it may be busy, then blocked sending a result no one reads (it holds nothing to save)."""
        for pipe, process in zip(self.pipes, self.processes, strict=True):
            if failed:
                process.terminate()
            else:
                with suppress(OSError):
                    pipe.send(None)
            pipe.close()
            process.join(5)
            if process.is_alive():
                process.terminate()
                process.join()


def _serve(preparer: _Preparer, pipe: Any) -> None:
    """A worker: prepare each chunk sent, send back the result (or the exception), until None or
    until the writer is gone (it stops the workers when it fails or is interrupted: Ctrl-C is its)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with suppress(EOFError, OSError):  # the writer closed its end
        _prepare_chunks(preparer, pipe)


def _prepare_chunks(preparer: _Preparer, pipe: Any) -> None:
    from panet.records.base import Item

    while (chunk := pipe.recv()) is not None:
        name, fmt, source, places = chunk
        items = [Item(number, payload, line, offset) for number, payload, line, offset in places]
        rejected: list[dict] = []
        try:
            result: Any = [preparer.prepare(kind, obj) for kind, obj in _objects(name, fmt, source, items, rejected)]
            plain = [(kind, tuple(obj) if kind == "dataset" else obj) for kind, obj in result]  # quick to unpickle
            pipe.send((plain, rejected))
        except Exception as err:  # sent to the writer, which raises it
            pipe.send(err if _picklable(err) else RuntimeError(f"{type(err).__name__}: {err}"))


def _picklable(err: Exception) -> bool:
    import pickle

    try:
        pickle.dumps(err)
    except Exception:
        return False
    return True


@contextmanager
def _workers(preparer: _Preparer, processes: int) -> Iterator[_Workers | None]:
    """`_Workers` holding ``preparer`` (None for 1)."""
    if processes == 1:
        yield None
        return
    workers = _Workers(preparer, processes)
    try:
        yield workers
    except BaseException:
        workers.close(failed=True)
        raise
    workers.close()


def _prepared(
    source: Path, format: str | None, preparer: _Preparer, workers: _Workers | None, rejected: list[dict]
) -> Iterator[tuple[str, Any]]:
    """The objects of ``source`` annotated and prepared, in order: by the ``workers`` or here."""
    if workers is None or format == "loopback" or (format is None and _is_loopback(source)):
        for kind, obj in read_objects(source, format, rejected):
            yield preparer.prepare(kind, obj)
        return
    chunks = (  # items as plain tuples: quicker to send
        (name, fmt, str(source), [(i.number, i.payload, i.line, i.offset) for i in items])
        for name, fmt, items in _chunks(source, format)
    )
    for done, refused in workers.prepared(chunks):
        rejected += refused
        yield from done


# -- reading sources --------------------------------------------------------------------------
def _is_url(source: str | os.PathLike[str]) -> bool:
    return isinstance(source, str) and source.startswith(("http://", "https://"))


def _harvest(url: str, since: str | None, onto: Any, folder: Path, summary: BuildSummary) -> tuple[Path, str]:
    """Harvest ``url`` (oai_datacite, records changed ``since`` a datestamp) into ``folder``;
    returns the file and the day the harvest started (the next build's ``from``)."""
    from panet.records import harvest

    output = folder / "harvest.xml"
    harvest(url, output, from_=since, ontology=onto, rejects=folder / "rejects.jsonl")
    for line in (folder / "rejects.jsonl").read_text(encoding="utf-8").splitlines():
        summary.rejected.append({"source": url, **json.loads(line)})
    with output.open("rb") as handle:
        head = handle.read(4096).decode("utf-8", "replace")
    started = re.search(r"<responseDate>(\d{4}-\d{2}-\d{2})", head)
    return output, started.group(1) if started else time.strftime("%Y-%m-%d", time.gmtime())


def read_objects(source: Path, format: str | None, rejected: list[dict]) -> Iterator[tuple[str, Any]]:
    """``("dataset", dict)``, ``("document", dict)`` or ``("deleted", pid)`` for each record of
    ``source``; records that cannot be read are appended to ``rejected``."""
    if format == "loopback" or (format is None and _is_loopback(source)):
        yield from _loopback(source, rejected)
        return
    for name, fmt, items in _chunks(source, format):
        yield from _objects(name, fmt, str(source), items, rejected)


def _chunks(source: Path, format: str | None) -> Iterator[tuple[str, Any, list]]:
    """``(format name, the reader's format, items)`` for chunks of `CHUNK` records of a records file."""
    from panet.records import formats

    name = format or formats.detect(source)
    reader = formats.get(name).reader(source)
    try:
        chunk = []
        for item in reader.items():
            chunk.append(item)
            if len(chunk) >= CHUNK:
                yield name, reader.format, chunk  # the reader's format knows what it read (a CSV header)
                chunk = []
        if chunk:
            yield name, reader.format, chunk
    finally:
        reader.close()


def _objects(name: str, fmt: Any, source: str, items: list, rejected: list[dict]) -> Iterator[tuple[str, Any]]:
    for item in items:
        try:
            yield from _converted(name, fmt, fmt.parse(item.payload))
        except PanetError as err:
            rejected.append({"source": source, **item.where(), "reason": str(err)})


def _converted(name: str, fmt: Any, record: Any) -> Iterator[tuple[str, Any]]:
    if name == "pan":
        if not isinstance(record, dict) or not record.get("pid"):
            raise PanetError("a PaN object needs a pid")
        is_document = "datasets" in record or ("type" in record and "creationDate" not in record)
        yield ("document" if is_document else "dataset"), record
        return
    description = fmt.describe(record)
    pid = description.identifier or description.iri
    if getattr(record, "kind", None) == "deleted":
        if pid:
            yield "deleted", pid
        return
    if not pid:
        raise PanetError("the record has no identifier")
    dataset: dict[str, Any] = {
        "pid": pid,
        "title": description.name or pid,
        "isPublic": True,
        "creationDate": description.created,
        "techniques": [{"pid": e.pid, "name": e.name} for e in fmt.entries(record) if e.pid or e.name],
    }
    if description.description:
        dataset["documents"] = [
            {
                "pid": pid,
                "type": "dataset",
                "isPublic": True,
                "title": dataset["title"],
                "summary": description.description,
            }
        ]
    if name == "scicat" and isinstance(record, dict):
        _scicat(record, dataset)
    yield "dataset", dataset


def _scicat(record: dict, dataset: dict) -> None:
    """What a SciCat dataset says beyond its description: instrument, keywords, parameters."""
    location = record.get("creationLocation")
    if isinstance(location, str) and location.strip():
        dataset["instrument"] = {"pid": location, "name": location.strip("/").rsplit("/", 1)[-1]}
    keywords = [k for k in record.get("keywords") or () if isinstance(k, str)]
    if keywords:
        documents = dataset.setdefault(
            "documents", [{"pid": dataset["pid"], "type": "dataset", "isPublic": True, "title": dataset["title"]}]
        )
        documents[0]["keywords"] = keywords
    metadata = record.get("scientificMetadata")
    if isinstance(metadata, dict):
        parameters = []
        for key, value in metadata.items():
            if isinstance(value, dict) and "value" in value:
                parameters.append({"name": key, "value": value["value"], "unit": value.get("unit") or ""})
            elif isinstance(value, str | int | float) and not isinstance(value, bool):
                parameters.append({"name": key, "value": value, "unit": ""})
        dataset["parameters"] = parameters
    if isinstance(record.get("isPublished"), bool):
        dataset["isPublic"] = record["isPublished"]


def _is_loopback(source: Path) -> bool:
    if not source.is_file() or source.suffix.lower() != ".json":
        return False
    with source.open("rb") as handle:
        head = handle.read(4096)
    return head.lstrip().startswith(b"{") and b'"models"' in head and b'"ids"' in head


def _loopback(source: Path, rejected: list[dict]) -> Iterator[tuple[str, Any]]:
    """The objects of a LoopBack memory-connector database file (the PaN search API reference
    implementation's ``data/db.json``): each model's values are the objects' JSON texts.

    One pass over the file's models indexes every link and owned table by its owner (time and
    memory in proportion to the file); then each document and dataset is put together from the
    indexes. A dataset's documents are those its ``DocumentDataset`` links name and, in the
    older form, the one its own ``documentId`` names.
    """
    table = _loopback_tables(source, rejected)

    def by(model: str, key: str) -> dict[Any, dict]:
        return {o.get(key): o for o in table.get(model, [])}

    documents, techniques = by("Document", "pid"), by("Technique", "pid")
    samples, instruments = by("Sample", "pid"), by("Instrument", "pid")
    persons, affiliations = by("Person", "id"), by("Affiliation", "id")
    members, document_parameters = _owned(table, "Member", "documentId"), _owned(table, "Parameter", "documentId")
    dataset_parameters, files = _owned(table, "Parameter", "datasetId"), _owned(table, "File", "datasetId")
    documents_of = _linked(table, "DocumentDataset", "documentId")
    techniques_of = _linked(table, "DatasetTechnique", "techniqueId")
    samples_of = _linked(table, "DatasetSample", "sampleId")

    for document in documents.values():
        people = []
        for written in members.get(document["pid"], ()):
            member = dict(written)
            if member.get("personId") in persons:
                member["person"] = persons[member.pop("personId")]
            if member.get("affiliationId") in affiliations:
                member["affiliation"] = affiliations[member.pop("affiliationId")]
            people.append(member)
        yield "document", {**document, "members": people, "parameters": document_parameters.get(document["pid"], [])}
    for instrument in instruments.values():
        yield "instrument", instrument
    for dataset in table.get("Dataset", []):
        pid = dataset["pid"]
        nested = dict(dataset)
        named = instruments.get(nested.pop("instrumentId", None))
        if named is not None:
            nested["instrument"] = named
        own = nested.pop("documentId", None)  # the older one-document form: a key on the dataset
        linked = documents_of.get(pid, [])
        nested["documents"] = [
            documents[d] for d in dict.fromkeys([own, *linked] if own is not None else linked) if d in documents
        ]
        nested["techniques"] = [techniques[t] for t in techniques_of.get(pid, ()) if t in techniques]
        nested["samples"] = [samples[s] for s in samples_of.get(pid, ()) if s in samples]
        nested["parameters"] = dataset_parameters.get(pid, [])
        nested["files"] = files.get(pid, [])
        yield "dataset", nested


_WITH_PID = ("Dataset", "Document", "Instrument")


def _loopback_tables(source: Path, rejected: list[dict]) -> dict[str, list[dict]]:
    """Each model's objects, parsed; a dataset, document or instrument without a pid is rejected."""
    table: dict[str, list[dict]] = {}
    try:
        models = json.loads(source.read_text(encoding="utf-8"))["models"]
        for model, rows in models.items():
            objects = table[model] = []
            for key, text in rows.items():
                obj = json.loads(text)
                if not isinstance(obj, dict):
                    raise ValueError(f"{model} {key} is not a JSON object")
                if model in _WITH_PID and not (isinstance(obj.get("pid"), str) and obj["pid"].strip()):
                    rejected.append(
                        {"source": str(source), "model": model, "id": key, "reason": f"a {model} needs a pid"}
                    )
                    continue
                objects.append(obj)
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise PanetError(f"{source}: not a LoopBack database file ({err})") from None
    return table


def _owned(table: dict[str, list[dict]], model: str, key: str) -> dict[Any, list[dict]]:
    """``model``'s objects by the owner their ``key`` names (without that key), in file order.

    >>> _owned({"File": [{"name": "a.h5", "datasetId": "d1"}, {"name": "b.h5"}]}, "File", "datasetId")
    {'d1': [{'name': 'a.h5'}]}
    """
    owned: dict[Any, list[dict]] = {}
    for obj in table.get(model, []):
        owner = obj.get(key)
        if owner is not None:
            owned.setdefault(owner, []).append({k: v for k, v in obj.items() if k != key})
    return owned


def _linked(table: dict[str, list[dict]], model: str, other: str) -> dict[Any, list[Any]]:
    """The ids a link table ``model`` (``datasetId`` to ``other``) gives each dataset, in file order.

    >>> _linked({"DatasetSample": [{"datasetId": "d1", "sampleId": "s1"}]}, "DatasetSample", "sampleId")
    {'d1': ['s1']}
    """
    linked: dict[Any, list[Any]] = {}
    for link in table.get(model, []):
        if link.get("datasetId") is not None and link.get(other) is not None:
            linked.setdefault(link["datasetId"], []).append(link[other])
    return linked
