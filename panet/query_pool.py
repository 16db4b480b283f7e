"""Client work in worker processes, each job stopped when it outlives its time.

pyoxigraph, pyshacl, rdflib and the annotator hold the GIL while they work, and nothing can
interrupt them in-process, so a service that must bound a request's time runs the work
elsewhere: in a few long-lived, network-less (`panet.sandbox`) worker processes. A worker
whose job runs too long, or whose client went away, is killed and replaced at once.

`WorkerPool` is the mechanism; `QueryPool` runs SPARQL queries (each worker holds a copy of
the dataset); `panet.api.jobs` runs the CPU-heavy API routes (annotation, validation).
"""

from __future__ import annotations

import contextlib
import itertools
import pickle
import threading
from typing import TYPE_CHECKING, Any

from panet.errors import PanetError
from panet.sparql import QueryRefused, QueryTimeout, SparqlError, WorkerLost, build_store, execute, open_read_only

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

__all__ = ["ClientGone", "QueryPool", "ResourceLimit", "WorkerPool"]


WORKER_NICENESS = 10  # workers run at a lower priority than the server process


class ClientGone(PanetError):
    """The client disconnected: its job was stopped and nobody reads the answer."""


class ResourceLimit(PanetError):
    """A job needed more memory than its worker may have."""


