"""Dependencies routes share: the one `Ontology`, the settings the app was made with, and
the SPARQL query workers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from panet.api.settings import Settings

import panet
from panet.sparql import QueryPool


def get_ontology(request: Request) -> panet.Ontology:
    return request.app.state.ontology


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


OntologyDep = Annotated[panet.Ontology, Depends(get_ontology)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_sparql(request: Request) -> QueryPool:
    return request.app.state.sparql


SparqlDep = Annotated[QueryPool, Depends(get_sparql)]
