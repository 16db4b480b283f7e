"""Request body cap: a body larger than ``Settings.max_body_bytes`` gets 413, unread."""

from __future__ import annotations

from typing import Any

from panet.api.problems import problem_response

Scope = dict[str, Any]


class BodyLimit:
    """ASGI middleware: 413 for a declared ``Content-Length`` over the cap before the body is
    read, and for a streamed (chunked) body as soon as it passes the cap (such a body is read
    here, at most the cap, and handed on whole)."""

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
        if declared is None:  # chunked: read it here, so that any route answers 413, not its own parse error
            body = bytearray()
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away
                body += message.get("body", b"")
                if len(body) > limit:
                    response = problem_response(413, "Content too large", _detail(limit), scope["path"])
                    await response(scope, receive, send)
                    return
                if not message.get("more_body", False):
                    break
            replayed = False

            async def replay() -> dict[str, Any]:
                nonlocal replayed
                if replayed:
                    return await receive()  # after the body: http.disconnect when the client leaves
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}

            await self.app(scope, replay, send)
            return
        await self.app(scope, receive, send)  # a declared length: the server never passes more


def _detail(limit: int) -> str:
    return f"the request body exceeds {limit} bytes, the service's limit (PANET_MAX_BODY_BYTES); send less at a time"
