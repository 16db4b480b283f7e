"""Request body cap: a body larger than ``Settings.max_body_bytes`` gets 413, unread."""

from __future__ import annotations

from typing import Any

from panet.api.problems import Problem, problem_response

Scope = dict[str, Any]


class BodyLimit:
    """ASGI middleware: 413 for a declared ``Content-Length`` over the cap before the body is
    read, and for a streamed (chunked) body as soon as it passes the cap."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response = problem_response(413, "Content too large", _detail(limit), scope["path"])
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise Problem(413, "Content too large", _detail(limit))
            return message

        await self.app(scope, limited_receive, send)


def _detail(limit: int) -> str:
    return f"the request body exceeds {limit} bytes, the service's limit (PANET_MAX_BODY_BYTES); send less at a time"
