"""``/techniques…``: the pan-ontologies-api protocol, so ``PANET_BASE_URL`` can point here.

PaN search API implementations call ``GET /techniques/pan-ontology?where=<LoopBack where JSON>``
and use the where that comes back. The routes parse query parameters and call
`panet.loopback`; they hold no ontology logic.
"""

from __future__ import annotations

import functools
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic_core import to_json

from panet import Ontology, loopback
from panet.api.deps import OntologyDep, SettingsDep
from panet.api.problems import Problem

T = TypeVar("T")
router = APIRouter(prefix="/techniques", tags=["PaN search API (pan-ontologies-api)"])

WhereParam = Annotated[
    str | None,
    Query(description='LoopBack where as JSON, e.g. {"name": "small angle scattering"} or {"pid": {"neq": "…"}}.'),
]
FilterParam = Annotated[
    str | None,
    Query(alias="filter", description='LoopBack filter as JSON, e.g. {"where": {…}, "fields": ["pid", "name"]}.'),
]
_BAD = {400: {"description": "Malformed filter (problem+json body saying where and why)."}}


def _json(content: object) -> Response:
    """JSON body serialised by pydantic-core: 4x faster than the json module for pid lists."""
    return Response(to_json(content), media_type="application/json")


@contextmanager
def _problems() -> Iterator[None]:
    """A `panet.loopback.FilterError` becomes a 400 problem naming the parameter."""
    try:
        yield
    except loopback.FilterError as err:
        raise Problem(400, "Invalid LoopBack filter", str(err), parameter=err.where.partition(".")[0]) from None


def _refuse_deep_object(request: Request) -> None:
    """LoopBack also reads ``where[name]=XES``; panet takes JSON only, and says so rather than
    answering as if no where had been given."""
    for key in request.query_params:
        name, bracket, _ = key.partition("[")
        if bracket and name in ("where", "filter"):
            example = '{"name": "XES"}' if name == "where" else '{"where": {"name": "XES"}, "limit": 10}'
            raise loopback.FilterError(name, f"{key}=…: send the {name} as JSON instead, e.g. {name}={example}")


