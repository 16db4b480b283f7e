"""Native REST: ``/terms/{key}`` (JSON or JSON-LD), ``/terms``, its hierarchy, ``/search``."""

from __future__ import annotations

import json
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

import panet
from panet import facets as facet_module
from panet import versions
from panet.api.deps import OntologyDep
from panet.jsonld import term_document, term_ref, to_jsonld
from panet.mappings import mappings_for
from panet.sparql import negotiate
from panet.term import by_label

router = APIRouter(tags=["terms"])


class Kind(StrEnum):
    technique = "technique"
    specifier = "specifier"
    any = "any"


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
KindQuery = Annotated[
    Kind | None,
    Query(description="Labels resolve to techniques unless kind=specifier or kind=any; identifiers always resolve."),
]
Limit = Annotated[int, Query(ge=1, le=1000, description="Most results to return.")]
Offset = Annotated[int, Query(ge=0, le=100_000, description="Results to skip.")]
_JSON_OR_JSONLD = {"application/json": "json", "application/ld+json": "jsonld"}
_RELATIONS = ("parents", "children", "ancestors", "descendants")


def _kind(kind: Kind | None) -> str | None:
    return None if kind is None else kind.value


def _sorted(terms: frozenset[Any]) -> list[dict[str, Any]]:
    return [t.to_dict() for t in by_label(terms)]


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


@router.get("/search", response_model=SearchResult)
async def search(
    onto: OntologyDep,
    q: Annotated[str, Query(max_length=1000, description="Words to look for in labels and synonyms.")],
    kind: Annotated[Kind | None, Query(description="Only techniques or only specifiers (default: both).")] = None,
    limit: Limit = 10,
    offset: Offset = 0,
) -> JSONResponse:
    """Ranked search: exact > prefix > whole word > substring > fuzzy (typo-tolerant)."""
    wanted = None if kind in (None, Kind.any) else kind.value
    hits = onto.search(q, limit=None, kind=wanted)  # type: ignore[arg-type]
    page = [hit.to_dict() for hit in hits[offset : offset + limit]]
    return JSONResponse({"query": q, "total": len(hits), "offset": offset, "limit": limit, "hits": page})


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


for _relation in _RELATIONS:  # registered before /terms/{key:path}, which would swallow them
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


@router.get(
    "/terms/{key:path}",
    response_model=TermDocument,
    responses={200: {"content": {"application/ld+json": {}}}, 404: {"description": "No such term; suggestions"}},
)
async def get_term(request: Request, onto: OntologyDep, key: KeyPath, kind: KindQuery = None) -> Response:
    """One term with its direct parents, children and equivalents; JSON-LD on
    ``Accept: application/ld+json``."""
    term = onto.term(key, _kind(kind))
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
