"""Throughput and tail latency of ``/techniques/pan-ontology`` against a hello-world endpoint.

Starts the service under uvicorn as ``panet serve`` does (one worker) in a child process, with
one extra route ``/hello`` (``async def`` returning ``{"hello": "world"}``), then drives each
endpoint with keep-alive HTTP/1.1 connections from an asyncio client in this process, on
127.0.0.1 only, each run next to a hello-world run, for several rounds (this machine is shared
and noisy). Prints the median req/s, p50 and p99 latency, the server's CPU time per request, and
the ratios to hello-world (target: req/s >= 0.8x).

    .venv/bin/python benchmarks/bench_pan_ontology.py [--rounds 5] [--seconds 2] [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from urllib.parse import quote

PANET = "http://purl.org/pan-science/PaNET/"
WHERES = {
    "name (small angle scattering)": {"name": "small angle scattering"},
    "pid (XES)": {"pid": PANET + "PaNET01200"},
    "and of two names": {"and": [{"name": "small angle scattering"}, {"name": "x-ray probe"}]},
    "or with a negation": {"or": [{"name": "SAXS"}, {"name": {"neq": "magnetism technique"}}]},
}


def serve(port: int) -> None:
    """Child process: the service plus /hello, with ``panet serve``'s uvicorn options."""
    import uvicorn
    from panet.api import create_app

    from panet.cli.serve import MAX_REQUEST_HEAD_BYTES

    app = create_app()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="warning", h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES
    )


async def _connection(port: int, targets: list[str], offset: int, stop: float, latencies: list[float]) -> None:
    """One keep-alive connection asking for ``targets`` in turn, from ``offset``, until ``stop``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    requests = [f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode() for target in targets]
    try:
        while time.perf_counter() < stop:
            start = time.perf_counter()
            writer.write(requests[offset % len(requests)])
            offset += 1
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"{targets[0]}: {head.splitlines()[0].decode()}")
            fields = dict(line.split(b":", 1) for line in head.lower().split(b"\r\n")[1:] if b":" in line)
            await reader.readexactly(int(fields[b"content-length"]))
            latencies.append(time.perf_counter() - start)
    finally:
        writer.close()


async def _drive(port: int, targets: list[str], seconds: float, connections: int) -> tuple[float, list[float]]:
    """req/s and latencies of one run of ``seconds``, after a short warm-up."""
    spread = len(targets) // connections
    warm: list[float] = []
    stop = time.perf_counter() + 0.2
    await asyncio.gather(*(_connection(port, targets, i * spread, stop, warm) for i in range(connections)))
    latencies: list[float] = []
    start = time.perf_counter()
    stop = start + seconds
    await asyncio.gather(*(_connection(port, targets, i * spread, stop, latencies) for i in range(connections)))
    return len(latencies) / (time.perf_counter() - start), latencies


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(
    server: int, port: int, targets: dict[str, list[str]], rounds: int, seconds: float, connections: int
) -> dict[str, tuple[float, float, float, float, float]]:
    """Each endpoint runs ``rounds`` times, each time next to a hello-world run (alternating which
    goes first: pairs seconds apart stay fair on a machine whose load drifts). Per endpoint:
    median req/s, p50 and p99 (ms) of all its latencies, the server's CPU time per request (µs;
    other load on the machine barely moves it) and the median ratio of req/s to hello-world."""
    hello, *others = targets
    rates: dict[str, list[float]] = {label: [] for label in targets}
    ratios: dict[str, list[float]] = {label: [] for label in targets}
    latencies: dict[str, list[float]] = {label: [] for label in targets}
    cpu: dict[str, float] = dict.fromkeys(targets, 0.0)
    for round_number in range(rounds):
        for label in others:
            pair = [hello, label] if round_number % 2 == 0 else [label, hello]
            pair_rates = {}
            for name in pair:
                before = _cpu_seconds(server)
                pair_rates[name], times = asyncio.run(_drive(port, targets[name], seconds, connections))
                cpu[name] += _cpu_seconds(server) - before
                rates[name].append(pair_rates[name])
                latencies[name] += times
            ratios[label].append(pair_rates[label] / pair_rates[hello])
    ratios[hello] = [1.0]
    results = {}
    for label, times in latencies.items():
        times.sort()
        p50, p99 = times[len(times) // 2] * 1e3, times[int(len(times) * 0.99)] * 1e3
        cpu_per_request = cpu[label] / len(times) * 1e6
        results[label] = (statistics.median(rates[label]), p50, p99, cpu_per_request, statistics.median(ratios[label]))
    return results


def _start_server() -> tuple[subprocess.Popen, int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": ""}
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], env=env)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit("the server did not start") from None
            time.sleep(0.1)


def _pan_ontology(where: str) -> str:
    return "/techniques/pan-ontology?where=" + quote(where, safe="")


def _spelling(where: dict, number: int) -> str:
    """The ``number``-th spelling of a where's JSON: 0-2 spaces after each ``{ [ : ,``."""
    text, position = "", 0
    for char in json.dumps(where, separators=(",", ":")):
        text += char
        if char in "{[:,":
            text += " " * (number // 3**position % 3)
            position += 1
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="turns each endpoint takes")
    parser.add_argument("--seconds", type=float, default=2.0, help="measuring time per endpoint and round")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    targets = {"hello world": ["/hello"]}
    for label, where in WHERES.items():
        targets[label] = [_pan_ontology(json.dumps(where))]
    # 4096 spellings of one where (23 MB of answers), asked in turn: each misses the server's 16 MB LRU
    uncached = [_pan_ontology(_spelling(WHERES["and of two names"], i)) for i in range(4096)]
    targets["and of two names, never cached"] = uncached
    server, port = _start_server()
    try:
        results = _measure(server.pid, port, targets, args.rounds, args.seconds, args.connections)
    finally:
        server.terminate()
        server.wait(10)
    print(
        f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {args.connections} connections, "
        f"{args.rounds} rounds of {args.seconds:g} s per endpoint, each next to a hello-world run"
    )
    print(
        "| endpoint | req/s | p50 ms | p99 ms | server CPU µs/req | req/s vs hello | p99 vs hello | CPU: hello/this |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    _, _, base_p99, base_cpu, _ = results["hello world"]
    for label, (rate, p50, p99, cpu, ratio) in results.items():
        print(
            f"| {label} | {rate:,.0f} | {p50:.2f} | {p99:.2f} | {cpu:.0f} | {ratio:.2f}x | "
            f"{p99 / base_p99:.2f}x | {base_cpu / cpu:.2f}x |"
        )


if __name__ == "__main__":
    main()
