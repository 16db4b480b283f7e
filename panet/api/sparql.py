"""``/sparql``: the SPARQL 1.1 Protocol, read-only, over PaNET and any ``--data`` files.

Queries run in `panet.query_pool.QueryPool` worker processes, so the time limit really stops
them, have no network (``SERVICE`` cannot reach out: `panet.sandbox`) and start with the first
query (`panet.api.deps.LazyPool`). Results are
negotiated from the ``Accept`` header. A request carries exactly one query; ``default-graph-uri``
/ ``named-graph-uri`` replace the query's own dataset; relative IRIs resolve against the
endpoint's URL; updates (``update=``, ``application/sparql-update``) are refused with 400.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from panet.api.deps import LazyPool, SparqlDep
from panet.api.problems import Problem
from panet.errors import PanetError
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
UPDATE_PARAMETERS = {"update", "using-graph-uri", "using-named-graph-uri"}  # the update operation's
QUERY_EXAMPLE = "SELECT ?technique ?label WHERE { ?technique rdfs:subClassOf panet:PaNET01124 ; rdfs:label ?label }"


@router.get("/sparql", responses=_RESPONSES, response_class=Response)
async def sparql_get(
    request: Request,
    workers: SparqlDep,
    query: Annotated[str | None, Query(description="The SPARQL query.", examples=[QUERY_EXAMPLE])] = None,
    default_graph_uri: Annotated[list[str], Query(alias="default-graph-uri")] = [],  # noqa: B006
    named_graph_uri: Annotated[list[str], Query(alias="named-graph-uri")] = [],  # noqa: B006
) -> Response:
    """SPARQL 1.1 query via GET. Prefixes panet:, rdfs:, owl:, skos:, rdf:, obo: are predeclared;
    ``rdfs:subClassOf`` holds the full reasoned closure. ``default-graph-uri`` /
    ``named-graph-uri`` replace the query's own dataset (``FROM`` / ``FROM NAMED``)."""
    return await _answer(request, workers, _url_params(request))


@router.post("/sparql", responses=_RESPONSES, response_class=Response, openapi_extra=_POST_BODY)
async def sparql_post(request: Request, workers: SparqlDep) -> Response:
    """SPARQL 1.1 query via POST: ``application/sparql-query`` (the query is the body) or
    ``application/x-www-form-urlencoded`` (``query=…``), UTF-8; ``default-graph-uri`` /
    ``named-graph-uri`` in the URL (or the form)."""
    media, _, media_params = request.headers.get("content-type", "").partition(";")
    media = media.strip().lower()
    if media == "application/sparql-update":
        raise _problem(UPDATE_REFUSED)
    if media not in ("application/sparql-query", "application/x-www-form-urlencoded"):
        raise Problem(
            415,
            "Unsupported media type",
            f"POST a query as application/sparql-query or application/x-www-form-urlencoded, not {media or 'nothing'}",
        )
    charset = _charset(media_params)
    if charset not in ("utf-8", "utf8", "us-ascii"):
        raise Problem(415, "Unsupported charset", f"send the query as UTF-8 (charset=utf-8), not {charset}")
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError as err:
        raise Problem(400, "Invalid request body", f"the body is not UTF-8 text (byte {err.start})") from None
    params = _url_params(request)
    if media == "application/sparql-query":
        params.setdefault("query", []).append(text)
    else:
        for name, values in parse_qs(text, keep_blank_values=True).items():
            params.setdefault(name, []).extend(values)
    return await _answer(request, workers, params)


def _url_params(request: Request) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        params.setdefault(name, []).append(value)
    return params


def _charset(media_params: str) -> str:
    """The ``charset`` of a Content-Type's parameters, lower case; UTF-8 when not given."""
    for param in media_params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return "utf-8"


async def _answer(request: Request, workers: LazyPool, params: dict[str, list[str]]) -> Response:
    """Run the one query of ``params`` (the protocol's parameters, from the URL and the body)."""
    if params.keys() & UPDATE_PARAMETERS:
        raise _problem(UPDATE_REFUSED)
    queries = params.get("query", [])
    if len(queries) != 1:
        title = "Missing query" if not queries else "Several queries"
        raise Problem(400, title, f"pass exactly one query parameter, not {len(queries)}")
    base = str(request.url.replace(query="", fragment=""))  # relative IRIs in the query resolve here
    try:
        pool = await workers.get()
        body, media = await pool.query(  # in the pool's own threads and workers; stopped if the client goes
            queries[0],
            request.headers.get("accept"),
            params.get("default-graph-uri", []),
            params.get("named-graph-uri", []),
            base,
            request.is_disconnected,
        )
    except SparqlError as err:
        raise _problem(err) from None
    except PanetError as err:  # a worker could not load the dataset
        raise Problem(503, "SPARQL dataset unavailable", str(err)) from None
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
