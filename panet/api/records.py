"""``POST /annotate/records``: catalogue records in the body -> annotated records + rejects
(`panet.records.annotate_stream`, in memory: nothing is written to disk; nothing is lost)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from panet.api.deps import OntologyDep, SettingsDep
from panet.api.problems import Problem
from panet.errors import PanetError
from panet.records.formats import RecordFormat as LibraryFormat
from panet.records.inputs import GZIP_SIGNATURE

router = APIRouter(tags=["annotate"])

BODY_TYPES = ("application/json", "application/x-ndjson", "application/jsonl", "application/json-lines")
COUNTS = ("read", "annotated", "unchanged", "rejected", "added", "corrected", "unresolved")


# the library's JSON record formats (the service takes JSON bodies)
RecordFormat = StrEnum(
    "RecordFormat", [(f.value, f.value) for f in (LibraryFormat.pan, LibraryFormat.scicat, LibraryFormat.jsonl)]
)


@router.post(
    "/annotate/records",
    responses={
        200: {"description": "summary (counts add up: read = annotated + unchanged + rejected), records, rejects"},
        413: {"description": "More records than PANET_MAX_BATCH, or a body over PANET_MAX_BODY_BYTES."},
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {media: {"schema": {"type": "string"}} for media in BODY_TYPES}}
    },
)
async def annotate_records(
    request: Request,
    onto: OntologyDep,
    settings: SettingsDep,
    format: Annotated[
        RecordFormat | None, Query(description="pan (PaN search API), scicat or jsonl; default: from the content.")
    ] = None,
    fields: Annotated[
        str | None, Query(description="Comma-separated dotted paths of the text fields (jsonl needs them).")
    ] = None,
) -> JSONResponse:
    """Annotate catalogue records sent as a JSON array or JSON Lines. ``records``: every record
    not rejected, annotated, in input order (technique entries added or corrected); ``rejects``:
    each record that could not be annotated, with its number (from 1), line, offset and reason.
    A bad record never fails the batch."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media not in BODY_TYPES:
        raise Problem(415, "Unsupported media type", f"send the records as one of {', '.join(BODY_TYPES)}")
    body = await request.body()
    if body.startswith(GZIP_SIGNATURE):  # decompressed, it would escape the body size limit
        raise Problem(415, "Unsupported encoding", "send the records uncompressed")
    wanted = [f.strip() for f in (fields or "").split(",") if f.strip()]
    chosen = None if format is None else format.value
    result = await run_in_threadpool(_annotate, onto, body, chosen, wanted, settings.max_batch)
    return JSONResponse(result)


def _annotate(onto: Any, body: bytes, format: str | None, fields: list[str], limit: int) -> dict[str, Any]:
    """The response: every record of ``body`` annotated (`panet.records.annotate_stream`) or rejected."""
    import panet.records
    from panet.records.batch import Summary
    from panet.records.core import Status

    summary = Summary()
    records: list[Any] = []
    rejects: list[dict[str, Any]] = []
    try:
        name = format or panet.records.detect_format(body)
        if name not in RecordFormat.__members__:
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
    except PanetError as err:  # about the whole body: name it as such
        raise Problem(400, "Bad records", str(err).replace("<records>", "request body")) from None
    return {
        "format": name,
        "summary": {key: getattr(summary, key) for key in COUNTS},
        "records": records,
        "rejects": rejects,
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
