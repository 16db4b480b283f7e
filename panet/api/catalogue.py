"""The PaN search API over a catalogue store (``panet serve --catalogue STORE``):
``/datasets``, ``/documents``, ``/instruments``, their ``/count`` and ``/{id}``, and
``/datasets/{id}/files``. The routes parse query parameters and call `panet.catalogue.Catalogue`
in a worker thread (at most ``CONCURRENT`` at once, so searches never hold the threads other
routes need); the answers are the PaN search API's JSON.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic_core import to_json

from panet import loopback
from panet.api.problems import Problem
from panet.catalogue import Catalogue, NotFound, QueryTimeout, StoreError
from panet.loopback import FilterError

CONCURRENT = 4
"""Catalogue queries running at once; the rest wait their turn."""

FilterParam = Annotated[
    str | None,
    Query(
        alias="filter",
        description='LoopBack filter as JSON: {"where": …, "include": [{"relation": "techniques", "scope": '
        '{"where": {"name": "small angle scattering"}}}], "limit": 10, "skip": 0}.',
    ),
]
WhereParam = Annotated[str | None, Query(description='LoopBack where as JSON, e.g. {"title": {"like": "%SAXS%"}}.')]
QueryParam = Annotated[
    str | None,
    Query(
        description="Free text; results are ranked by score (BM25 over titles, summaries, keywords and techniques), "
        "techniques' synonyms included. The PaN search API's own place for it, the filter's \"query\" key, works too."
    ),
]
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "Malformed filter (problem+json naming where and why).",
        "content": {"application/problem+json": {}},
    },
    404: {"description": "No object with that id.", "content": {"application/problem+json": {}}},
    503: {
        "description": "The query ran past the time limit, or the store cannot be reached.",
        "content": {"application/problem+json": {}},
    },
}
_MODELS = {"datasets": "Dataset", "documents": "Document", "instruments": "Instrument"}

router = APIRouter(tags=["PaN search API (catalogue)"])


def install(app: Any, catalogue: Catalogue) -> None:
    """Serve ``catalogue`` from ``app``: its routes, and the threads its queries run in."""
    app.state.catalogue = catalogue
    app.state.catalogue_threads = anyio.CapacityLimiter(CONCURRENT)
    app.include_router(router)


def catalogue_of(request: Request) -> Catalogue:
    return request.app.state.catalogue


async def _call(request: Request, function: Any, *args: Any) -> Response:
    try:
        result = await anyio.to_thread.run_sync(function, *args, limiter=request.app.state.catalogue_threads)
    except FilterError as err:
        raise Problem(400, "Invalid LoopBack filter", str(err), parameter=err.where.partition(".")[0]) from None
    except NotFound as err:
        raise Problem(404, "Not found", str(err)) from None
    except QueryTimeout as err:
        raise Problem(503, "Query timeout", str(err)) from None
    except StoreError as err:  # a PostgreSQL store that went away; the next request connects anew
        raise Problem(503, "Catalogue store unavailable", str(err)) from None
    return Response(to_json(result), media_type="application/json")


def _where(where: str | None) -> dict | None:
    return None if where is None else {"where": loopback.loads(where, "where")}


def _routes(plural: str, prefix: str, documented: bool) -> None:
    model = _MODELS[plural]
    shown = {"include_in_schema": documented, "responses": _ERRORS}

    @router.get(prefix, name=f"find {prefix}", summary=f"Find {plural}", **shown)
    async def find(request: Request, filter_: FilterParam = None, query: QueryParam = None) -> Response:
        catalogue = catalogue_of(request)
        return await _call(request, lambda: catalogue.find(model, filter_, query))

    @router.get(f"{prefix}/count", name=f"count {prefix}", summary=f"Count {plural}", **shown)
    async def count(request: Request, where: WhereParam = None) -> Response:
        catalogue = catalogue_of(request)
        return await _call(request, lambda: {"count": catalogue.count(model, where)})

    @router.get(f"{prefix}/{{id:path}}", name=f"one of {prefix}", summary=f"One of {plural} by id", **shown)
    async def by_id(request: Request, id: str, filter_: FilterParam = None, where: WhereParam = None) -> Response:
        catalogue = catalogue_of(request)
        if plural == "datasets" and id.endswith("/files"):
            return await _call(request, catalogue.related, model, id.removesuffix("/files"), "files", filter_)
        if plural == "datasets" and id.endswith("/files/count"):  # the specification's "count dataset files"
            dataset = id.removesuffix("/files/count")
            return await _call(
                request, lambda: {"count": len(catalogue.related(model, dataset, "files", _where(where)))}
            )
        return await _call(request, catalogue.get, model, id, filter_)


for _plural in _MODELS:
    _routes(_plural, f"/{_plural}", documented=True)
    _routes(_plural, f"/{_plural.capitalize()}", documented=False)  # LoopBack's model plural: the
    # federated search service (strong-remoting) asks for /Datasets; LoopBack routes ignore case
