"""Benchmark: the PaN search API over a catalogue store (`panet.catalogue`).

1. Build: PaN search API records (benchmarks/bench_records.py's generator: ~1 KB each, 25 datasets
   per proposal sharing its documents) from JSON Lines into a new SQLite store, annotation
   included, as a fresh process (start-up, reading, annotating, writing, the final rename).
   Reported as records/s against the target of 20 000 records/s, and the peak RSS for N and 2N
   records (constant memory: the two should be close).
2. Queries on the built store, in process, each repeated: a technique condition with hierarchy
   expansion plus a parameter condition in another unit, limit 100; counts; free text. Each is
   reported as p50/p99 against its target, and against the same question written by hand in SQL on
   the same store (the limit: what SQLite needs without panet's filter handling).

The same rows for a PostgreSQL store (`--store postgresql://…`, an empty database: the build
replaces its schema panet_catalogue; or `--postgres`, a throw-away server started for the run as
the tests start one), its limit being the same questions hand-written in PostgreSQL's SQL.

    python benchmarks/bench_catalogue.py                       # 200 000 records
    python benchmarks/bench_catalogue.py --records 1000000
    python benchmarks/bench_catalogue.py --postgres            # SQLite, then the same on PostgreSQL
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from bench_records import write_input

BUILD_TARGET = 20_000  # records/s
_BUILD = (
    "import resource, sys, time; from panet.catalogue import build; t = time.perf_counter(); "
    "build([sys.argv[1]], sys.argv[2], rebuild=True); "
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
)

TECHNIQUE_AND_PARAMETER = {
    "include": [
        {"relation": "techniques", "scope": {"where": {"name": "small angle scattering"}}},
        {"relation": "parameters", "scope": {"where": {"and": [
            {"name": "sample_temperature"}, {"value": {"gt": 0}}, {"unit": "celsius"}]}}},
    ],
    "limit": 100,
}  # fmt: skip
SAS = "PaNET01124"  # small angle scattering


def build_run(source: Path, store: Path | str) -> tuple[float, float, float]:
    """Seconds of the whole process, of the build call, and peak RSS in MiB."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _BUILD, str(source), str(store)], check=True, capture_output=True)
    whole = time.perf_counter() - started
    seconds, rss = out.stdout.split()
    return whole, float(seconds), int(rss) / 1024


def timings(function, repeat: int) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    function()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def by_hand(store: Path | str, onto) -> dict[str, object]:
    """The same questions in SQL written for this store and these data (no filter handling)."""
    if isinstance(store, str):
        return by_hand_postgres(store, onto)
    db = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)
    expansion = json.dumps(sorted(t.iri for t in onto.descendants(SAS, include_self=True)))
    kelvin = 273.15

    def technique_and_parameter():
        return db.execute(
            "SELECT d.n, d.doc FROM dataset d WHERE d.n IN (SELECT l.dataset FROM dataset_technique l "
            "JOIN technique t ON t.n = l.technique WHERE t.panet IN (SELECT value FROM json_each(?))) "
            "AND d.n IN (SELECT p.dataset FROM parameter p WHERE p.name = 'sample_temperature' AND "
            "p.si_unit = 'kelvin' AND p.si > ?) ORDER BY d.id LIMIT 100",
            (expansion, kelvin),
        ).fetchall()

    return {
        "technique + parameter, limit 100": technique_and_parameter,
        "count, no where": lambda: db.execute("SELECT count(*) FROM dataset").fetchone(),
        "count, isPublic": lambda: db.execute(
            "SELECT count(*) FROM dataset WHERE json_extract(doc, '$.isPublic') = 1"
        ).fetchone(),
        "free text 'SAXS casein', limit 100": lambda: db.execute(
            'SELECT rowid, bm25(dataset_text) FROM dataset_text WHERE dataset_text MATCH \'"saxs" OR "casein"\' '
            "ORDER BY bm25(dataset_text) LIMIT 100"
        ).fetchall(),
    }


