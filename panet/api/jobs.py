"""The CPU-heavy work of the API (annotation, record annotation, validation) in worker processes.

Routes parse the request and hand a job to `JobPool` (a `panet.query_pool.WorkerPool` whose
workers each load the ontology once); the worker does the parsing that client input drives
(JSON, RDF, JSON-LD, XML) and the work, and returns the response body. So each request is
bounded in time (``PANET_WORK_TIMEOUT``), memory (``PANET_WORK_MEMORY_MB``) and answer size
(``PANET_MAX_RESPONSE_BYTES``), is stopped when its client disconnects, never runs on the
event loop and never holds a thread that other routes need.

>>> handle = _setup(__import__("panet").load().path)
>>> body = handle(("annotate", {"text": "SAXS"}, 1000, 10_000))
>>> __import__("json").loads(body)["annotations"][0]["label"]
'small angle x-ray scattering'
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import orjson

from panet.annotate import annotator_for
from panet.api.problems import Problem
from panet.errors import PanetError
from panet.query_pool import ClientGone, ResourceLimit, WorkerPool
from panet.sparql import QueryTimeout, WorkerLost

JSON_FORMATS = ("pan", "scicat", "jsonl", "datacite")
"""The record formats ``/annotate/records`` takes, as JSON bodies (DataCite: as its REST API serves
it; a DataCite list answers its ``data`` elements as ``records``)."""
COUNTS = ("read", "annotated", "unchanged", "rejected", "added", "corrected", "unresolved")
COUNTS += ("conflicts", "contradicting")  # entries reported (their records are written)

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi import Request

    import panet

__all__ = ["JobPool", "run_job"]


class JobPool(WorkerPool):
    """Worker processes for the heavy routes, each with its own copy of the ontology at ``path``."""

    def __init__(self, path: str, *, workers: int, timeout: float, memory_bytes: int | None) -> None:
        super().__init__(_setup, (path,), workers=workers, timeout=timeout, name="request", memory_bytes=memory_bytes)


async def run_job(request: Request, job: tuple[Any, ...]) -> bytes:
    """The body a worker made for ``job``, or the problem that says why not."""
    pool: JobPool = await request.app.state.jobs.get()
    try:
        return await pool.call(job, request.is_disconnected)
    except QueryTimeout as err:
        raise Problem(503, "Request took too long", f"{err}; send less at a time") from None
    except WorkerLost as err:
        raise Problem(503, "Worker lost", str(err)) from None
    except ResourceLimit as err:
        raise Problem(413, "Content too large", str(err)) from None
    except ClientGone:
        raise
    except PanetError as err:
        raise Problem(400, "Bad request", str(err)) from None


# -- in the worker ----------------------------------------------------------------------


def _setup(path: str) -> Callable[[tuple[Any, ...]], bytes]:
    import panet

    onto = panet.load(path)
    jobs = {"annotate": _annotate, "records": _records, "validate": _validate}

    def handle(job: tuple[Any, ...]) -> bytes:
        kind, *args = job
        return jobs[kind](onto, *args)

    return handle


def _bounded(content: Any, max_bytes: int) -> bytes:
    from pydantic_core import to_json

    body = to_json(content)
    if len(body) > max_bytes:
        raise _too_large(len(body), max_bytes)
    return body


def _too_large(size: int, max_bytes: int) -> Problem:
    return Problem(
        413,
        "Answer too large",
        f"the answer would be over {size} bytes, the service's limit being {max_bytes} (PANET_MAX_RESPONSE_BYTES); "
        "send less at a time",
    )


class _Writer:
    """A JSON answer written piece by piece, refused as soon as it passes ``max_bytes``: the
    dicts of all annotations of a large text are never held at once."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.pieces: list[bytes] = []

    def add(self, piece: bytes) -> None:
        self.size += len(piece)
        if self.size > self.max_bytes:
            raise _too_large(self.size, self.max_bytes)
        self.pieces.append(piece)

    def annotations(self, found: list[Any]) -> None:
        from pydantic_core import to_json

        self.add(b"[")
        for number, annotation in enumerate(found):
            self.add(b"," + to_json(annotation.to_dict()) if number else to_json(annotation.to_dict()))
        self.add(b"]")

    def body(self) -> bytes:
        return b"".join(self.pieces)


