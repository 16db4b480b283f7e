"""``POST /annotate/records``: catalogue records in the body -> annotated records + rejects
(`panet.records.annotate_stream`, in memory: nothing is written to disk; nothing is lost)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from panet.api.deps import SettingsDep
from panet.api.jobs import JSON_FORMATS, run_job
from panet.api.problems import Problem
from panet.records.inputs import GZIP_SIGNATURE

router = APIRouter(tags=["annotate"])

BODY_TYPES = ("application/json", "application/x-ndjson", "application/jsonl", "application/json-lines")
# the library's JSON record formats (the service takes JSON bodies)
RecordFormat = StrEnum("RecordFormat", [(name, name) for name in JSON_FORMATS])


@router.post(
    "/annotate/records",
    responses={
        200: {
            "description": "summary (counts add up: read = annotated + unchanged + rejected), records, rejects, "
            "report (technique entries whose pid and name disagree, or that contradict their record)"
        },
        413: {"description": "More records than PANET_MAX_BATCH, or a body over PANET_MAX_BODY_BYTES."},
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {media: {"schema": {"type": "string"}} for media in BODY_TYPES}}
    },
)
async def annotate_records(
    request: Request,
    settings: SettingsDep,
    format: Annotated[
        RecordFormat | None, Query(description="pan (PaN search API), scicat or jsonl; default: from the content.")
    ] = None,
    fields: Annotated[
        str | None, Query(description="Comma-separated dotted paths of the text fields (jsonl needs them).")
    ] = None,
) -> Response:
    """Annotate catalogue records sent as a JSON array or JSON Lines. ``records``: every record
    not rejected, annotated, in input order (technique entries added or corrected); ``rejects``:
    each record that could not be annotated, with its number (from 1), line, offset and reason;
    ``report``: each technique entry whose pid and name denote different techniques (the one the
    record supports is kept) or that contradicts its record (left as it is), with its record's
    number and identifier, as in the ``annotate-records`` report file. A bad record never fails the batch."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media not in BODY_TYPES:
        raise Problem(415, "Unsupported media type", f"send the records as one of {', '.join(BODY_TYPES)}")
    body = await request.body()
    if body.startswith(GZIP_SIGNATURE):  # decompressed, it would escape the body size limit
        raise Problem(415, "Unsupported encoding", "send the records uncompressed")
    wanted = [f.strip() for f in (fields or "").split(",") if f.strip()]
    name = None if format is None else format.value
    job = ("records", body, name, wanted, settings.max_batch, settings.max_response_bytes)
    return Response(await run_job(request, job), media_type="application/json")
