"""Start the real service (``panet serve`` under uvicorn) on a free 127.0.0.1 port, and a canary
listener that records any request the service would send out."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from collections.abc import Iterator

STARTUP_SECONDS = 90
_PROCESSES: dict[str, subprocess.Popen] = {}


def process_for(base: str) -> subprocess.Popen:
    """The process of the server `running_server` started at ``base`` (to signal it)."""
    return _PROCESSES[base]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """``panet serve ARGS`` in a subprocess; yields its base URL once /health answers, and
    stops it afterwards. ``env`` adds ``PANET_*`` settings."""
    port = free_port()
    command = [sys.executable, "-m", "panet", "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
        _PROCESSES[base] = process
        try:
            yield _wait_until_up(process, base, log)
        finally:
            _PROCESSES.pop(base, None)
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(process: subprocess.Popen, base: str, log) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"panet serve exited with {process.returncode}:\n{log.read().decode()}")
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return base
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"panet serve did not answer within {STARTUP_SECONDS} s")
        time.sleep(0.1)


class Canary:
    """An HTTP server on 127.0.0.1 that answers anything and remembers every request."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                hits.append((self.command, self.path))
                body = b'{"@context": {"name": "http://schema.org/name"}, "head": {"vars": []}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_HEAD = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
