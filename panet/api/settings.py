"""Service settings: defaults, overridden by ``panet serve`` options or ``PANET_*`` variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


@dataclass(frozen=True)
class Settings:
    """What the service is allowed to do and how much.

    >>> Settings().max_body_bytes
    10485760
    """

    ontology: str | None = field(default_factory=lambda: os.environ.get("PANET_ONTOLOGY") or None)
    version: str | None = field(default_factory=lambda: os.environ.get("PANET_VERSION") or None)  # e.g. "1.1.0"
    max_body_bytes: int = field(default_factory=lambda: _env_int("PANET_MAX_BODY_BYTES", 10 * 1024 * 1024))
    query_timeout: float = field(default_factory=lambda: _env_float("PANET_QUERY_TIMEOUT", 5.0))
    max_rows: int = field(default_factory=lambda: _env_int("PANET_MAX_ROWS", 10_000))
    max_batch: int = field(default_factory=lambda: _env_int("PANET_MAX_BATCH", 10_000))  # texts per request
    cors_origins: tuple[str, ...] = field(
        default_factory=lambda: tuple(o for o in os.environ.get("PANET_CORS_ORIGINS", "").split(",") if o)
    )
    # RDF files (e.g. annotated records) served by /sparql besides PaNET; os.pathsep-separated
    data: tuple[str, ...] = field(
        default_factory=lambda: tuple(p for p in os.environ.get("PANET_DATA", "").split(os.pathsep) if p)
    )
    store: str | None = field(default_factory=lambda: os.environ.get("PANET_STORE") or None)
    # a catalogue store (`panet catalogue build`): serves the PaN search API's /datasets, /documents, /instruments
    catalogue: str | None = field(default_factory=lambda: os.environ.get("PANET_CATALOGUE") or None)
    sparql_workers: int = field(default_factory=lambda: _env_int("PANET_SPARQL_WORKERS", 2))
    # /annotate, /annotate/records and /validate: worker processes, seconds and memory per request
    work_workers: int = field(default_factory=lambda: _env_int("PANET_WORK_WORKERS", 2))
    work_timeout: float = field(default_factory=lambda: _env_float("PANET_WORK_TIMEOUT", 30.0))
    work_memory_mb: int = field(default_factory=lambda: _env_int("PANET_WORK_MEMORY_MB", 2048))
    max_fuzzy_chars: int = field(default_factory=lambda: _env_int("PANET_MAX_FUZZY_CHARS", 50_000))
    max_response_bytes: int = field(default_factory=lambda: _env_int("PANET_MAX_RESPONSE_BYTES", 64 * 1024 * 1024))
    # seconds a client may take to send a request's line and headers
    header_timeout: float = field(default_factory=lambda: _env_float("PANET_HEADER_TIMEOUT", 10.0))
    # seconds SIGTERM waits for requests in progress before stopping them
    shutdown_timeout: float = field(default_factory=lambda: _env_float("PANET_SHUTDOWN_TIMEOUT", 3.0))
    # base URL of the service as clients reach it, for OLS paging links (default: relative links)
    public_url: str = field(default_factory=lambda: os.environ.get("PANET_PUBLIC_URL", "").rstrip("/"))
