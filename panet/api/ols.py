"""An OLS-compatible subset under ``/ols/api``: the v1 REST API as EBI's OLS4 serves it.

Tools written for the Ontology Lookup Service (``…/api/ontologies/{id}/terms/{double-encoded
IRI}``, ``/api/search``, ``/api/select``, ``/api/suggest``) work against a local PaNET with the
base URL changed. Shapes follow OLS4's v1 controllers: HAL paging (``_embedded``, ``_links``,
``page``; ``page`` from 0, ``size`` 20 by default, at most 1000), OLS field names
(``obo_id``, ``short_form``, ``ontology_name``, ``is_obsolete``, ``has_children``…), Solr-style
``responseHeader`` / ``response.docs`` for search. The one ontology is ``panet``.

Differences, all documented in docs/service.md: errors are RFC 9457 problem bodies; search
covers labels, synonyms and identifiers (not definitions) with panet's ranking, no fuzzy
matches; ``hierarchical*`` equal the plain relations (PaNET has only is-a); no ``jstree`` or
``graph`` views.
"""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

import panet
from panet.api.deps import OntologyDep
from panet.api.problems import Problem
from panet.term import PREFIX

router = APIRouter(prefix="/ols/api", tags=["ols"])

ONTOLOGY_ID = "panet"
IAO_DEFINITION_SOURCE = "definition source"
RELATIONS = {  # OLS relation -> Ontology method (PaNET's only hierarchy is is-a)
    "parents": "parents",
    "children": "children",
    "ancestors": "ancestors",
    "descendants": "descendants",
    "hierarchicalParents": "parents",
    "hierarchicalChildren": "children",
    "hierarchicalAncestors": "ancestors",
    "hierarchicalDescendants": "descendants",
}
SEARCH_FIELDS = (  # returned when fieldList is not given, as OLS does
    "id",
    "iri",
    "short_form",
    "obo_id",
    "label",
    "ontology_name",
    "ontology_prefix",
    "description",
    "type",
)

Page = Annotated[int, Query(ge=0, le=100_000, description="Page number, from 0.")]
Size = Annotated[int, Query(ge=1, le=100_000, description="Page size (at most 1000 are returned).")]
Rows = Annotated[int, Query(ge=0, le=100_000, description="Number of results (at most 1000 are returned).")]
Start = Annotated[int, Query(ge=0, le=100_000, description="Index of the first result.")]
MAX_PAGE = 1000


def _list(value: str | None) -> list[str]:
    """OLS list parameters: comma-separated (``ontology=efo,panet``)."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _check_ontology(name: str) -> None:
    if name.lower() != ONTOLOGY_ID:
        raise Problem(404, "Ontology not found", f"this service holds one ontology, {ONTOLOGY_ID!r}, not {name!r}")


def _encoded(iri: str) -> str:
    return quote(quote(iri, safe=""), safe="")


def _origin(request: Request) -> str:
    """``PANET_PUBLIC_URL``, else the address the server listens on (OLS clients need absolute
    links): never the client's ``Host`` header, which anyone can set."""
    configured = request.app.state.settings.public_url
    if configured:
        return configured
    server = request.scope.get("server")
    if not server or server[1] is None:
        return ""  # a Unix socket: links relative to the server's root
    host, port = server
    return f"{request.url.scheme}://{f'[{host}]' if ':' in host else host}:{port}"


def _base(request: Request) -> str:
    return _origin(request) + router.prefix


def _link(request: Request, **params: int) -> str:
    url = request.url.include_query_params(**params) if params else request.url
    return f"{_origin(request)}{url.path}" + (f"?{url.query}" if url.query else "")


# -- documents --------------------------------------------------------------------------


def short_form(iri: str) -> str:
    """OLS's short form of an IRI outside its ontology's base URIs: the last path segment."""
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def obo_id(short: str) -> str:
    """OLS's CURIE rule: a trailing ``_digits`` becomes ``:digits``; else the short form."""
    head, sep, digits = short.rpartition("_")
    return f"{head}:{digits}" if sep and digits.isdigit() else short


