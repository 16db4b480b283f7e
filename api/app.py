"""`create_app`: the FastAPI application, its shared state and its routers."""

from __future__ import annotations

from fastapi import FastAPI
from panet.api import health, problems, techniques
from panet.api.settings import Settings

import panet


def create_app(onto: panet.Ontology | None = None, settings: Settings | None = None) -> FastAPI:
    """The service over ``onto`` (default: ``settings.ontology`` or the shipped PaNET)."""
    settings = settings or Settings()
    onto = onto or panet.load(settings.ontology)
    app = FastAPI(
        title="panet",
        version=panet.__version__,
        description="PaNET, the Photon and Neutron Experimental Techniques ontology: terms, hierarchy, search.",
    )
    app.state.ontology = onto
    app.state.settings = settings
    problems.install(app)
    app.include_router(health.router)
    app.include_router(techniques.router)
    return app
