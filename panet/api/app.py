"""`create_app`: the FastAPI application, its shared state and its routers."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi_offline import FastAPIOffline

import panet
from panet.api import annotate, browser, health, ols, problems, records, sparql, techniques, terms, validate
from panet.api.limits import BodyLimit
from panet.api.settings import Settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


def create_app(onto: panet.Ontology | None = None, settings: Settings | None = None) -> FastAPI:
    """The service over ``onto`` (default: ``settings.ontology``, else the shipped release
    ``settings.version``, else the shipped current PaNET).

    SPARQL query workers start with the app (its lifespan) and stop with it; with
    ``settings.store`` the on-disk store is (re)built first if its inputs changed.
    """
    settings = settings or Settings()
    if onto is None:
        onto = panet.load(settings.ontology) if settings.version is None else panet.load(version=settings.version)
    if settings.store:
        from panet.sparql import prepare_store

        prepare_store(onto, settings.data, settings.store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from panet.query_pool import QueryPool

        pool = QueryPool(
            onto.path,
            settings.data,
            settings.store,
            workers=settings.sparql_workers,
            timeout=settings.query_timeout,
            max_rows=settings.max_rows,
        )
        try:
            await run_in_threadpool(pool.wait_ready)
            app.state.sparql = pool
            yield
        finally:
            pool.close()

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
    problems.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:  # outermost, so that even a 413 carries the CORS headers
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"])
    for module in (health, terms, annotate, records, validate, ols, sparql, techniques, browser):
        app.include_router(module.router)
    if settings.catalogue:
        from panet.api import catalogue
        from panet.catalogue import Catalogue

        app.state.catalogue = Catalogue(settings.catalogue, onto, timeout=settings.query_timeout)
        app.include_router(catalogue.router)
    app.mount("/static", browser.STATIC, name="static")
    return app
