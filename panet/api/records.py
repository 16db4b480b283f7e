"""``POST /annotate/records``: catalogue records in the body -> annotated records + rejects
(`panet.records.annotate_file`, which reads, checks and writes them; nothing is lost)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from panet.api.deps import SettingsDep
from panet.api.jobs import run_job
from panet.api.problems import Problem
from panet.errors import PanetError

router = APIRouter(tags=["annotate"])

BODY_TYPES = ("application/json", "application/x-ndjson", "application/jsonl", "application/json-lines")
COUNTS = ("read", "annotated", "unchanged", "rejected", "added", "corrected", "unresolved")


class RecordFormat(StrEnum):
    pan = "pan"
    scicat = "scicat"
    jsonl = "jsonl"


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
    each record that could not be annotated, with its number (from 1), line, offset and reason.
    A bad record never fails the batch."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media not in BODY_TYPES:
        raise Problem(415, "Unsupported media type", f"send the records as one of {', '.join(BODY_TYPES)}")
    body = await request.body()
    wanted = [f.strip() for f in (fields or "").split(",") if f.strip()]
    name = None if format is None else format.value
    job = ("records", body, name, wanted, settings.max_batch, settings.max_response_bytes)
    return Response(await run_job(request, job), media_type="application/json")


def _record_count(body: bytes) -> int:
    """Records in a JSON array or JSON Lines body (an unparsable array counts as one)."""
    text = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"["):
        try:
            found = json.loads(text)
        except ValueError:
            return 1
        return len(found) if isinstance(found, list) else 1
    return sum(1 for line in text.splitlines() if line.strip())


def annotate_body(onto: Any, body: bytes, format: str | None, fields: list[str], max_batch: int) -> dict[str, Any]:
    """The answer of ``/annotate/records`` (run in a `panet.api.jobs` worker)."""
    import tempfile
    from pathlib import Path

    import panet.records

    count = _record_count(body)
    if count > max_batch:
        raise Problem(
            413,
            "Batch too large",
            f"{count} records; the service takes at most {max_batch} per request (PANET_MAX_BATCH): "
            "send them in several requests",
        )
    with tempfile.TemporaryDirectory(prefix="panet-records-") as folder:
        source, output = Path(folder) / "records", Path(folder) / "annotated"
        source.write_bytes(body)
        try:
            name = format or panet.records.detect_format(source)
            if name not in RecordFormat.__members__:
                raise Problem(415, "Unsupported record format", f"the body holds {name} records; send JSON records")
            summary = panet.records.annotate_file(source, output, format=name, fields=fields, ontology=onto)
        except PanetError as err:  # about the whole body: name it as such, not by its temporary file
            raise Problem(400, "Bad records", str(err).replace(str(source), "request body")) from None
        text = output.read_text(encoding="utf-8")
        records = json.loads(text) if text.lstrip().startswith("[") else [json.loads(x) for x in text.splitlines() if x]
        rejects = [json.loads(line) for line in Path(summary.rejects).read_text(encoding="utf-8").splitlines() if line]
    return {
        "format": name,
        "summary": {key: getattr(summary, key) for key in COUNTS},
        "records": records,
        "rejects": rejects,
    }
