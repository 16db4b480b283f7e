"""/health latency while slow requests wait: the service's liveness against its 1 s budget.

    python benchmarks/bench_health_under_load.py [--python PATH] [--queries 80] [--annotate 10]

Starts ``panet serve`` (with the given interpreter: compare a checkout against another), sends
``--queries`` SPARQL queries that run for minutes (each is stopped at PANET_QUERY_TIMEOUT),
``--annotate`` slow fuzzy annotations and one catastrophic ``like`` filter, all at once, and
measures /health round trips meanwhile: median, 95th percentile and maximum, and the maximum
as a ratio to a 1 s budget. One request per client connection, on loopback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import httpx

CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
BUDGET = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter whose panet serves")
    parser.add_argument("--queries", type=int, default=80)
    parser.add_argument("--annotate", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=8.0, help="how long to measure /health")
    args = parser.parse_args()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PANET_QUERY_TIMEOUT": "5", "PANET_CACHE_DIR": tempfile.mkdtemp()}
    command = [args.python, "-m", "panet", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(base)
        idle = _health(base, 2.0)
        slow = [("GET", "/sparql", {"params": {"query": CROSS_PRODUCT}})] * args.queries
        text = "smal angle x-ray scatering of thin flims " * 1000  # 41 kB
        slow += [("POST", "/annotate", {"json": {"text": text, "fuzzy": True}})] * args.annotate
        where = '{"name": {"\\u006cike": "^(.*?.*?){15}x$"}}'
        slow += [("GET", "/techniques/pan-ontology", {"params": {"where": where}})]
        threads = [threading.Thread(target=_send, args=(base, *request), daemon=True) for request in slow]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        loaded = _health(base, args.seconds)
    finally:
        server.terminate()
        server.wait(30)
    print(f"server: {args.python}")
    print(f"load: {args.queries} slow SPARQL queries, {args.annotate} fuzzy /annotate of 41 kB, 1 like filter")
    for name, latencies in (("idle", idle), ("under load", loaded)):
        ordered = sorted(latencies)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        worst = max(latencies)
        print(
            f"/health {name}: n={len(latencies)} median={statistics.median(latencies) * 1000:.1f} ms "
            f"p95={p95 * 1000:.1f} ms max={worst * 1000:.1f} ms = {worst / BUDGET:.2f}x the 1 s budget"
        )


def _wait(base: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


def _send(base: str, method: str, path: str, kwargs: dict) -> None:
    with contextlib.suppress(httpx.HTTPError):
        httpx.request(method, base + path, timeout=120, **kwargs)


def _health(base: str, seconds: float) -> list[float]:
    latencies = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(base + "/health", timeout=60)
        latencies.append(time.monotonic() - started)
        time.sleep(0.05)
    return latencies


if __name__ == "__main__":
    main()