def _query_parameter(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": description}


@router.get(
    "/pan-ontology",
    responses=_BAD,
    # where/filter are read from request.query_params, not declared as Query parameters: FastAPI's
    # parameter validation would cost more than the expansion itself (docs/pan-search-api.md, Speed)
    openapi_extra={
        "parameters": [
            _query_parameter("where", WhereParam.__metadata__[0].description),
            _query_parameter("filter", 'LoopBack filter holding only a where, as JSON: {"where": {…}}.'),
        ]
    },
)
async def pan_ontology(request: Request) -> Response:
    """Expand a technique condition to the pids of every matching technique and its descendants.

    `{"name": "XES"}` → `{"pid": {"inq": [IRIs]}}`; negations (`neq`, `nin`, `nlike`, `nilike`) →
    `{"pid": {"nin": [...]}}`; `and`/`or` keep their operator over the expanded parts; an unknown
    technique → `{"pid": {"inq": []}}`. Also accepts `filter={"where": …}`.
    """
    where, filter_ = request.query_params.get("where"), request.query_params.get("filter")
    onto, timeout = request.app.state.ontology, request.app.state.settings.query_timeout  # what deps.py reads
    with _problems():
        _refuse_deep_object(request)
        key = (onto, where, filter_)
        body = _ANSWERS.get(key)  # search API clients repeat the same few: answered on the loop
        if body is None:  # anything else may hold a like pattern, however spelt: off the loop, within time
            body = _ANSWERS[key] = await off_loop(_pan_ontology_body, onto, where, filter_, timeout, timeout=timeout)
    return Response(body, media_type="application/json")


_FILTER_THREADS = 4  # filter expansions at once; the others wait without holding a thread


async def off_loop(function: Callable[..., T], *args: object, timeout: float) -> T:
    """``function(*args)`` in the filter threads, answered within ``timeout`` seconds (a
    `panet.loopback.FilterError` after it; the regex module stops the work itself soon after).
    Patterns match with the GIL released, so the event loop, /health included, goes on.

    >>> import asyncio
    >>> asyncio.run(off_loop(sum, [1, 2], timeout=1))
    3
    """
    import asyncio

    import anyio

    loop = asyncio.get_running_loop()
    if loop not in _filter_threads:
        _filter_threads[loop] = anyio.CapacityLimiter(_FILTER_THREADS)
    try:
        with anyio.fail_after(timeout):
            return await anyio.to_thread.run_sync(
                functools.partial(function, *args), abandon_on_cancel=True, limiter=_filter_threads[loop]
            )
    except TimeoutError:
        raise loopback.FilterError(
            "where", f"the filter took longer than {timeout:g} s, the service's limit; simplify its like patterns"
        ) from None


_filter_threads: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per event loop


def _pan_ontology_body(onto: Ontology, where: str | None, filter_: str | None, timeout: float) -> bytes:
    if filter_ is None:
        return to_json(loopback.expand_where(onto, where, timeout=timeout))
    if where is not None:
        raise loopback.FilterError("where", "give either where or filter, not both")
    where = loopback.filter_where(filter_)
    try:
        return to_json(loopback.expand_where(onto, where, timeout=timeout))
    except loopback.FilterError as err:  # say where in the filter: filter.where.name…
        raise loopback.FilterError(f"filter.{err.where}", err.problem) from None


class _Answers(OrderedDict):
    """The most recent answers, least recently used dropped first, at most ``max_bytes`` of
    query and answer text in all (a where may be 64 kB and expand to 1 MB). Used from the event
    loop only."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__()
        self.max_bytes = max_bytes
        self.size = 0

    def get(self, key: tuple) -> bytes | None:
        body = super().get(key)
        if body is not None:
            self.move_to_end(key)
        return body

    def __setitem__(self, key: tuple, body: bytes) -> None:
        size = _size(key, body)
        if size > self.max_bytes // 8:
            return
        super().__setitem__(key, body)
        self.size += size
        while self.size > self.max_bytes:
            old_key, old_body = self.popitem(last=False)
            self.size -= _size(old_key, old_body)


def _size(key: tuple, body: bytes) -> int:
    return len(body) + sum(len(part) for part in key[1:] if part)


_ANSWERS = _Answers(max_bytes=16 * 1024 * 1024)


@router.get("/count", responses=_BAD)
async def count(request: Request, onto: OntologyDep, settings: SettingsDep, where: WhereParam = None) -> Response:
    """How many techniques a LoopBack where matches: `{"count": n}`."""
    timeout = settings.query_timeout
    with _problems():
        _refuse_deep_object(request)
        found = await off_loop(loopback.count_techniques, onto, where, timeout=timeout)
        return _json({"count": found})


@router.get("", responses=_BAD)
async def find(request: Request, onto: OntologyDep, settings: SettingsDep, filter_: FilterParam = None) -> Response:
    """Technique records (pid, name, synonym, parents, children, relatives) for a LoopBack filter
    (where, fields, order, limit, skip)."""
    with _problems():
        _refuse_deep_object(request)
        return _json(await off_loop(loopback.find_techniques, onto, filter_, timeout=settings.query_timeout))


@router.get(
    "/{pid:path}",
    responses={**_BAD, 404: {"description": "No technique has this pid."}},
    # pid and filter read from the request, as pan_ontology's: FastAPI's parameter checks and a
    # worker thread cost several times the lookup, which takes microseconds
    openapi_extra={
        "parameters": [
            {"name": "pid", "in": "path", "required": True, "schema": {"type": "string"}},
            _query_parameter("filter", FilterParam.__metadata__[0].description),
        ]
    },
)
async def find_by_id(request: Request) -> Response:
    """One technique record; `pid` is the URL-encoded IRI (a CURIE or ID works too)."""
    onto, pid, filter_ = request.app.state.ontology, request.path_params["pid"], request.query_params.get("filter")
    with _problems():
        _refuse_deep_object(request)
        return _json(loopback.technique_record(onto, pid, filter_))
