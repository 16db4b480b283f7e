"""`create_app`: the FastAPI application, its shared state and its routers."""

from __future__ import annotations

from contextlib import asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

import panet
from panet.api import annotate, browser, health, ols, problems, records, sparql, techniques, terms, validate
from panet.api.deps import LazyPool
from panet.api.limits import BodyLimit
from panet.api.settings import Settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from panet.api.jobs import JobPool
    from panet.query_pool import QueryPool


_DOCUMENTATION_PATHS = ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/static-offline-docs")


def create_app(onto: panet.Ontology | None = None, settings: Settings | None = None) -> FastAPI:
    """The service over ``onto`` (default: ``settings.ontology``, else the shipped release
    ``settings.version``, else the shipped current PaNET).

    SPARQL query workers and the request workers of `panet.api.jobs` start with the first request
    that needs them (`LazyPool`) and stop with the app; with ``settings.store`` the on-disk store
    is (re)built first if its inputs changed.
    """
    settings = settings or Settings()
    if onto is None:
        onto = panet.load(settings.ontology) if settings.version is None else panet.load(version=settings.version)
    if settings.store:
        from panet.sparql import prepare_store

        prepare_store(onto, settings.data, settings.store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            app.state.sparql.close()
            app.state.jobs.close()

    app = FastAPIOffline(  # /docs and /redoc with Swagger UI and ReDoc shipped, not from a CDN
        title="panet",
        version=panet.__version__,
        description=(
            "PaNET, the Photon and Neutron Experimental Techniques ontology: terms, hierarchy, search, "
            "an OLS-compatible API under /ols/api and a read-only SPARQL 1.1 endpoint at /sparql."
        ),
        lifespan=lifespan,
    )
    app.state.ontology = onto
    app.state.settings = settings
    app.state.sparql = LazyPool(partial(_query_pool, onto, settings))
    app.state.jobs = LazyPool(partial(_job_pool, onto, settings))
    problems.install(app)
    problems.describe_problems(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:  # outermost, so that even a 413 carries the CORS headers
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"])
    # FastAPI tries the routes in order: the busiest first. The routes of the two busiest
    # routers go straight into the app, in their order: an included router is matched twice per
    # request, and each of its routes through FastAPI's per-inclusion bookkeeping (~10 µs a
    # request). Their paths do not overlap, except the browser's, kept last.
    for module in (techniques, terms):
        app.router.routes.extend(module.router.routes)
    for module in (health, sparql, annotate, records, validate, ols):
        app.include_router(module.router)
    if settings.catalogue:  # the PaN search API over a catalogue store (`panet catalogue build`)
        from panet.api import catalogue
        from panet.catalogue import Catalogue

        catalogue.install(app, Catalogue(settings.catalogue, onto, timeout=settings.query_timeout))
    app.include_router(browser.router)
    app.mount("/static", browser.STATIC, name="static")
    # /docs, /redoc, /openapi.json and their files last: FastAPI added them first, to be tried
    # before every API route on every request
    documentation = [route for route in app.router.routes if getattr(route, "path", "") in _DOCUMENTATION_PATHS]
    app.router.routes[:] = [route for route in app.router.routes if route not in documentation] + documentation
    return app


def _query_pool(onto: panet.Ontology, settings: Settings) -> QueryPool:
    from panet.query_pool import QueryPool

    return QueryPool(
        onto.path,
        settings.data,
        settings.store,
        workers=settings.sparql_workers,
        timeout=settings.query_timeout,
        max_rows=settings.max_rows,
    )


def _job_pool(onto: panet.Ontology, settings: Settings) -> JobPool:
    from panet.api.jobs import JobPool

    memory = settings.work_memory_mb * 1024 * 1024 if settings.work_memory_mb > 0 else None
    return JobPool(onto.path, workers=settings.work_workers, timeout=settings.work_timeout, memory_bytes=memory)
