"""Dependencies routes share: the one `Ontology`, the settings the app was made with, and
the worker pools (`LazyPool`, each started on first use: SPARQL queries, and the annotation and
validation jobs of `panet.api.jobs`).

They are ``async``: FastAPI runs a plain ``def`` dependency in a worker thread, which cost a
lookup route more than its whole work (200 µs against 90 µs per request, measured).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

import panet
from panet.api.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from panet.query_pool import WorkerPool


async def get_ontology(request: Request) -> panet.Ontology:
    return request.app.state.ontology


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


OntologyDep = Annotated[panet.Ontology, Depends(get_ontology)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


class LazyPool:
    """A pool of worker processes (`panet.query_pool.WorkerPool`: the SPARQL `QueryPool`, the
    `panet.api.jobs.JobPool`), started by the first request that needs it: a service nobody asks
    for that work holds no worker processes (their memory and start-up time).

    >>> import asyncio, panet
    >>> from panet.query_pool import QueryPool
    >>> workers = LazyPool(lambda: QueryPool(panet.load().path, workers=1))
    >>> workers.started
    False
    >>> asyncio.run(workers.get()).run("ASK {}", "text/csv")
    (b'true', 'text/csv')
    >>> workers.started, workers.close()
    (True, None)
    """

    def __init__(self, start: Callable[[], WorkerPool]) -> None:
        self._start = start
        self._pool: WorkerPool | None = None
        self._lock = asyncio.Lock()

    @property
    def started(self) -> bool:
        return self._pool is not None

    async def get(self) -> Any:
        """The pool, starting it (in a thread: it spawns processes) on the first call."""
        if self._pool is None:
            async with self._lock:
                if self._pool is None:
                    self._pool = await run_in_threadpool(self._start)
        return self._pool

    def close(self) -> None:
        """Stop the workers, if they were started (the next query starts new ones)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()


async def get_sparql(request: Request) -> LazyPool:
    return request.app.state.sparql


SparqlDep = Annotated[LazyPool, Depends(get_sparql)]
