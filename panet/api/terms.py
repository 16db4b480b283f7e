"""Native REST: ``/terms/{key}`` (JSON or JSON-LD), ``/terms``, its hierarchy, ``/search``."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.convertors import PathConvertor, register_url_convertor

import panet
from panet import facets as facet_module
from panet import versions
from panet.api.deps import OntologyDep
from panet.api.params import openapi_query, parse_query
from panet.jsonld import term_document, term_ref, to_jsonld
from panet.mappings import mappings_for
from panet.options import Kind
from panet.sparql import negotiate
from panet.term import by_label

router = APIRouter(tags=["terms"])
_SUB_RESOURCES = ("parents", "children", "ancestors", "descendants", "facets", "history", "mappings")


class TermKey(PathConvertor):
    """A term key in a path, as ``{key:path}``, but not one that ends in a sub-resource
    (``/parents``, ``/facets``, ...): those have routes of their own.

    >>> import re
    >>> [bool(re.fullmatch(TermKey.regex, k)) for k in ("PaNET01188", "http://x/PaNET01188", "SAXS/parents")]
    [True, True, False]
    """

    regex = ".*" + "".join(f"(?<!/{name})" for name in _SUB_RESOURCES)


register_url_convertor("term_key", TermKey())


class TermRef(BaseModel):
    iri: str
    id: str
    label: str
    kind: str


class TermOut(BaseModel):
    iri: str
    id: str
    curie: str
    label: str
    synonyms: list[str]
    kind: str
    definition: str | None
    definition_source: str | None
    deprecated: bool
    replaced_by: str | None
    match: str | None = None


class TermDocument(TermOut):
    parents: list[TermRef]
    children: list[TermRef]
    equivalents: list[TermRef]


class TermList(BaseModel):
    total: int
    offset: int
    limit: int
    terms: list[TermOut]


class Related(BaseModel):
    term: TermRef
    relation: str
    terms: list[TermOut]


class HitOut(TermOut):
    matched: str
    field: str
    match: str  # type: ignore[assignment]
    score: float


class SearchResult(BaseModel):
    query: str
    total: int
    offset: int
    limit: int
    hits: list[HitOut]


KeyPath = Annotated[
    str,
    Path(description="IRI, CURIE (panet:PaNET01188), ID (PaNET01188), label or synonym.", examples=["PaNET01188"]),
]
_KEY_PARAMETER = {
    "name": "key",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": KeyPath.__metadata__[0].description,
    "example": "PaNET01188",
}
KindQuery = Annotated[
    Kind | None,
    Query(description="Labels resolve to techniques unless kind=specifier or kind=any; identifiers always resolve."),
]
Limit = Annotated[int, Query(ge=1, le=1000, description="Most results to return.")]
Offset = Annotated[int, Query(ge=0, le=100_000, description="Results to skip.")]
_JSON_OR_JSONLD = {"application/json": "json", "application/ld+json": "jsonld"}
_RELATIONS = _SUB_RESOURCES[:4]


def _kind(kind: Kind | None) -> str | None:
    return None if kind is None else kind.value


def _sorted(terms: frozenset[Any]) -> list[dict[str, Any]]:
    return [t.to_dict() for t in by_label(terms)]


class TermQuery(BaseModel):
    kind: Kind | None = Field(
        None,
        description="Labels resolve to techniques unless kind=specifier or kind=any; identifiers always resolve.",
    )


class SearchQuery(BaseModel):
    q: str = Field(max_length=1000, description="Words to look for in labels and synonyms.")
    kind: Kind | None = Field(None, description="Only techniques or only specifiers (default: both).")
    limit: int = Field(10, ge=1, le=1000, description="Most results to return.")
    offset: int = Field(0, ge=0, le=100_000, description="Results to skip.")


# The busiest routes come first (FastAPI tries routes in order), read the ontology without a
# dependency and their query with `parse_query` (FastAPI's per-parameter checks cost more than
# their work). ``term_key`` matches like ``path`` but leaves /terms/{key}/parents, /facets, ...
# to their own routes below.
@router.get(
    "/terms/{key:term_key}",
    response_model=TermDocument,
    responses={200: {"content": {"application/ld+json": {}}}, 404: {"description": "No such term; suggestions"}},
    openapi_extra={"parameters": [_KEY_PARAMETER, *openapi_query(TermQuery)["parameters"]]},
)
async def get_term(request: Request) -> Response:
    """One term with its direct parents, children and equivalents; JSON-LD on
    ``Accept: application/ld+json``."""
    onto, params = request.app.state.ontology, parse_query(request, TermQuery)
    term = onto.term(request.path_params["key"], _kind(params.kind))
    chosen = negotiate(request.headers.get("accept"), _JSON_OR_JSONLD)
    media = "application/ld+json" if chosen is not None and chosen[1] == "jsonld" else "application/json"
    return Response(_rendered(onto, term.iri, term.match, media), media_type=media, headers={"Vary": "Accept"})


@lru_cache(maxsize=4096)
def _rendered(onto: panet.Ontology, iri: str, match: str | None, media: str) -> bytes:
    """A term's document as bytes, memoised: the ontology never changes while it is served."""
    document = term_document(onto, iri)
    if match is not None:
        document["match"] = match
    if media == "application/ld+json":
        document = to_jsonld(document)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


