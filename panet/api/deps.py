"""Dependencies routes share: the one `Ontology`, the settings the app was made with, and
the SPARQL query workers.

They are ``async``: FastAPI runs a plain ``def`` dependency in a worker thread, which cost a
lookup route more than its whole work (200 µs against 90 µs per request, measured).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

import panet
from panet.api.settings import Settings
from panet.query_pool import QueryPool


async def get_ontology(request: Request) -> panet.Ontology:
    return request.app.state.ontology


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


OntologyDep = Annotated[panet.Ontology, Depends(get_ontology)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_sparql(request: Request) -> QueryPool:
    return request.app.state.sparql


SparqlDep = Annotated[QueryPool, Depends(get_sparql)]
