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
        response = problem_response(exc.status_code, _reason(exc.status_code), detail, request.url.path)
        response.headers.update(exc.headers or {})  # e.g. Allow on a 405
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(500, "Internal server error", "an unexpected error occurred", request.url.path)


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
    "required": ["type", "title", "status"],
}
# what any operation may answer; POST adds 415, the routes that run work in pools add 503
_EVERY_OPERATION = (400, 404, 405, 413, 422, 500)


def describe_problems(app: FastAPI) -> None:
    """Make ``app.openapi()`` declare every error an operation can answer, each as
    ``application/problem+json`` (FastAPI declares only 422, and as ``application/json``).

    >>> from fastapi import FastAPI
    >>> app = FastAPI()
    >>> _ = app.get("/x")(lambda: 1)
    >>> describe_problems(app)
    >>> sorted(app.openapi()["paths"]["/x"]["get"]["responses"])
    ['200', '400', '404', '405', '413', '422', '500']
    """
    make = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = make()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for item in schema.get("paths", {}).values():
            for method, operation in item.items():
                responses = operation.setdefault("responses", {})
                codes = {str(c) for c in _EVERY_OPERATION} | {c for c in responses if c[0] in "45"}
                if method == "post":
                    codes |= {"415", "503"}
                for code in sorted(codes):
                    described = responses.setdefault(code, {"description": _reason(int(code))})
                    described["content"] = problem
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
