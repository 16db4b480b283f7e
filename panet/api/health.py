"""``/health`` and ``/version``."""

from __future__ import annotations

from fastapi import APIRouter

import panet
from panet.api.deps import OntologyDep

router = APIRouter(tags=["service"])


@router.get("/health")
async def health(onto: OntologyDep) -> dict[str, object]:
    """Liveness: the index is loaded. Answered on the event loop, needing no thread, so busy
    routes never delay it."""
    return {"status": "ok", "terms": len(onto)}


@router.get("/version")
def version(onto: OntologyDep) -> dict[str, object]:
    """Ontology version and checksum, and the package version."""
    return {
        "panet": panet.__version__,
        "ontology": {"version": onto.version, "checksum": onto.checksum, "terms": len(onto)},
    }