@router.get("/search", response_model=SearchResult, openapi_extra=openapi_query(SearchQuery))
async def search(request: Request) -> Response:
    """Ranked search: exact > prefix > whole word > substring > fuzzy (typo-tolerant)."""
    onto, params = request.app.state.ontology, parse_query(request, SearchQuery)
    wanted = None if params.kind in (None, Kind.any) else params.kind.value
    hits = onto.search(params.q, limit=None, kind=wanted)  # type: ignore[arg-type]
    page = b",".join(
        _hit_json(h.term, h.matched, h.field, h.match, h.score) for h in hits[params.offset :][: params.limit]
    )
    head = {"query": params.q, "total": len(hits), "offset": params.offset, "limit": params.limit}
    return Response(orjson.dumps(head)[:-1] + b',"hits":[' + page + b"]}", media_type="application/json")


@lru_cache(maxsize=8192)
def _hit_json(term: panet.Term, matched: str, field: str, match: str, score: float) -> bytes:
    """One hit as JSON, memoised (a few MB at most): the same terms come back search after search."""
    return orjson.dumps({**term.to_dict(), "matched": matched, "field": field, "match": match, "score": score})


@router.get("/terms", response_model=TermList)
async def list_terms(
    onto: OntologyDep,
    label: Annotated[str | None, Query(description="Every term with this label or synonym.")] = None,
    kind: Annotated[Kind | None, Query(description="Only techniques or only specifiers.")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> JSONResponse:
    """All terms (of one kind) in IRI order, or the terms with a given label or synonym."""
    wanted = None if kind in (None, Kind.any) else kind.value
    found = onto.terms_by_label(label) if label is not None else onto.terms()
    terms = [t for t in found if wanted is None or t.kind == wanted]
    page = terms[offset : offset + limit]
    return JSONResponse({"total": len(terms), "offset": offset, "limit": limit, "terms": [t.to_dict() for t in page]})


def _relation_route(relation: str) -> None:
    async def related(onto: OntologyDep, key: KeyPath, kind: KindQuery = None) -> JSONResponse:
        term = onto.term(key, _kind(kind))
        return JSONResponse(
            {"term": term_ref(term), "relation": relation, "terms": _sorted(getattr(onto, relation)(term))}
        )

    related.__doc__ = f"The term's {relation} in the reasoned hierarchy, sorted by label."
    router.add_api_route(
        f"/terms/{{key:path}}/{relation}", related, methods=["GET"], response_model=Related, name=f"term_{relation}"
    )


for _relation in _RELATIONS:
    _relation_route(_relation)


class FacetsOut(BaseModel):
    term: TermOut
    axes: dict[str, list[TermOut]]
    conjuncts: list[TermOut]


@router.get("/terms/{key:path}/facets", response_model=FacetsOut)
async def facets(onto: OntologyDep, key: KeyPath, kind: KindQuery = None) -> JSONResponse:
    """What defines the term, by axis (probe, process, functional_dependence, purpose,
    beam_characteristic), and the named classes of its equivalence axiom."""
    return JSONResponse(facet_module.facets(onto, onto.term(key, _kind(kind))).to_dict())


class LabelChange(BaseModel):
    version: str
    label: str


class HistoryOut(BaseModel):
    term: TermRef
    history: list[LabelChange]


@router.get("/terms/{key:path}/history", response_model=HistoryOut)
async def history(onto: OntologyDep, key: KeyPath, kind: KindQuery = None) -> JSONResponse:
    """The term's label in each shipped release where it changed, oldest first (`panet.versions.history`)."""
    term = onto.term(key, _kind(kind))
    changes = [{"version": version, "label": label} for version, label in versions.history(onto, term)]
    return JSONResponse({"term": term_ref(term), "history": changes})


class MappingOut(BaseModel):
    subject_id: str
    subject_label: str
    predicate_id: str
    object_id: str
    object_label: str
    confidence: float | None
    term: str | None
    object_iri: str | None
    mapping_justification: str
    author_id: str
    mapping_date: str
    mapping_set_id: str
    line: int


class MappingsOut(BaseModel):
    term: TermRef
    mappings: list[MappingOut]


@router.get("/terms/{key:path}/mappings", response_model=MappingsOut)
async def mappings(onto: OntologyDep, key: KeyPath, kind: KindQuery = None) -> JSONResponse:
    """The term's SSSOM mappings to outside vocabularies in the shipped mapping sets
    (`panet.mappings.mappings_for`): predicate, object, confidence, set."""
    term = onto.term(key, _kind(kind))
    return JSONResponse({"term": term_ref(term), "mappings": [m.to_dict() for m in mappings_for(onto, term)]})