def by_hand_postgres(url: str, onto) -> dict[str, object]:
    """`by_hand` in PostgreSQL's SQL, on a read-only connection."""
    import psycopg

    db = psycopg.connect(url, autocommit=True)
    db.execute("SET default_transaction_read_only = on")
    db.execute("SET search_path TO panet_catalogue")
    expansion = sorted(t.iri for t in onto.descendants(SAS, include_self=True))

    def technique_and_parameter():
        return db.execute(
            "SELECT d.n, d.doc::text FROM dataset d WHERE d.n IN (SELECT l.dataset FROM dataset_technique l "
            "JOIN technique t ON t.n = l.technique WHERE t.panet = ANY(%s)) "
            "AND d.n IN (SELECT p.dataset FROM parameter p WHERE p.name = 'sample_temperature' AND "
            "p.si_unit = 'kelvin' AND p.si > %s) ORDER BY d.id LIMIT 100",
            (expansion, 273.15),
        ).fetchall()

    return {
        "technique + parameter, limit 100": technique_and_parameter,
        "count, no where": lambda: db.execute("SELECT count(*) FROM dataset").fetchone(),
        "count, isPublic": lambda: db.execute(
            "SELECT count(*) FROM dataset WHERE doc -> 'isPublic' = 'true'::jsonb"
        ).fetchone(),
        "free text 'SAXS casein', limit 100": lambda: db.execute(
            "SELECT t.n, ts_rank_cd(t.words, q) FROM dataset_text t, to_tsquery('simple', 'saxs | casein') q "
            "WHERE t.words @@ q ORDER BY 2 DESC LIMIT 100"
        ).fetchall(),
    }


def report(store: Path | str, name: str, half: Path, full: Path, records: int, repeat: int, onto) -> None:
    """Build ``store`` from N/2 then N records, then time the queries on it."""
    from panet.catalogue import Catalogue

    print(f"\n== {name}")
    print(f"build: {'records':>9}  {'process s':>9}  {'records/s':>9}  {'/ target':>8}  {'peak RSS MiB':>12}")
    for source, count in ((half, records // 2), (full, records)):
        whole, _, rss = build_run(source, store)
        rate = count / whole
        print(f"       {count:>9,}  {whole:>9.1f}  {rate:>9,.0f}  {rate / BUILD_TARGET:>7.2f}×  {rss:>12,.0f}")

    catalogue = Catalogue(store, onto)
    ours = {
        "technique + parameter, limit 100": (50, lambda: catalogue.find("Dataset", TECHNIQUE_AND_PARAMETER)),
        "count, no where": (20, lambda: catalogue.count("Dataset")),
        "count, isPublic": (20, lambda: catalogue.count("Dataset", {"isPublic": True})),
        "free text 'SAXS casein', limit 100": (
            100,
            lambda: catalogue.find("Dataset", {"limit": 100}, query="SAXS casein"),
        ),
    }
    hand = by_hand(store, onto)
    assert len(catalogue.find("Dataset", TECHNIQUE_AND_PARAMETER)) == len(hand["technique + parameter, limit 100"]())
    print(f"\nqueries on {records:,} datasets, {repeat} runs each, in process (ms)")
    print(f"{'query':<36} {'p50':>7} {'p99':>7} {'target':>7} {'p99/target':>10} {'SQL p50':>8} {'÷ SQL':>6}")
    for query, (target, run) in ours.items():
        p50, p99 = timings(run, repeat)
        sql50, _ = timings(hand[query], repeat)
        print(f"{query:<36} {p50:>7.2f} {p99:>7.2f} {target:>7} {p99 / target:>9.2f}× {sql50:>8.2f} "
              f"{p50 / sql50:>5.1f}×")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--store", metavar="URL", help="also a PostgreSQL store: postgresql://user@host/db")
    parser.add_argument("--postgres", action="store_true", help="also PostgreSQL, on a server started for the run")
    parser.add_argument("--no-sqlite", action="store_true", help="only the PostgreSQL store")
    args = parser.parse_args()
    import panet

    onto = panet.load()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory() as folder:
        half, full = Path(folder) / "half.jsonl", Path(folder) / "records.jsonl"
        write_input(half, args.records // 2)
        write_input(full, args.records)
        stores: list[tuple[Path | str, str]] = []
        if not args.no_sqlite:
            stores.append((Path(folder) / "catalogue.sqlite", "SQLite"))
        with ExitStack() as stack:
            if args.store:
                stores.append((args.store, "PostgreSQL"))
            elif args.postgres:
                from tests.pgserver import running_postgres

                server = stack.enter_context(running_postgres())
                stores.append((server.create(), "PostgreSQL (a server started for the run, fsync off)"))
            for store, name in stores:
                report(store, name, half, full, args.records, args.repeat, onto)


if __name__ == "__main__":
    main()