def term_doc(onto: panet.Ontology, term: panet.Term, base: str) -> dict[str, Any]:
    """A term as OLS's V1Term with its HAL links."""
    is_root = not onto.parents(term)
    has_children = bool(onto.children(term))
    self_href = f"{base}/ontologies/{ONTOLOGY_ID}/terms/{_encoded(term.iri)}"
    links = {"self": {"href": self_href + "?lang=en"}}
    if not is_root:
        for rel in ("parents", "ancestors", "hierarchicalParents", "hierarchicalAncestors"):
            links[rel] = {"href": f"{self_href}/{rel}"}
    if has_children:
        for rel in ("children", "descendants", "hierarchicalChildren", "hierarchicalDescendants"):
            links[rel] = {"href": f"{self_href}/{rel}"}
    short = short_form(term.iri)
    return {
        "iri": term.iri,
        "lang": "en",
        "description": [term.definition] if term.definition else [],
        "synonyms": list(term.synonyms),
        "annotation": {IAO_DEFINITION_SOURCE: [term.definition_source]} if term.definition_source else {},
        "label": term.label,
        "ontology_name": ONTOLOGY_ID,
        "ontology_prefix": PREFIX,
        "ontology_iri": onto.ontology_iri,
        "is_obsolete": term.deprecated,
        "term_replaced_by": short_form(term.replaced_by) if term.replaced_by else None,
        "is_defining_ontology": True,
        "has_children": has_children,
        "is_root": is_root,
        "short_form": short,
        "obo_id": obo_id(short),
        "in_subset": None,
        "obo_definition_citation": None,
        "obo_xref": None,
        "obo_synonym": None,
        "is_preferred_root": False,
        "_links": links,
    }


def property_doc(onto: panet.Ontology, iri: str, label: str, base: str) -> dict[str, Any]:
    """An object property as OLS's V1Property (without hierarchy fields: not indexed)."""
    short = short_form(iri)
    href = f"{base}/ontologies/{ONTOLOGY_ID}/properties/{_encoded(iri)}"
    return {
        "iri": iri,
        "lang": "en",
        "description": [],
        "synonyms": [],
        "annotation": {},
        "label": label,
        "ontology_name": ONTOLOGY_ID,
        "ontology_prefix": PREFIX,
        "ontology_iri": onto.ontology_iri,
        "is_obsolete": False,
        "is_defining_ontology": True,
        "short_form": short,
        "obo_id": obo_id(short),
        "_links": {"self": {"href": href + "?lang=en"}},
    }


def ontology_doc(onto: panet.Ontology, base: str) -> dict[str, Any]:
    """PaNET as OLS's V1Ontology."""
    href = f"{base}/ontologies/{ONTOLOGY_ID}"
    metadata = onto.metadata
    return {
        "languages": ["en"],
        "lang": "en",
        "ontologyId": ONTOLOGY_ID,
        "loaded": None,
        "updated": None,
        "status": "LOADED",
        "message": "",
        "version": onto.version,
        "fileHash": onto.checksum,
        "loadAttempts": 0,
        "numberOfTerms": len(onto),
        "numberOfProperties": len(onto.properties),
        "numberOfIndividuals": 0,
        "config": {
            "id": ONTOLOGY_ID,
            "versionIri": None,
            "namespace": ONTOLOGY_ID,
            "preferredPrefix": PREFIX,
            "title": metadata.get("title"),
            "description": metadata.get("description"),
            "homepage": "https://github.com/ExPaNDS-eu/ExPaNDS-experimental-techniques-ontology",
            "version": onto.version,
            "mailingList": None,
            "tracker": "https://github.com/ExPaNDS-eu/ExPaNDS-experimental-techniques-ontology/issues",
            "logo": None,
            "creators": [],
            "annotations": {"license": [metadata["license"]]} if metadata.get("license") else {},
            "fileLocation": onto.ontology_iri,
            "oboSlims": False,
            "labelProperty": "http://www.w3.org/2000/01/rdf-schema#label",
            "definitionProperties": ["http://purl.obolibrary.org/obo/IAO_0000115"],
            "synonymProperties": ["http://www.w3.org/2004/02/skos/core#altLabel"],
            "hierarchicalProperties": [],
            "baseUris": [panet.term.NAMESPACE],
            "hiddenProperties": [],
            "preferredRootTerms": [],
            "isSkos": False,
            "allowDownload": False,
        },
        "baseUris": [panet.term.NAMESPACE],
        "_links": {
            "self": {"href": href + "?lang=en"},
            "terms": {"href": f"{href}/terms"},
            "properties": {"href": f"{href}/properties"},
            "individuals": {"href": f"{href}/individuals"},
        },
    }