def _annotate(onto: panet.Ontology, request: dict[str, Any], max_fuzzy_chars: int, max_bytes: int) -> bytes:
    text, texts = request.pop("text", None), request.pop("texts", None)
    if request.get("fuzzy"):
        size = len(text) if text is not None else sum(len(t) for t in texts)
        if size > max_fuzzy_chars:
            raise Problem(
                413,
                "Text too long for fuzzy matching",
                f"{size} characters; fuzzy matching takes at most {max_fuzzy_chars} per request "
                "(PANET_MAX_FUZZY_CHARS): send less, or turn fuzzy off",
            )
    annotator = annotator_for(onto, request)
    answer = _Writer(max_bytes)
    if text is not None:
        answer.add(b'{"annotations":')
        answer.annotations(annotator.annotate(text))
    else:
        answer.add(b'{"results":[')
        for number, found in enumerate(annotator.annotate_many(texts)):
            if number:
                answer.add(b",")
            answer.annotations(found)
        answer.add(b"]")
    answer.add(b"}")
    return answer.body()


def _records(
    onto: panet.Ontology, body: bytes, format: str | None, fields: list[str], max_batch: int, max_bytes: int
) -> bytes:
    return _bounded(_records_answer(onto, body, format, fields, max_batch), max_bytes)


def _validate(
    onto: panet.Ontology,
    body: bytes,
    fmt: str,
    context: str | None,
    shapes: str,
    under: str | None,
    engine: str,
    report_format: str,
) -> bytes:
    import panet
    from panet.shacl.inputs import parse_rdf

    data = parse_rdf(body, "request body", fmt, context)
    report = panet.validate(data, shapes=shapes_graph(onto, shapes, under), engine=engine, ontology=onto)
    if report_format == "json":
        return report.to_json(indent=None).encode()
    return report.graph.serialize(format="turtle").encode()


@lru_cache(maxsize=64)
def shapes_graph(onto: panet.Ontology, choice: str, under: str | None) -> Any:
    """Shapes graphs, built once per worker: the fast engine caches its compiled form per graph."""
    from panet.shacl.generate import default_shapes, technique_shapes, under_shapes

    if under is not None:
        return under_shapes(onto, under)
    return default_shapes(onto) if choice == "default" else technique_shapes(onto)


def _records_answer(onto: Any, body: bytes, format: str | None, fields: list[str], limit: int) -> dict[str, Any]:
    """The answer of ``/annotate/records``: every record of ``body`` annotated
    (`panet.records.annotate_stream`) or rejected."""
    import panet.records
    from panet.records.batch import Summary
    from panet.records.core import Status

    summary = Summary()
    records: list[Any] = []
    rejects: list[dict[str, Any]] = []
    report: list[dict[str, Any]] = []  # entries whose pid and name disagree, or that contradict their record
    try:
        name = format or panet.records.detect_format(body)
        if name not in JSON_FORMATS or body.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] not in (b"{", b"["):
            raise Problem(415, "Unsupported record format", f"the body holds {name} records; send JSON records")
        if _count(body, name, limit + 1) > limit:
            raise Problem(
                413,
                "Batch too large",
                f"more than {limit} records; the service takes at most {limit} per request (PANET_MAX_BATCH): "
                "send them in several requests",
            )
        for result in panet.records.annotate_stream(body, format=name, fields=fields, ontology=onto):
            summary.add(result)
            if result.status is Status.REJECTED:
                rejects.append(result.reject())
            else:
                records.append(orjson.loads(result.data))
                report += result.report()
    except PanetError as err:  # about the whole body: name it as such
        raise Problem(400, "Bad records", str(err).replace("<records>", "request body")) from None
    return {
        "format": name,
        "summary": {key: getattr(summary, key) for key in COUNTS},
        "records": records,
        "rejects": rejects,
        "report": report,
    }


def _count(body: bytes, format: str, most: int) -> int:
    """Records in ``body``, counted up to ``most`` by the format's own reader (nothing annotated)."""
    from itertools import islice

    from panet.records import formats

    reader = formats.get(format).reader(body)
    try:
        return sum(1 for _ in islice(reader.items(), most))
    finally:
        reader.close()
