"""`BoundedH11Protocol`: uvicorn's HTTP/1.1 protocol with a time limit on request heads and
problem+json answers to requests it cannot parse.

uvicorn keeps a connection whose request line and headers never finish open for ever, and
answers a malformed request with a plain-text 400. ``panet serve`` runs this subclass
instead: a client gets ``PANET_HEADER_TIMEOUT`` seconds (default 10) from the first byte of
a request (or from connecting) to send its whole head, else 408 and the connection closes;
protocol errors are ``application/problem+json`` like every other error.

>>> _problem_bytes(400, "Bad request", "x")[:30]
b'HTTP/1.1 400 Bad Request\\r\\ncont'
"""

from __future__ import annotations

import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from panet.api.settings import Settings

__all__ = ["BoundedH11Protocol"]


class BoundedH11Protocol(H11Protocol):
    """`H11Protocol` with a head time limit and problem+json protocol errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_timeout = Settings().header_timeout
        self._head_timer: Any = None

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE and data:
            self._arm_head_timer(restart=False)  # part of a head: its clock runs from its first byte
        else:
            self._disarm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self, restart: bool = True) -> None:
        if self._head_timer is not None and not restart:
            return
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        detail = f"the request line and headers did not arrive within {self.head_timeout:g} s (PANET_HEADER_TIMEOUT)"
        self.transport.write(_problem_bytes(408, "Request timeout", detail))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        self.transport.write(_problem_bytes(400, "Bad request", f"{msg} (not a valid HTTP/1.1 request)"))
        self.transport.close()


def _problem_bytes(status: int, title: str, detail: str) -> bytes:
    from http import HTTPStatus

    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail}).encode()
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "content-type: application/problem+json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body
