"""The panet service: a FastAPI app over the shared `panet.Ontology` index.

Installed as ``panet.api``; started by ``panet serve``. Each module here is one router (one
concern: health, terms, ols, sparql); routers hold no ontology logic, they call the library.
problems.py turns every error into an RFC 9457 body, limits.py caps request bodies.

>>> from panet.api import create_app
>>> app = create_app()
>>> sorted(p for p in app.openapi()["paths"] if p in ("/health", "/version", "/sparql"))
['/health', '/sparql', '/version']
"""

from panet.api.app import create_app

__all__ = ["create_app"]
