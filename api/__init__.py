"""The panet service: a FastAPI app over the shared `panet.Ontology` index.

Installed as ``panet.api``; started by ``panet serve``. Each module here is one router (one
concern); routers hold no ontology logic, they call the library.

>>> from panet.api import create_app
>>> app = create_app()
>>> sorted(r.path for r in app.routes if r.path in ("/health", "/version"))
['/health', '/version']
"""

from panet.api.app import create_app

__all__ = ["create_app"]