def _paged(request: Request, items: list[Any], page: int, size: int, name: str, doc: Any) -> dict[str, Any]:
    """A Spring HATEOAS page: ``_embedded.{name}`` (absent when empty), ``_links``, ``page``."""
    size = min(size, MAX_PAGE)
    total = len(items)
    pages = -(-total // size)
    chunk = items[page * size : (page + 1) * size]

    def href(number: int) -> dict[str, str]:
        return {"href": _link(request, page=number, size=size)}

    links: dict[str, Any] = {}
    navigable = page > 0 or page + 1 < pages
    if navigable:
        links["first"] = href(0)
    if page > 0:
        links["prev"] = href(min(page - 1, max(pages - 1, 0)))
    links["self"] = {"href": _link(request)}
    if page + 1 < pages:
        links["next"] = href(page + 1)
    if navigable:
        links["last"] = href(max(pages - 1, 0))
    body: dict[str, Any] = {}
    if chunk:
        body["_embedded"] = {name: [doc(item) for item in chunk]}
    body["_links"] = links
    body["page"] = {"size": size, "totalElements": total, "totalPages": pages, "number": page}
    return body


def _find(onto: panet.Ontology, key: str) -> panet.Term | None:
    """The term an OLS identifier names (IRI, short form, obo_id); never a label."""
    term = onto.get(key, kind="any")
    return term if term is not None and term.match is None and key.strip().casefold() in _identifiers(term) else None


def _identifiers(term: panet.Term) -> set[str]:
    short = short_form(term.iri)
    return {term.iri.casefold(), short.casefold(), obo_id(short).casefold(), term.curie.casefold()}


def _term_by_path(onto: panet.Ontology, encoded: str) -> panet.Term:
    iri = unquote(encoded)  # the path was decoded once already: OLS IRIs are double-encoded
    term = _find(onto, iri)
    if term is None or term.iri != iri:
        raise Problem(404, "Term not found", f"no term with IRI {iri!r} in {ONTOLOGY_ID}")
    return term


def _terms_response(request: Request, onto: panet.Ontology, terms: list[panet.Term], page: int, size: int):
    base = _base(request)
    body = _paged(request, terms, page, size, "terms", lambda t: term_doc(onto, t, base))
    return JSONResponse(body, media_type="application/json")


# -- ontologies -------------------------------------------------------------------------


@router.get("/ontologies")
async def ontologies(request: Request, onto: OntologyDep, page: Page = 0, size: Size = 20) -> JSONResponse:
    """The ontologies this service holds (PaNET), paged."""
    base = _base(request)
    body = _paged(request, [onto], page, size, "ontologies", lambda o: ontology_doc(o, base))
    return JSONResponse(body)


@router.get("/ontologies/{ontology}")
@router.get("/ontologies/{ontology}/", include_in_schema=False)
async def ontology(request: Request, onto: OntologyDep, ontology: str) -> JSONResponse:
    """One ontology's description: version, numbers of terms and properties, links."""
    _check_ontology(ontology)
    return JSONResponse(ontology_doc(onto, _base(request)))


@router.get("/ontologies/{ontology}/properties")
async def properties(
    request: Request, onto: OntologyDep, ontology: str, page: Page = 0, size: Size = 20
) -> JSONResponse:
    """PaNET's object properties (definedbyprobe, supports, …), paged."""
    _check_ontology(ontology)
    base = _base(request)
    items = sorted(onto.properties.items())
    return JSONResponse(_paged(request, items, page, size, "properties", lambda p: property_doc(onto, *p, base)))


@router.get("/ontologies/{ontology}/individuals")
async def individuals(request: Request, ontology: str, page: Page = 0, size: Size = 20) -> JSONResponse:
    """PaNET has no individuals: always an empty page."""
    _check_ontology(ontology)
    return JSONResponse(_paged(request, [], page, size, "individuals", dict))


# -- terms ------------------------------------------------------------------------------


def _select_terms(
    onto: panet.Ontology, iri: str | None, short_form: str | None, obo_id: str | None, id: str | None
) -> list[panet.Term] | None:
    """OLS's ``iri`` / ``short_form`` / ``obo_id`` / ``id`` filter: None when none is given."""
    key = id or iri or short_form or obo_id
    if key is None:
        return None
    term = _find(onto, key)
    if term is None:
        raise Problem(404, "Term not found", f"no term with id {key!r} in {ONTOLOGY_ID}")
    return [term]


IriFilter = Annotated[str | None, Query(description="The term's IRI.")]
ShortFormFilter = Annotated[str | None, Query(description="The term's short form, e.g. PaNET01188.")]
OboIdFilter = Annotated[str | None, Query(description="The term's OBO id.")]
IdFilter = Annotated[str | None, Query(description="Any of iri, short_form or obo_id.")]


@router.get("/ontologies/{ontology}/terms")
async def terms(
    request: Request,
    onto: OntologyDep,
    ontology: str,
    iri: IriFilter = None,
    short_form: ShortFormFilter = None,
    obo_id: OboIdFilter = None,
    id: IdFilter = None,
    page: Page = 0,
    size: Size = 20,
) -> JSONResponse:
    """Every term (IRI order), or the one term an ``iri``/``short_form``/``obo_id``/``id`` names."""
    _check_ontology(ontology)
    selected = _select_terms(onto, iri, short_form, obo_id, id)
    return _terms_response(request, onto, list(onto.terms()) if selected is None else selected, page, size)


@router.get("/terms")
async def all_terms(
    request: Request,
    onto: OntologyDep,
    iri: IriFilter = None,
    short_form: ShortFormFilter = None,
    obo_id: OboIdFilter = None,
    id: IdFilter = None,
    page: Page = 0,
    size: Size = 20,
) -> JSONResponse:
    """Terms across ontologies (here: PaNET), optionally one by ``iri``/``short_form``/``obo_id``/``id``."""
    selected = _select_terms(onto, iri, short_form, obo_id, id)
    return _terms_response(request, onto, list(onto.terms()) if selected is None else selected, page, size)


@router.get("/ontologies/{ontology}/terms/roots")
async def roots(request: Request, onto: OntologyDep, ontology: str, page: Page = 0, size: Size = 20) -> JSONResponse:
    """Terms without parents (PaNET's technique, probe and specifier roots)."""
    _check_ontology(ontology)
    return _terms_response(request, onto, list(onto.roots()), page, size)


def _sorted(terms: frozenset[panet.Term]) -> list[panet.Term]:
    return sorted(terms)  # IRI order, stable across calls and pages


def _relation_routes(relation: str, method: str) -> None:
    async def by_path(
        request: Request, onto: OntologyDep, ontology: str, iri: str, page: Page = 0, size: Size = 20
    ) -> JSONResponse:
        _check_ontology(ontology)
        term = _term_by_path(onto, iri)
        return _terms_response(request, onto, _sorted(getattr(onto, method)(term)), page, size)

    async def by_id(
        request: Request, onto: OntologyDep, ontology: str, id: str, page: Page = 0, size: Size = 20
    ) -> JSONResponse:
        _check_ontology(ontology)
        term = _find(onto, id)
        if term is None:
            raise Problem(404, "Term not found", f"no term with id {id!r} in {ONTOLOGY_ID}")
        return _terms_response(request, onto, _sorted(getattr(onto, method)(term)), page, size)

    doc = f"The term's {relation} (reasoned is-a hierarchy), paged, in IRI order."
    by_path.__doc__ = by_id.__doc__ = doc
    router.add_api_route(f"/ontologies/{{ontology}}/terms/{{iri:path}}/{relation}", by_path, name=f"ols_{relation}")
    router.add_api_route(f"/ontologies/{{ontology}}/{relation}", by_id, name=f"ols_{relation}_by_id")


for _relation, _method in RELATIONS.items():  # before /terms/{iri:path}, which would swallow them
    _relation_routes(_relation, _method)


@router.get("/ontologies/{ontology}/terms/{iri:path}")
async def term(request: Request, onto: OntologyDep, ontology: str, iri: str) -> JSONResponse:
    """One term by its double URL-encoded IRI (``http%253A%252F%252F…``)."""
    _check_ontology(ontology)
    return JSONResponse(term_doc(onto, _term_by_path(onto, iri), _base(request)))


@router.get("/ontologies/{ontology}/properties/{iri:path}")
async def property_(request: Request, onto: OntologyDep, ontology: str, iri: str) -> JSONResponse:
    """One object property by its double URL-encoded IRI."""
    _check_ontology(ontology)
    decoded = unquote(iri)
    label = onto.properties.get(decoded)
    if label is None:
        raise Problem(404, "Property not found", f"no property with IRI {decoded!r} in {ONTOLOGY_ID}")
    return JSONResponse(property_doc(onto, decoded, label, _base(request)))


# -- search -----------------------------------------------------------------------------


class _Match:
    __slots__ = ("field", "matched", "term")

    def __init__(self, term: panet.Term, matched: str, field: str) -> None:
        self.term, self.matched, self.field = term, matched, field


def _matches(
    onto: panet.Ontology,
    q: str,
    ontology: str | None,
    type: str | None,
    query_fields: str | None,
    exact: bool,
    obsoletes: bool,
    children_of: str | None,
    all_children_of: str | None,
    inclusive: bool,
    is_leaf: bool,
) -> list[_Match]:
    """Terms matching an OLS search, best first: identifiers, then labels and synonyms."""
    wanted_ontologies = {o.lower() for o in _list(ontology)}
    if wanted_ontologies and ONTOLOGY_ID not in wanted_ontologies:
        return []
    types = set(_list(type))
    if types and "class" not in types:
        return []
    fields = set(_list(query_fields)) or {"label", "synonym", "short_form", "obo_id", "iri"}
    found: dict[panet.Term, _Match] = {}
    if fields & {"short_form", "obo_id", "iri"}:
        term = _find(onto, q)
        if term is not None:
            found[term] = _Match(term, q, "iri")
    if fields & {"label", "synonym"}:
        for hit in onto.search(q, limit=None, fuzzy=False):
            if hit.term not in found and hit.field in fields and (not exact or hit.match == "exact"):
                found[hit.term] = _Match(hit.term, hit.matched, hit.field)
    under: set[panet.Term] | None = None
    parents = _list(children_of) + _list(all_children_of)
    if parents:  # unknown IRIs select nothing
        under = set()
        for key in parents:
            parent = _find(onto, key)
            if parent is not None:
                under |= onto.descendants(parent, include_self=inclusive)
    return [
        m
        for m in found.values()
        if (obsoletes or not m.term.deprecated)
        and (under is None or m.term in under)
        and (not is_leaf or not onto.children(m.term))
    ]


def _search_doc(onto: panet.Ontology, term: panet.Term, fields: set[str]) -> dict[str, Any]:
    short = short_form(term.iri)
    values = {
        "id": f"{ONTOLOGY_ID}:class:{term.iri}",
        "iri": term.iri,
        "short_form": short,
        "obo_id": obo_id(short),
        "label": term.label,
        "ontology_name": ONTOLOGY_ID,
        "ontology_prefix": PREFIX,
        "ontology_iri": onto.ontology_iri,
        "description": [term.definition] if term.definition else [],
        "synonym": list(term.synonyms),
        "type": "class",
        "is_defining_ontology": True,
        "subset": [],
    }
    return {name: values[name] for name in values if name in fields}


def _solr(started: float, params: dict[str, Any], total: int, start: int, docs: list[dict[str, Any]]):
    header = {"status": 0, "QTime": round((time.perf_counter() - started) * 1000), "params": params}
    return {"responseHeader": header, "response": {"numFound": total, "start": start, "docs": docs}}


SearchQ = Annotated[str, Query(max_length=1000, description="The words to search for.")]
OntologyFilter = Annotated[str | None, Query(description="Comma-separated ontology ids (here: panet).")]
TypeFilter = Annotated[str | None, Query(description="Comma-separated entity types: class, property, …")]
FieldList = Annotated[str | None, Query(alias="fieldList", description="Comma-separated fields to return.")]
ChildrenOf = Annotated[str | None, Query(alias="childrenOf", description="Only terms under these IRIs.")]
AllChildrenOf = Annotated[str | None, Query(alias="allChildrenOf", description="Only terms under these IRIs.")]


@router.get("/search")
async def search(
    onto: OntologyDep,
    q: SearchQ,
    ontology: OntologyFilter = None,
    type: TypeFilter = None,
    query_fields: Annotated[str | None, Query(alias="queryFields", description="label, synonym, short_form…")] = None,
    field_list: FieldList = None,
    exact: Annotated[bool, Query(description="Only exact (case-insensitive) label/synonym matches.")] = False,
    obsoletes: bool = False,
    local: bool = False,
    children_of: ChildrenOf = None,
    all_children_of: AllChildrenOf = None,
    inclusive: bool = False,
    is_leaf: Annotated[bool, Query(alias="isLeaf")] = False,
    rows: Rows = 10,
    start: Start = 0,
) -> JSONResponse:
    """OLS search: Solr-style ``response.docs`` with ``numFound``, and facet counts."""
    started = time.perf_counter()
    found = _matches(
        onto, q, ontology, type, query_fields, exact, obsoletes, children_of, all_children_of, inclusive, is_leaf
    )
    fields = set(_list(field_list)) or set(SEARCH_FIELDS)
    docs = [_search_doc(onto, m.term, fields) for m in found[start : start + min(rows, MAX_PAGE)]]
    body = _solr(started, {"q": q, "rows": rows, "start": start}, len(found), start, docs)

    def facet(value: str) -> list[str]:  # Solr's flat [value, count, …] lists
        return [value, str(len(found))] if found else []

    body["facet_counts"] = {
        "facet_fields": {
            "ontologyId": facet(ONTOLOGY_ID),
            "ontologyPreferredPrefix": facet(PREFIX),
            "type": facet("class"),
            "isDefiningOntology": facet("true"),
            "isObsolete": facet("false"),
        }
    }
    return JSONResponse(body)


@router.get("/select")
async def select(
    onto: OntologyDep,
    q: SearchQ,
    ontology: OntologyFilter = None,
    type: TypeFilter = None,
    field_list: FieldList = None,
    obsoletes: bool = False,
    local: bool = False,
    children_of: ChildrenOf = None,
    all_children_of: AllChildrenOf = None,
    rows: Rows = 10,
    start: Start = 0,
) -> JSONResponse:
    """OLS select (autocomplete-tuned search) with ``highlighting`` of the matched name."""
    started = time.perf_counter()
    found = _matches(onto, q, ontology, type, None, False, obsoletes, children_of, all_children_of, False, False)
    fields = set(_list(field_list)) or set(SEARCH_FIELDS)
    page = found[start : start + min(rows, MAX_PAGE)]
    body = _solr(started, {"q": q}, len(found), start, [_search_doc(onto, m.term, fields) for m in page])
    body["highlighting"] = {
        f"{ONTOLOGY_ID}:class:{m.term.iri}": {f"{m.field if m.field != 'iri' else 'label'}_autosuggest": [_bold(m, q)]}
        for m in page
    }
    return JSONResponse(body)


def _bold(match: _Match, q: str) -> str:
    name = match.matched if match.field != "iri" else match.term.label
    at = name.casefold().find(q.strip().casefold())
    if at < 0 or not q.strip():
        return name
    end = at + len(q.strip())
    return f"{name[:at]}<b>{name[at:end]}</b>{name[end:]}"


@router.get("/suggest")
async def suggest(onto: OntologyDep, q: SearchQ, ontology: OntologyFilter = None, rows: Rows = 10, start: Start = 0):
    """OLS suggest: distinct label and synonym completions for ``q``."""
    started = time.perf_counter()
    found = _matches(onto, q, ontology, None, "label,synonym", False, False, None, None, False, False)
    names = list(dict.fromkeys(m.matched for m in found))
    docs = [{"autosuggest": name} for name in names[start : start + min(rows, MAX_PAGE)]]
    return JSONResponse(_solr(started, {"q": q}, len(names), start, docs))
