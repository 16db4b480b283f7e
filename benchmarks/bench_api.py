"""Service load benchmark, loopback only: req/s and latency of panet's endpoints against a
plain hello-world FastAPI app, both under one uvicorn worker, in the same run; then a soak.

    python benchmarks/bench_api.py [--seconds 10] [--soak 60] [--connections 10]

Needs ``wrk`` (Debian/Ubuntu: ``apt-get install wrk``). Starts ``panet serve`` as a user runs it
and, next to it, the hello-world app of ``hello_app.py`` under the same uvicorn with the same
options (``hello_command``), each on a free 127.0.0.1 port. Each row runs for ``--seconds``
with ``--connections`` clients, in ``--rounds`` short runs each next to a hello-world run
(median req/s, median ratio; also the ratio of requests per CPU second of the server, which
the other programs on a shared machine disturb far less than req/s), then for half as long with
one client (p50 and p99 latency, without queueing behind other clients). Rows with a target
(issue 16: technique, term and search routes at least 0.8x hello-world, by both ratios) say
whether they meet it. The soak runs
``GET /terms/PaNET01188`` for ``--soak`` seconds and reports errors and the server's memory (its
process and any SPARQL workers) at the start and the end.

To add a row, append to ``ROWS``: ``Row("label", "/path?query")``, or with a body
``Row("label", "/path", method="POST", body="...", content_type="application/json")``, or
asking for several paths in turn ``Row("label", "", variants=("/a", "/b"))``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

HIERARCHY_QUERY = "SELECT ?t WHERE { ?t rdfs:subClassOf panet:PaNET01124 }"


@dataclass(frozen=True)
class Row:
    label: str
    path: str
    method: str = "GET"
    body: str | None = None
    content_type: str | None = None
    variants: tuple[str, ...] = ()  # paths asked in turn instead of ``path`` (e.g. to miss caches)
    target: float | None = None  # least req/s ratio to hello-world the row must reach


def pan_ontology(where: dict, spelling: int = 0) -> str:
    """``/techniques/pan-ontology?where=…`` as a PaN search API sends it; ``spelling`` puts 0-2
    spaces after each of the JSON's ``{ [ : ,`` (same where, different text: another cache key)."""
    text, position = "", 0
    for char in json.dumps(where, separators=(",", ":")):
        text += char
        if char in "{[:,":
            text += " " * (spelling // 3**position % 3)
            position += 1
    return "/techniques/pan-ontology?where=" + quote(text, safe="")


TWO_NAMES = {"and": [{"name": "small angle scattering"}, {"name": "x-ray probe"}]}


ROUTE_TARGET = 0.8  # issue 16: technique, term and search routes against hello-world
HELLO = Row("GET /hello (hello-world app)", "/hello")
ROWS = [
    Row("GET /terms/PaNET01188", "/terms/PaNET01188", target=ROUTE_TARGET),
    Row("GET /terms/SAXS (label)", "/terms/SAXS"),
    Row("GET /search?q=scattering", "/search?q=scattering", target=ROUTE_TARGET),
    Row("GET /techniques/PaNET01188", "/techniques/PaNET01188", target=ROUTE_TARGET),
    Row("GET /ols/api/search?q=saxs", "/ols/api/search?q=saxs"),
    Row("GET /sparql (hierarchy query)", "/sparql?query=" + quote(HIERARCHY_QUERY)),
    Row(
        "POST /annotate (a dataset title)",
        "/annotate",
        method="POST",
        body='{"text": "In-situ GISAXS and x-ray diffraction of block copolymer thin films"}',
        content_type="application/json",
    ),
    Row("pan-ontology: name", pan_ontology({"name": "small angle scattering"}), target=ROUTE_TARGET),
    Row("pan-ontology: pid", pan_ontology({"pid": "http://purl.org/pan-science/PaNET/PaNET01200"})),
    Row("pan-ontology: and of two names", pan_ontology(TWO_NAMES)),
    Row("pan-ontology: or, one negated", pan_ontology({"or": [{"name": "SAXS"}, {"name": {"neq": "XES"}}]})),
    # 4096 spellings of one where (23 MB of answers), in turn: each misses the 16 MB answer memory
    Row(
        "pan-ontology: and, never cached",
        pan_ontology(TWO_NAMES),
        variants=tuple(pan_ontology(TWO_NAMES, i) for i in range(4096)),
    ),
]


def panet_command(port: int) -> list[str]:
    """``panet serve`` on ``port``, as a user runs it (the installed console script)."""
    script = Path(sys.executable).with_name("panet")
    start = [str(script)] if script.exists() else [sys.executable, "-m", "panet"]
    return [*start, "serve", "--host", "127.0.0.1", "--port", str(port)]


def hello_command(port: int) -> list[str]:
    """The hello-world app under uvicorn with ``panet serve``'s options."""
    from panet.cli.serve import MAX_REQUEST_HEAD_BYTES

    return [
        sys.executable,
        "-m",
        "uvicorn",
        "hello_app:app",
        "--app-dir",
        str(Path(__file__).resolve().parent),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "info",
        "--h11-max-incomplete-event-size",
        str(MAX_REQUEST_HEAD_BYTES),
    ]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(base: str, path: str, process: subprocess.Popen) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode}")
        try:
            if httpx.get(base + path, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    sys.exit("the server did not start within 120 s")


def whole(seconds: float) -> int:
    """wrk takes whole seconds only."""
    return max(1, round(seconds))


@dataclass(frozen=True)
class Server:
    base: str  # http://127.0.0.1:PORT
    pid: int


def wrk(server: Server, row: Row, seconds: float, connections: int) -> dict[str, float]:
    """One wrk run: requests/s, requests per CPU second of the server (its process and
    children: what one core would serve, whatever else the machine runs), p50 and p99 in ms,
    and errors (non-2xx and socket errors)."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{whole(seconds)}s", "--latency"]
    script = None
    if row.method != "GET" or row.body is not None or row.variants:
        lua = f"wrk.method = {_lua(row.method)}\n"
        if row.body is not None:
            lua += f"wrk.body = {_lua(row.body)}\n"
        if row.content_type:
            lua += f'wrk.headers["Content-Type"] = {_lua(row.content_type)}\n'
        if row.variants:
            lua += "paths = {" + ",".join(map(_lua, row.variants)) + "}\ni = 0\n"
            lua += "request = function()\n  i = i % #paths + 1\n  return wrk.format(nil, paths[i])\nend\n"
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
        script.write(lua)
        script.close()
        command += ["-s", script.name]
    try:
        cpu = tree_cpu_seconds(server.pid)
        out = subprocess.run([*command, server.base + row.path], capture_output=True, text=True, check=True).stdout
        cpu = tree_cpu_seconds(server.pid) - cpu
    finally:
        if script is not None:
            os.unlink(script.name)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = float(re.search(r"(\d+) requests in", out).group(1))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "per_cpu": requests / max(cpu, 0.01),
        "p50": _ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1)),
        "requests": requests,
        "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0),
    }


def paired(
    server: Server, hello_server: Server, row: Row, seconds: float, connections: int, rounds: int
) -> tuple[float, float, float, float]:
    """Median req/s of ``row`` and its median ratios to hello-world (req/s, and req per server
    CPU second), over ``rounds`` short runs each next to a hello-world run (alternating which
    goes first): pairs seconds apart stay fair on a machine whose load drifts."""
    from statistics import median

    rates, ratios, cpu_ratios, errors = [], [], [], 0.0
    for i in range(rounds):
        runs = [(server, row), (hello_server, HELLO)]
        (first_server, first), (second_server, second) = runs if i % 2 == 0 else runs[::-1]
        a = wrk(first_server, first, seconds / rounds, connections)
        b = wrk(second_server, second, seconds / rounds, connections)
        result, hello = (a, b) if first is row else (b, a)
        rates.append(result["rps"])
        ratios.append(result["rps"] / hello["rps"])
        cpu_ratios.append(result["per_cpu"] / hello["per_cpu"])
        errors += result["errors"] + hello["errors"]
    return median(rates), median(ratios), median(cpu_ratios), errors


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo += [int(c) for c in children.read().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its living descendants (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo += [int(c) for c in children.read().split()]
        except (OSError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="duration of each row (default 10)")
    parser.add_argument("--soak", type=float, default=60, help="soak duration in seconds (default 60; 0 = none)")
    parser.add_argument("--connections", type=int, default=10, help="concurrent connections (default 10)")
    parser.add_argument("--rounds", type=int, default=5, help="hello/row pairs per row (default 5)")
    parser.add_argument("--only", help="run only the rows whose label contains this text")
    args = parser.parse_args()
    if subprocess.run(["which", "wrk"], capture_output=True, check=False).returncode:
        sys.exit("bench_api needs wrk: apt-get install wrk (or brew install wrk)")
    rows = [row for row in ROWS if args.only is None or args.only in row.label]
    port, hello_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    process = subprocess.Popen(panet_command(port), **quiet)
    hello_process = subprocess.Popen(hello_command(hello_port), **quiet)
    server = Server(f"http://127.0.0.1:{port}", process.pid)
    hello_server = Server(f"http://127.0.0.1:{hello_port}", hello_process.pid)
    try:
        wait_up(server.base, "/health", process)
        wait_up(hello_server.base, "/hello", hello_process)
        wrk(hello_server, HELLO, 1, args.connections)  # warm-up: caches, worker start-up
        for row in rows:
            wrk(server, row, 1, args.connections)
        print(
            f"# panet service benchmark, {time.strftime('%Y-%m-%d')}, {platform.node()}: {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}; panet serve and a hello-world "
            f"FastAPI app, one uvicorn worker each; req/s: wrk -t1 -c{args.connections}, "
            f"median of {args.rounds} x {whole(args.seconds / args.rounds)} s; "
            f"latency: wrk -c1 for {whole(args.seconds / 2)} s; "
            "per CPU: requests per CPU second of the server process (what one free core serves)"
        )
        print(
            f"| {'endpoint':<34} | {'req/s':>8} | {'vs hello':>8} | {'per CPU vs hello':>16} | {'target':>12} "
            f"| {'p50 ms':>7} | {'p99 ms':>7} | errors |"
        )
        print(f"|{'-' * 36}|{'-' * 9}:|{'-' * 9}:|{'-' * 17}:|{'-' * 13}:|{'-' * 8}:|{'-' * 8}:|-------:|")
        for row in (HELLO, *rows):
            row_server = hello_server if row is HELLO else server
            load, ratio, cpu_ratio, errors = paired(
                row_server, hello_server, row, args.seconds, args.connections, args.rounds
            )
            alone = wrk(row_server, row, args.seconds / 2, 1)  # latency of one client: no queueing
            target = ""
            if row.target is not None:
                target = f"≥{row.target}x " + ("met" if min(ratio, cpu_ratio) >= row.target else "MISSED")
            print(
                f"| {row.label:<34} | {load:>8.0f} | {ratio:>7.2f}x | {cpu_ratio:>15.2f}x | {target:>12} | "
                f"{alone['p50']:>7.2f} | {alone['p99']:>7.2f} | {errors + alone['errors']:>6.0f} |",
                flush=True,
            )
        if args.soak:
            before = tree_rss_mb(server.pid)
            result = wrk(server, ROWS[0], args.soak, args.connections)
            after = tree_rss_mb(server.pid)
            print(
                f"\nsoak: {ROWS[0].label} for {args.soak:g} s: {result['requests']:.0f} requests, "
                f"{result['errors']:.0f} errors, p99 {result['p99']:.2f} ms; "
                f"server memory {before:.0f} MB -> {after:.0f} MB"
            )
    finally:
        for running in (process, hello_process):
            running.terminate()
            running.wait(15)


if __name__ == "__main__":
    main()
