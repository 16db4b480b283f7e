"""``/techniques…``: the pan-ontologies-api protocol, so ``PANET_BASE_URL`` can point here.

PaN search API implementations call ``GET /techniques/pan-ontology?where=<LoopBack where JSON>``
and use the where that comes back. The routes parse query parameters and call
`panet.loopback`; they hold no ontology logic.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from panet.api.deps import OntologyDep, SettingsDep
from panet.api.problems import Problem

from panet import loopback

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


@contextmanager
def _problems() -> Iterator[None]:
    """A `panet.loopback.FilterError` becomes a 400 problem naming the parameter."""
    try:
        yield
    except loopback.FilterError as err:
        raise Problem(400, "Invalid LoopBack filter", str(err), parameter=err.where.partition(".")[0]) from None


@router.get("/pan-ontology", responses=_BAD)
def pan_ontology(
    onto: OntologyDep, settings: SettingsDep, where: WhereParam = None, filter_: FilterParam = None
) -> JSONResponse:
    """Expand a technique condition to the pids of every matching technique and its descendants.

    `{"name": "XES"}` → `{"pid": {"inq": [IRIs]}}`; negations (`neq`, `nin`, `nlike`, `nilike`) →
    `{"pid": {"nin": [...]}}`; `and`/`or` keep their operator over the expanded parts; an unknown
    technique → `{"pid": {"inq": []}}`. Also accepts `filter={"where": …}`.
    """
    with _problems():
        if filter_ is not None:
            if where is not None:
                raise loopback.FilterError("where", "give either where or filter, not both")
            where = loopback.filter_where(filter_)
        return JSONResponse(loopback.expand_where(onto, where, timeout=settings.query_timeout))


@router.get("/count", responses=_BAD)
def count(onto: OntologyDep, settings: SettingsDep, where: WhereParam = None) -> JSONResponse:
    """How many techniques a LoopBack where matches: `{"count": n}`."""
    with _problems():
        return JSONResponse({"count": loopback.count_techniques(onto, where, timeout=settings.query_timeout)})


@router.get("", responses=_BAD)
def find(onto: OntologyDep, settings: SettingsDep, filter_: FilterParam = None) -> JSONResponse:
    """Technique records (pid, name, synonym, parents, children, relatives) for a LoopBack filter
    (where, fields, order, limit, skip)."""
    with _problems():
        return JSONResponse(loopback.find_techniques(onto, filter_, timeout=settings.query_timeout))


@router.get("/{pid:path}", responses={**_BAD, 404: {"description": "No technique has this pid."}})
def find_by_id(pid: str, onto: OntologyDep, filter_: FilterParam = None) -> JSONResponse:
    """One technique record; `pid` is the URL-encoded IRI (a CURIE or ID works too)."""
    with _problems():
        return JSONResponse(loopback.technique_record(onto, pid, filter_))
