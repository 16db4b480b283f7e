"""Errors as RFC 9457 problem details (``application/problem+json``), never tracebacks."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from panet.errors import PanetError, TermNotFound

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """Raise in a route to answer with a problem body: ``raise Problem(400, "Bad query", "…")``."""

    def __init__(self, status: int, title: str, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra

    def __reduce__(self) -> tuple:  # survives the pipe from a worker process (panet.api.jobs)
        return (_problem, (self.status, self.title, self.detail, self.extra))


def _problem(status: int, title: str, detail: str, extra: dict[str, Any]) -> Problem:
    return Problem(status, title, detail, **extra)


def problem_response(status: int, title: str, detail: str = "", instance: str = "", **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install(app: FastAPI) -> None:
    """Route every error through `problem_response`."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.title, exc.detail, request.url.path, **exc.extra)

    @app.exception_handler(TermNotFound)
    async def _not_found(request: Request, exc: TermNotFound) -> JSONResponse:
        return problem_response(404, "Term not found", str(exc), request.url.path, suggestions=list(exc.suggestions))

    @app.exception_handler(PanetError)
    async def _panet_error(request: Request, exc: PanetError) -> JSONResponse:
        return problem_response(400, "Bad request", str(exc), request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": list(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(map(str, e['location']))}: {e['message']}" for e in errors)
        return problem_response(422, "Invalid request", detail, request.url.path, errors=errors)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else ""
        return problem_response(exc.status_code, _reason(exc.status_code), detail, request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(500, "Internal server error", "an unexpected error occurred", request.url.path)


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
