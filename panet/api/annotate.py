"""``POST /annotate``: free text -> PaNET terms, with the library's options (`onto.annotate`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from panet.api.deps import SettingsDep
from panet.api.jobs import run_job
from panet.api.problems import Problem
from panet.options import Expand, TermKind

router = APIRouter(tags=["annotate"])


class AnnotateRequest(BaseModel):
    """One ``text`` or a batch of ``texts``, and the options of `panet.Ontology.annotate`."""

    text: str | None = Field(None, description="The text to annotate.", examples=["in-situ GISAXS of thin films"])
    texts: list[str] | None = Field(None, description="Several texts (at most PANET_MAX_BATCH), in order.")
    longest_only: bool = Field(True, description="Report the longest match only, each position once.")
    whole_words: bool = Field(True, description="Match whole words only (False: also inside words).")
    include_synonyms: bool = Field(True, description="Match synonyms and acronyms, not only labels.")
    include_mappings: bool = Field(True, description="Match the labels of the shipped SSSOM mappings.")
    kinds: list[TermKind] = Field([TermKind.technique], description="Term kinds to find.")
    min_length: int = Field(2, ge=1, le=1000, description="Shortest name to match, in characters.")
    expand: Expand = Field(Expand.none, description="Also report each term's ancestors.")
    stop_words: list[str] = Field([], max_length=10_000, description="Names never to report.")
    fuzzy: bool = Field(False, description="Also find near-misses (typos) of names.")


class AnnotationOut(BaseModel):
    start: int
    end: int
    text: str
    iri: str
    id: str
    curie: str
    label: str
    kind: str
    matched: str
    match_type: str
    score: float


class AnnotateResponse(BaseModel):
    annotations: list[AnnotationOut] | None = Field(None, description="For `text`.")
    results: list[list[AnnotationOut]] | None = Field(None, description="For `texts`: one list per text, in order.")


@router.post(
    "/annotate",
    response_model=AnnotateResponse,
    responses={413: {"description": "More texts than PANET_MAX_BATCH, too much text for fuzzy, or too large."}},
)
async def annotate(request: AnnotateRequest, http: Request, settings: SettingsDep) -> Response:
    """Find PaNET terms in ``text`` (or in each of ``texts``); offsets are character positions."""
    if (request.text is None) == (request.texts is None):
        raise Problem(422, "Invalid request", "give either text or texts")
    if request.texts is not None and len(request.texts) > settings.max_batch:
        raise Problem(
            413,
            "Batch too large",
            f"{len(request.texts)} texts; the service takes at most {settings.max_batch} per request "
            "(PANET_MAX_BATCH): send them in several requests",
        )
    job = (
        "annotate",
        request.model_dump(mode="json", exclude_none=True),
        settings.max_fuzzy_chars,
        settings.max_response_bytes,
    )
    return Response(await run_job(http, job), media_type="application/json")
