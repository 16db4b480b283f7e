"""``/sparql``: the SPARQL 1.1 Protocol, read-only, over PaNET and any ``--data`` files.

Queries run in `panet.query_pool.QueryPool` worker processes, so the time limit really stops
them and ``SERVICE`` cannot reach out (the workers have no network); results are negotiated from the ``Accept`` header.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from panet.api.deps import SparqlDep
from panet.api.problems import Problem
from panet.query_pool import QueryPool
from panet.sparql import NotAcceptable, QueryRefused, QueryTimeout, ResultTooLarge, SparqlError, WorkerLost

router = APIRouter(tags=["sparql"])

_RESULT_MEDIA = {
    media: {"schema": {"type": "object"} if media.endswith("json") else {"type": "string"}}
    for media in (
        "application/sparql-results+json",
        "application/json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
        "text/turtle",
        "application/n-triples",
        "application/ld+json",
        "application/rdf+xml",
    )
}
_RESPONSES = {
    200: {"description": "Query results, in the format the Accept header asks for.", "content": _RESULT_MEDIA},
    400: {"description": "Malformed query, or a refused one (Update, LOAD, CLEAR, SERVICE), or too many rows."},
    406: {"description": "No acceptable result format for this query form."},
    503: {"description": "The query ran longer than the service's time limit and was stopped, or its worker died."},
}
_POST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/sparql-query": {"schema": {"type": "string"}},
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string"},
                        "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                        "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["query"],
                }
            },
        },
    }
}
UPDATE_REFUSED = QueryRefused("SPARQL Update is not allowed: PaNET is served read-only")
QUERY_EXAMPLE = "SELECT ?technique ?label WHERE { ?technique rdfs:subClassOf panet:PaNET01124 ; rdfs:label ?label }"


@router.get("/sparql", responses=_RESPONSES, response_class=Response)
async def sparql_get(
    request: Request,
    pool: SparqlDep,
    query: Annotated[str | None, Query(description="The SPARQL query.", examples=[QUERY_EXAMPLE])] = None,
    default_graph_uri: Annotated[list[str], Query(alias="default-graph-uri")] = [],  # noqa: B006
    named_graph_uri: Annotated[list[str], Query(alias="named-graph-uri")] = [],  # noqa: B006
) -> Response:
    """SPARQL 1.1 query via GET. Prefixes panet:, rdfs:, owl:, skos:, rdf:, obo: are predeclared;
    ``rdfs:subClassOf`` holds the full reasoned closure."""
    if "update" in request.query_params:
        raise _problem(UPDATE_REFUSED)
    if query is None:
        raise Problem(400, "Missing query", "pass the SPARQL query as ?query=… (URL-encoded)")
    return await _answer(request, pool, query, default_graph_uri, named_graph_uri)


@router.post("/sparql", responses=_RESPONSES, response_class=Response, openapi_extra=_POST_BODY)
async def sparql_post(request: Request, pool: SparqlDep) -> Response:
    """SPARQL 1.1 query via POST: ``application/sparql-query`` (the query is the body) or
    ``application/x-www-form-urlencoded`` (``query=…``)."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(400, "Invalid request body", "the body is not UTF-8 text") from None
    url_params = request.query_params
    if media == "application/sparql-query":
        params = {
            "query": [text],
            "default-graph-uri": url_params.getlist("default-graph-uri"),
            "named-graph-uri": url_params.getlist("named-graph-uri"),
        }
    elif media == "application/x-www-form-urlencoded":
        params = parse_qs(text, keep_blank_values=True)
    elif media == "application/sparql-update":
        raise _problem(UPDATE_REFUSED)
    else:
        raise Problem(
            415,
            "Unsupported media type",
            f"POST a query as application/sparql-query or application/x-www-form-urlencoded, not {media or 'nothing'}",
        )
    if "update" in params:
        raise _problem(UPDATE_REFUSED)
    queries = params.get("query", [])
    if len(queries) != 1:
        raise Problem(400, "Missing query" if not queries else "Several queries", "pass exactly one query")
    return await _answer(
        request,
        pool,
        queries[0],
        params.get("default-graph-uri", []),
        params.get("named-graph-uri", []),
    )


async def _answer(
    request: Request, pool: QueryPool, query: str, default_graph: list[str], named_graphs: list[str]
) -> Response:
    """Run in the pool's own threads and workers; stopped if the client disconnects."""
    accept = request.headers.get("accept")
    try:
        body, media = await pool.query(query, accept, default_graph, named_graphs, request.is_disconnected)
    except SparqlError as err:
        raise _problem(err) from None
    return Response(body, media_type=media, headers={"Vary": "Accept"})


def _problem(err: SparqlError) -> Problem:
    if isinstance(err, QueryRefused):
        return Problem(400, "Query refused", str(err))
    if isinstance(err, NotAcceptable):
        return Problem(406, "Not acceptable", str(err))
    if isinstance(err, QueryTimeout):
        return Problem(503, "Query timeout", str(err))
    if isinstance(err, WorkerLost):
        return Problem(503, "Query worker lost", str(err))
    if isinstance(err, ResultTooLarge):
        return Problem(400, "Result too large", str(err))
    return Problem(400, "Bad SPARQL query", str(err))