class WorkerPool:
    """Jobs run in ``workers`` processes; one that outlives ``timeout`` seconds is killed.

    Each worker calls ``setup(*spec)`` once (a module-level function: workers are spawned) and
    answers every job with the callable it returned. A killed worker is replaced at once.
    `run_job` is thread-safe and waits for a free worker at most ``timeout``; `call` is its
    asynchronous form, which also stops the job when the client disconnects. Workers cannot
    open network sockets (`panet.sandbox`) where the system allows it.

    >>> pool = WorkerPool(_echo_setup, ("hello",), workers=1, timeout=5, name="echo")
    >>> pool.run_job("world")
    'hello world'
    >>> pool.close()
    """

    STARTUP_TIMEOUT = 120.0  # seconds a new worker may take to load its data

    def __init__(
        self,
        setup: Callable[..., Callable[[Any], Any]],
        spec: tuple[Any, ...],
        *,
        workers: int = 2,
        timeout: float = 5.0,
        name: str = "job",
        memory_bytes: int | None = None,
    ) -> None:
        import multiprocessing
        import queue

        self._target = (setup, spec, memory_bytes)
        self.timeout = timeout
        self.name = name
        self.workers = max(1, workers)
        self._context = multiprocessing.get_context("spawn")  # fork is unsafe in a threaded server
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._running: dict[int, _Worker] = {}
        self._tokens = itertools.count()
        self._lock = threading.Lock()
        self._closed = False
        self._slots: Any = None  # per event loop: anyio.Semaphore and CapacityLimiter, made in `call`
        for _ in range(self.workers):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child, *self._target), daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._all.add(worker)
        return worker

    def wait_ready(self) -> None:
        """Block until every idle worker has loaded its data (raises its load error)."""
        workers = []
        try:
            while not self._idle.empty():
                workers.append(self._idle.get_nowait())
            for worker in workers:
                worker.wait_ready(self.STARTUP_TIMEOUT)
        finally:
            for worker in workers:
                self._idle.put(worker)

    def _busy(self) -> PanetError:
        return QueryTimeout(f"every {self.name} worker stayed busy for {self.timeout:g} s; try again later")

    def _too_long(self) -> PanetError:
        return QueryTimeout(f"the {self.name} ran longer than {self.timeout:g} s, the service's limit, and was stopped")

    def run_job(self, job: Any, token: int | None = None) -> Any:
        """The worker's answer to ``job`` within ``timeout``, or the error it raised."""
        import queue

        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise self._busy() from None
        if token is not None:
            with self._lock:
                self._running[token] = worker
        try:
            worker.wait_ready(self.STARTUP_TIMEOUT)
            worker.conn.send(job)
            if not worker.conn.poll(self.timeout):
                raise self._too_long()
            status, payload = worker.conn.recv()
        except (QueryTimeout, EOFError, OSError) as err:
            worker.kill()
            with self._lock:
                self._all.discard(worker)
                closed = self._closed
            if not closed:
                worker = self._spawn()
            if isinstance(err, QueryTimeout):
                raise
            raise WorkerLost(f"the {self.name} worker stopped (it has been replaced); try again") from None
        finally:
            if token is not None:
                with self._lock:
                    self._running.pop(token, None)
            self._release(worker)
        if status == "error":
            raise payload
        return payload

    def cancel(self, token: int) -> None:
        """Stop the job `run_job` was given ``token`` for (its worker is killed and replaced)."""
        with self._lock:  # under the lock: a worker handed back meanwhile is never killed by mistake
            worker = self._running.get(token)
            if worker is not None:
                worker.process.kill()

    async def call(self, job: Any, disconnected: Callable[[], Awaitable[bool]] | None = None) -> Any:
        """`run_job` from the event loop, in this pool's own threads (at most one per worker, so
        waiting jobs hold no thread another route needs); the job is stopped as soon as
        ``disconnected()`` says the client went away (`ClientGone`).

        >>> import asyncio
        >>> pool = WorkerPool(_echo_setup, ("hello",), workers=1, timeout=5)
        >>> asyncio.run(pool.call("again"))
        'hello again'
        >>> pool.close()
        """
        import anyio

        if self._slots is None:
            self._slots = (anyio.Semaphore(self.workers), anyio.CapacityLimiter(self.workers))
        slots, threads = self._slots
        try:
            with anyio.fail_after(self.timeout):
                await slots.acquire()
        except TimeoutError:
            raise self._busy() from None
        token = next(self._tokens)
        gone = False
        outcome: list[tuple[bool, Any]] = []
        try:
            async with anyio.create_task_group() as group:

                async def watch() -> None:
                    nonlocal gone
                    while not await disconnected():  # type: ignore[misc]
                        await anyio.sleep(0.1)
                    gone = True
                    self.cancel(token)
                    group.cancel_scope.cancel()

                if disconnected is not None:
                    group.start_soon(watch)
                try:
                    answer = await anyio.to_thread.run_sync(
                        self.run_job, job, token, abandon_on_cancel=True, limiter=threads
                    )
                    outcome.append((True, answer))
                except Exception as err:  # raised below, not wrapped in an ExceptionGroup
                    outcome.append((False, err))
                group.cancel_scope.cancel()
        finally:
            slots.release()
        if gone or not outcome:
            raise ClientGone(f"the client disconnected; its {self.name} was stopped")
        ok, result = outcome[0]
        if not ok:
            raise result
        return result

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            closed = self._closed
        if closed:
            worker.kill()
        else:
            self._idle.put(worker)

    def close(self) -> None:
        """Stop every worker, busy ones too."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
        for worker in workers:
            worker.kill()


class QueryPool(WorkerPool):
    """SPARQL queries in worker processes; one that outlives ``timeout`` seconds is killed.

    Each worker builds (or opens read-only, with ``directory``) its own copy of the dataset.
    More than ``max_rows`` result rows raise `panet.sparql.ResultTooLarge`. Workers cannot
    reach the network, so ``SERVICE`` fails (`panet.sparql.QueryRefused`; ``SERVICE SILENT``
    yields nothing, as the standard says of an unreachable service) and no query is parsed in
    the server process.

    >>> import panet
    >>> pool = QueryPool(panet.load().path, workers=1, timeout=5)
    >>> pool.run("ASK { panet:PaNET01188 rdfs:subClassOf panet:PaNET00002 }", "text/csv")
    (b'true', 'text/csv')
    >>> pool.close()
    """

    def __init__(
        self,
        ontology: str,
        data: Sequence[str] = (),
        directory: str | None = None,
        workers: int = 2,
        timeout: float = 5.0,
        max_rows: int | None = None,
    ) -> None:
        super().__init__(
            _query_setup, (ontology, tuple(str(p) for p in data), directory), workers=workers, timeout=timeout
        )
        self.name = "query"
        self.max_rows = max_rows

    def _too_long(self) -> PanetError:
        return QueryTimeout(
            f"the query ran longer than {self.timeout:g} s, the service's limit, and was stopped; "
            "make it more selective or add LIMIT"
        )

    def run(
        self,
        text: str,
        accept: str | None = None,
        default_graph: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> tuple[bytes, str]:
        """`panet.sparql.execute` in a worker, within ``timeout``: (body, media type), or a `SparqlError`.
        ``base_iri`` resolves the query's relative IRIs when it has no BASE (the endpoint's URL)."""
        return self.run_job(self._job(text, accept, default_graph, named_graphs, base_iri))

    async def query(
        self,
        text: str,
        accept: str | None = None,
        default_graph: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        base_iri: str | None = None,
        disconnected: Callable[[], Awaitable[bool]] | None = None,
    ) -> tuple[bytes, str]:
        """`run` from the event loop (see `WorkerPool.call`)."""
        return await self.call(self._job(text, accept, default_graph, named_graphs, base_iri), disconnected)

    def _job(
        self,
        text: str,
        accept: str | None,
        default_graph: Sequence[str],
        named_graphs: Sequence[str],
        base_iri: str | None,
    ) -> tuple:
        return (text, accept, self.max_rows, tuple(default_graph), tuple(named_graphs), base_iri)


class _Worker:
    __slots__ = ("conn", "process", "ready")

    def __init__(self, process: Any, conn: Any) -> None:
        self.process = process
        self.conn = conn
        self.ready = False

    def wait_ready(self, timeout: float) -> None:
        if self.ready:
            return
        if not self.conn.poll(timeout):
            raise SparqlError(f"a worker did not load its data within {timeout:g} s")
        status, payload = self.conn.recv()
        if status == "error":
            raise payload
        self.ready = True

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


def _serve(conn: Any, setup: Callable[..., Callable[[Any], Any]], spec: tuple[Any, ...], memory: int | None) -> None:
    """Worker process: lower priority, no network, capped memory; load, then answer jobs until the pipe closes."""
    import os

    from panet import sandbox

    with contextlib.suppress(OSError, AttributeError):  # below the server: /health gets the CPU first
        os.nice(WORKER_NICENESS)
    with contextlib.suppress(sandbox.SandboxUnavailable):  # else the work itself refuses what could reach out
        sandbox.forbid_network()
    if memory:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        handle = setup(*spec)
    except Exception as err:
        # a plain PanetError always unpickles, whatever the original's constructor takes
        conn.send(("error", PanetError(str(err) if isinstance(err, PanetError) else f"cannot load the data: {err}")))
        return
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", handle(job)))
        except MemoryError:
            conn.send(("error", ResourceLimit("the work needed more memory than the service allows; send less")))
        except RecursionError:
            conn.send(("error", PanetError("the input is nested too deeply (JSON or XML depth); flatten it")))
        except Exception as err:
            conn.send(("error", _portable(err)))


def _portable(err: Exception) -> Exception:
    """``err`` if it survives pickling, else a `PanetError` with its message."""
    try:
        pickle.loads(pickle.dumps(err))
    except Exception:
        return PanetError(str(err) if isinstance(err, PanetError) else f"the work failed: {err}")
    return err


def _echo_setup(greeting: str) -> Callable[[Any], Any]:
    return lambda job: f"{greeting} {job}"


def _query_setup(ontology: str, data: tuple[str, ...], directory: str | None) -> Callable[[Any], Any]:
    from panet import sandbox
    from panet.loader import load

    store = open_read_only(directory) if directory else build_store(load(ontology), data)
    sandboxed = sandbox.network_forbidden()

    def answer(
        job: tuple[str, str | None, int | None, tuple[str, ...], tuple[str, ...], str | None],
    ) -> tuple[bytes, str]:
        text, accept, max_rows, default_graph, named_graphs, base_iri = job
        if not sandboxed:
            _refuse_possible_service(text)
        try:
            return execute(store, text, accept, max_rows, default_graph, named_graphs, base_iri)
        except SparqlError as err:
            if sandboxed and _is_refused_connection(str(err)):
                raise QueryRefused(
                    "SERVICE (federated query) is not allowed: this endpoint never calls other servers"
                ) from None
            raise

    return answer


def _is_refused_connection(message: str) -> bool:
    """The errors pyoxigraph reports for a ``SERVICE`` call the sandbox stops (or refuses itself)."""
    return any(sign in message for sign in ("os error 13", "Permission denied", "lookup address", "for HTTP(S)"))


def _refuse_possible_service(text: str) -> None:
    """Where the sandbox is unavailable: refuse any query that may hold ``SERVICE`` however
    pyoxigraph tokenises it (the word anywhere, raw or with ``\\u`` escapes decoded)."""
    import re

    decoded = re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})", lambda m: chr(int(m[1] or m[2], 16)), text)
    if "service" in text.casefold() or "service" in decoded.casefold():
        raise QueryRefused(
            "the query mentions SERVICE and this system cannot sandbox query workers; federated queries "
            "(SERVICE) are not allowed"
        )
