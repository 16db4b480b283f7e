"""``POST /validate``: SHACL validation of dataset metadata sent in the body (`panet.validate`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from panet.api.deps import OntologyDep
from panet.api.jobs import run_job
from panet.api.problems import Problem
from panet.options import Engine, JsonContext, ShapesChoice
from panet.sparql import negotiate

if TYPE_CHECKING:
    pass

router = APIRouter(tags=["validate"])

# body media type -> rdflib format; plain JSON records need ?context=
_BODY_FORMATS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
}
_REPORT_TYPES = {"application/json": "json", "text/turtle": "turtle"}


_BODY_SCHEMA = {"schema": {"type": "string"}}


@router.post(
    "/validate",
    response_class=Response,
    responses={
        200: {
            "description": "The validation report (conforming or not): JSON, or sh:ValidationReport as Turtle.",
            "content": {
                "application/json": {"schema": {"type": "object", "required": ["conforms", "results"]}},
                "text/turtle": {"schema": {"type": "string"}},
            },
        },
        400: {"description": "The body is not readable RDF or JSON (the problem names the line)."},
    },
    openapi_extra={"requestBody": {"required": True, "content": {media: _BODY_SCHEMA for media in _BODY_FORMATS}}},
)
async def validate(
    request: Request,
    onto: OntologyDep,
    engine: Annotated[Engine, Query(description="fast, or pyshacl (the reference).")] = Engine.fast,
    shapes: Annotated[
        ShapesChoice, Query(description="default: dataset profile and technique shapes; techniques: technique shapes.")
    ] = ShapesChoice.default,
    under: Annotated[
        str | None, Query(description="Instead: every technique must be this term or below it (a SAXS beamline).")
    ] = None,
    context: Annotated[
        JsonContext | None, Query(description="Read plain JSON records (PaN search API, SciCat) as RDF.")
    ] = None,
) -> Response:
    """Validate dataset metadata (Turtle, N-Triples, RDF/XML, JSON-LD, or plain JSON records with
    ``context``) against shipped or generated SHACL shapes. The report is JSON, or the standard
    ``sh:ValidationReport`` graph on ``Accept: text/turtle``."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    fmt = _BODY_FORMATS.get(media)
    if fmt is None:
        raise Problem(415, "Unsupported media type", f"send the data as one of {', '.join(_BODY_FORMATS)}")
    reply = negotiate(request.headers.get("accept"), _REPORT_TYPES)
    if reply is None:
        raise Problem(406, "Not acceptable", "the report comes as application/json or text/turtle")
    if under is not None:
        under = onto.term(under).iri  # 404 with suggestions for an unknown technique
    body = await request.body()
    given = None if context is None else context.value
    job = ("validate", body, fmt, given, shapes.value, under, engine.value, reply[1])
    return Response(await run_job(request, job), media_type=reply[0], headers={"Vary": "Accept"})
