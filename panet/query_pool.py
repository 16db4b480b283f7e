"""`QueryPool`: SPARQL queries in worker processes, each stopped when it outlives its time.

pyoxigraph holds the GIL while it evaluates, and nothing can interrupt it in-process, so a
service that must bound query time runs queries elsewhere: here, in a few long-lived worker
processes that each hold a copy of the dataset (`panet.sparql.build_store`, or the on-disk store
opened read-only). A worker whose query runs too long is killed and replaced at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from panet.errors import PanetError
from panet.sparql import QueryTimeout, SparqlError, WorkerLost, build_store, check_read_only, execute, open_read_only

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["QueryPool"]


class QueryPool:
    """Queries run in worker processes; one that outlives ``timeout`` seconds is killed.

    Each worker builds (or opens read-only, with ``directory``) its own copy of the dataset; a
    killed worker is replaced at once. Thread-safe: callers wait for a free worker, at most
    ``timeout``. More than ``max_rows`` result rows raise `panet.sparql.ResultTooLarge`.

    >>> import panet
    >>> pool = QueryPool(panet.load().path, workers=1, timeout=5)
    >>> pool.run("ASK { panet:PaNET01188 rdfs:subClassOf panet:PaNET00002 }", "text/csv")
    (b'true', 'text/csv')
    >>> pool.close()
    """

    STARTUP_TIMEOUT = 120.0  # seconds a new worker may take to load the dataset

    def __init__(
        self,
        ontology: str,
        data: Sequence[str] = (),
        directory: str | None = None,
        workers: int = 2,
        timeout: float = 5.0,
        max_rows: int | None = None,
    ) -> None:
        import multiprocessing
        import queue
        import threading

        self._spec = (ontology, tuple(str(p) for p in data), directory)
        self.timeout = timeout
        self.max_rows = max_rows
        self._context = multiprocessing.get_context("spawn")  # fork is unsafe in a threaded server
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(max(1, workers)):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve_queries, args=(child, *self._spec), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def wait_ready(self) -> None:
        """Block until every idle worker has loaded its dataset (raises its load error)."""
        workers = []
        try:
            while not self._idle.empty():
                workers.append(self._idle.get_nowait())
            for worker in workers:
                worker.wait_ready(self.STARTUP_TIMEOUT)
        finally:
            for worker in workers:
                self._idle.put(worker)

    def run(
        self,
        text: str,
        accept: str | None = None,
        default_graph: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> tuple[bytes, str]:
        """`execute` in a worker, within ``timeout``: (body, media type), or a `SparqlError`."""
        import queue

        check_read_only(text)  # refuse before using a worker
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise QueryTimeout(f"every query worker stayed busy for {self.timeout:g} s; try again later") from None
        try:
            worker.wait_ready(self.STARTUP_TIMEOUT)
            worker.conn.send((text, accept, self.max_rows, tuple(default_graph), tuple(named_graphs), base_iri))
            if not worker.conn.poll(self.timeout):
                raise QueryTimeout(
                    f"the query ran longer than {self.timeout:g} s, the service's limit, and was stopped; "
                    "make it more selective or add LIMIT"
                )
            status, payload = worker.conn.recv()
        except (QueryTimeout, EOFError, OSError) as err:
            worker.kill()
            worker = self._spawn()
            if isinstance(err, QueryTimeout):
                raise
            raise WorkerLost("the query worker stopped unexpectedly (it has been replaced); try again") from None
        finally:
            self._release(worker)
        if status == "error":
            raise payload
        return payload

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed:
                worker.kill()
            else:
                self._idle.put(worker)

    def close(self) -> None:
        """Stop every worker."""
        import queue

        with self._lock:
            self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                return


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
            raise SparqlError(f"a query worker did not load its dataset within {timeout:g} s")
        status, payload = self.conn.recv()
        if status == "error":
            raise payload
        self.ready = True

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


def _serve_queries(conn: Any, ontology: str, data: tuple[str, ...], directory: str | None) -> None:
    """Worker process: load the dataset, then answer (query, accept, max_rows, graphs, base) messages."""
    try:
        from panet.loader import load

        store = open_read_only(directory) if directory else build_store(load(ontology), data)
    except Exception as err:
        # a plain PanetError always unpickles, whatever the original's constructor takes
        conn.send(("error", PanetError(str(err) if isinstance(err, PanetError) else f"cannot load the dataset: {err}")))
        return
    conn.send(("ready", None))
    while True:
        try:
            text, accept, max_rows, default_graph, named_graphs, base_iri = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", execute(store, text, accept, max_rows, default_graph, named_graphs, base_iri)))
        except SparqlError as err:
            conn.send(("error", err))
        except Exception as err:
            conn.send(("error", SparqlError(f"the query failed: {err}")))
