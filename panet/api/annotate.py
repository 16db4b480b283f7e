"""``POST /annotate``: free text -> PaNET terms, with the library's options (`onto.annotate`)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from panet.annotate import annotator_for
from panet.api.deps import OntologyDep, SettingsDep
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


@router.post("/annotate", response_model=AnnotateResponse)
def annotate(request: AnnotateRequest, onto: OntologyDep, settings: SettingsDep) -> JSONResponse:
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
    options = request.model_dump(mode="json", exclude={"text", "texts"})  # enums as their strings
    annotator = annotator_for(onto, options)
    if request.text is not None:
        return JSONResponse({"annotations": [a.to_dict() for a in annotator.annotate(request.text)]})
    return JSONResponse({"results": [[a.to_dict() for a in found] for found in annotator.annotate_many(request.texts)]})
