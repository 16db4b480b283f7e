"""Service start-up and memory: ``panet serve`` against a hello-world FastAPI app, same run.

    python benchmarks/bench_service.py [--rounds 7]

Each round starts, in turn (alternating which goes first), ``panet serve`` as a user runs it
and the hello-world app of ``hello_app.py`` under the same uvicorn with the same options, each
on a free 127.0.0.1 port, and times from process start to the first 200 answer (panet:
``GET /terms/PaNET01188``; hello-world: ``GET /hello``), and the CPU time the process and its
children used until then (which other programs on a shared machine disturb far less than the
wall-clock time; on an idle machine the two are close). One second later it reads the resident
memory of the process and all its children (at rest), then asks panet one SPARQL query (which
starts the query workers) and reads it again. Reports medians over the rounds, and the targets
of issue 16: start-up at most 0.5 s over hello-world's, at most 120 MB at rest. The index cache
is warmed first (as after a first ``panet`` command).
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from statistics import median
from urllib.parse import quote

from bench_api import free_port, hello_command, panet_command, tree_cpu_seconds, tree_rss_mb

START_LIMIT = 0.5  # seconds over hello-world's start
MEMORY_LIMIT = 120.0  # MB, every process of the service at rest
SPARQL = "/sparql?query=" + quote("ASK { panet:PaNET01188 rdfs:subClassOf panet:PaNET01124 }")


@dataclass
class Start:
    seconds: float
    cpu_seconds: float  # CPU time the service used to get there: what a quiet machine would take
    rest_mb: float
    processes: int
    sparql_mb: float | None = None


def get(port: int, path: str, timeout: float = 1.0) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def started(command: list[str], port: int, path: str, sparql: bool) -> Start:
    """Run ``command``, time it to its first 200 on ``path``, measure its memory, stop it."""
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if process.poll() is not None:
                sys.exit(f"{' '.join(command)} exited with {process.returncode}")
            try:
                if get(port, path) == 200:
                    break
            except OSError:
                pass
            if time.perf_counter() - began > 120:
                sys.exit(f"{' '.join(command)} did not answer within 120 s")
            time.sleep(0.005)
        result = Start(time.perf_counter() - began, tree_cpu_seconds(process.pid), 0.0, 0)
        time.sleep(1.0)
        result.rest_mb, result.processes = tree_rss_mb(process.pid), len(process_tree(process.pid))
        if sparql:
            if get(port, SPARQL, timeout=120) != 200:
                sys.exit("the SPARQL query failed")
            time.sleep(1.0)
            result.sparql_mb = tree_rss_mb(process.pid)
        return result
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo += [int(c) for c in children.read().split()]
        except OSError:
            continue
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="start-ups of each (default 7)")
    args = parser.parse_args()
    subprocess.run([sys.executable, "-c", "import panet; panet.load()"], check=True)  # warm the index cache
    panet_runs, hello_runs, gaps, cpu_gaps = [], [], [], []
    for i in range(args.rounds):
        panet_port, hello_port = free_port(), free_port()
        runs = [
            ("panet", panet_command(panet_port), panet_port, "/terms/PaNET01188", True),
            ("hello", hello_command(hello_port), hello_port, "/hello", False),
        ]
        results = {}
        for name, command, port, path, sparql in runs if i % 2 == 0 else runs[::-1]:
            results[name] = started(command, port, path, sparql)
        panet_runs.append(results["panet"])
        hello_runs.append(results["hello"])
        gaps.append(results["panet"].seconds - results["hello"].seconds)
        cpu_gaps.append(results["panet"].cpu_seconds - results["hello"].cpu_seconds)
    start, hello_start, gap = (
        median(r.seconds for r in panet_runs),
        median(r.seconds for r in hello_runs),
        median(gaps),
    )
    rest, hello_rest = median(r.rest_mb for r in panet_runs), median(r.rest_mb for r in hello_runs)
    sparql = median(r.sparql_mb for r in panet_runs if r.sparql_mb is not None)
    print(
        f"# panet service start-up and memory, {time.strftime('%Y-%m-%d')}, {platform.node()}: "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}; "
        f"median of {args.rounds} paired start-ups"
    )
    print("| | panet serve | hello-world FastAPI | panet − hello | target |")
    print("|---|---:|---:|---:|---|")
    verdict = "met" if gap <= START_LIMIT else "MISSED"
    print(
        f"| start to first answer | {start:.2f} s | {hello_start:.2f} s | {gap:+.2f} s | "
        f"≤ +{START_LIMIT} s: {verdict} |"
    )
    cpu, hello_cpu, cpu_gap = (
        median(r.cpu_seconds for r in panet_runs),
        median(r.cpu_seconds for r in hello_runs),
        median(cpu_gaps),
    )
    verdict = "met" if cpu_gap <= START_LIMIT else "MISSED"
    print(
        f"| CPU time to first answer | {cpu:.2f} s | {hello_cpu:.2f} s | {cpu_gap:+.2f} s | "
        f"≤ +{START_LIMIT} s: {verdict} |"
    )
    verdict = "met" if rest <= MEMORY_LIMIT else "MISSED"
    print(
        f"| resident memory at rest (processes) | {rest:.0f} MB ({panet_runs[0].processes}) | "
        f"{hello_rest:.0f} MB ({hello_runs[0].processes}) | {rest - hello_rest:+.0f} MB | "
        f"≤ {MEMORY_LIMIT:.0f} MB: {verdict} |"
    )
    print(f"| after one SPARQL query (workers started) | {sparql:.0f} MB | | | |")
    pairs = [(round(p.seconds, 2), round(h.seconds, 2)) for p, h in zip(panet_runs, hello_runs, strict=True)]
    print(f"\nstart-ups (panet s, hello s): {pairs}")


if __name__ == "__main__":
    main()
