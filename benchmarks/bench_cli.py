"""CLI start-up: ``panet term SAXS`` as a whole process against ``python -c "import panet; panet.load()"``.

Both run as a user runs them (a new process each time, the installed ``panet`` script, a warm
index cache), interleaved, in the same run; the report is the median of each and their ratio.
The limit (issue 16): the command within 3x of loading PaNET. For the choice of argparse, the
script also times importing the CLI libraries panet does not use (click; typer with rich, the
earlier CLI) on top of loading PaNET, where they are installed.

    python benchmarks/bench_cli.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

LIMIT = 3.0


def seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    script = shutil.which("panet", path=os.path.dirname(sys.executable)) or shutil.which("panet")
    if script is None:
        sys.exit("bench_cli: no installed 'panet' script next to this Python or on PATH")
    peers = {
        "python -c 'import panet; panet.load()'": [sys.executable, "-c", "import panet; panet.load()"],
        "panet term SAXS": [script, "term", "SAXS"],
        "panet term SAXS --json": [script, "term", "SAXS", "--json"],
        "panet --help": [script, "--help"],
    }
    load = "import panet; panet.load()"
    for library, imports in (("click", "import click"), ("typer + rich", "import typer, rich.console, rich.table")):
        if subprocess.run([sys.executable, "-c", imports], capture_output=True, check=False).returncode == 0:
            peers[f"load + import {library}"] = [sys.executable, "-c", f"{load}; {imports}"]
    for command in peers.values():  # warm the index cache and the file system
        seconds(command)
    times: dict[str, list[float]] = {name: [] for name in peers}
    for _ in range(runs):
        for name, command in peers.items():
            times[name].append(seconds(command))
    base = statistics.median(times["python -c 'import panet; panet.load()'"])
    print(f"{'command':<42} {'median ms':>10} {'ratio':>7}   ({runs} runs each, interleaved)")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<42} {median * 1000:>10.1f} {median / base:>6.2f}x")
    ratio = statistics.median(times["panet term SAXS"]) / base
    verdict = "within" if ratio <= LIMIT else "ABOVE"
    print(f"panet term SAXS / import+load: {ratio:.2f}x ({verdict} the {LIMIT:.0f}x limit)")
    return 0 if ratio <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
