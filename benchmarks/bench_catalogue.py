"""Benchmark: the PaN search API over a catalogue store (`panet.catalogue`).

1. Build: PaN search API records (benchmarks/bench_records.py's generator: ~1 KB each, 25 datasets
   per proposal sharing its documents) from JSON Lines into a new SQLite store, annotation
   included, as a fresh process (start-up, reading, annotating, writing, indexing, the final
   rename), with 1 and 2 processes (``--processes``). Reported as records/s against the target of
   20 000 records/s, the CPU seconds of all its processes (the machine may be shared: wall-clock
   rates then say more about the neighbours than about panet) and of the writing process alone
   (with workers, the bottleneck when it is busier than one of them), and the peak RSS of the largest
   process for N/2 and N records (constant memory: the two should be close). Floors measured in
   the same run on the same files: reading and parsing the JSON Lines (orjson, one process: what
   any build must do), and annotating them alone (``panet annotate-records``, JSON Lines out, with
   the same number of processes); "× read" and "× annotate" are the build's time over theirs.
   With ``--store postgresql`` (a throw-away server started for the run, as the tests start one)
   or ``--store postgresql://…`` (an empty database: the build replaces its schema
   panet_catalogue), the same builds into PostgreSQL, then the target queries on the N-record
   stores of both, side by side, each against its own hand-written SQL.
2. Queries on a store of ``--datasets`` generated datasets (default 1 000 000; generated data,
   made once and kept under the temporary folder between runs, keyed by size and store schema),
   in process, each repeated: a technique condition with hierarchy expansion plus a parameter
   condition in another unit, limit 100; counts; free text (`FREE_TEXT`: a common word, a
   technique synonym, two common words, two words one rare, with a where); and every example
   query of the PaN search API specification. Each is reported as p50/p99 against its target and
   against the limit, measured in the same run on the same store:
   - for the target queries, the same question written by hand in SQL for this store
     (`by_hand`: the answer rows, the includes' rows, no filter handling); for free text, by hand
     in SQLite's FTS5 (`fts5_peer`: an FTS5 table of the same rows' word counts, kept next to the
     store, ranked by its ``bm25()``, page and documents read), the index panet used before;
   - for the specification's examples, the SQL panet generates for them, replayed bare (what is
     left when the filter handling and JSON are taken away).
   The ratio to the limit is of CPU time (this thread's), which a busy machine disturbs least.

    python benchmarks/bench_catalogue.py                               # 200 000 records, 1 000 000 datasets
    python benchmarks/bench_catalogue.py --records 100000 --datasets 100000
    python benchmarks/bench_catalogue.py --records 100000 --datasets 0 --store postgresql
    python benchmarks/bench_catalogue.py --records 1000000 --once --datasets 0    # builds of 1 000 000 only
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from bench_records import write_input

BUILD_TARGET = 20_000  # records/s
_BUILD = (
    "import resource, sys, time; from panet.catalogue import build; t = time.perf_counter(); "
    "build([sys.argv[1]], sys.argv[2], rebuild=True, processes=int(sys.argv[3])); "
    "me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)); "
    "print(me.ru_utime + me.ru_stime); "  # the writing process alone: the bottleneck when it is busier than a worker
    "print(time.perf_counter() - t, me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, "
    "max(me.ru_maxrss, kids.ru_maxrss))"
)
_READ = (  # the floor: read and parse every record (what any build from JSON Lines does)
    "import orjson, resource, sys, time; t = time.perf_counter(); n = 0\n"
    "with open(sys.argv[1], 'rb') as source:\n"
    "    for line in source: n += len(orjson.loads(line))\n"
    "me = resource.getrusage(resource.RUSAGE_SELF)\n"
    "print(time.perf_counter() - t, me.ru_utime + me.ru_stime, me.ru_maxrss)"
)
_ANNOTATE = (  # the floor: annotating the same records alone (panet annotate-records), CPU of all processes
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "used = resource.getrusage(resource.RUSAGE_CHILDREN); print(0, used.ru_utime + used.ru_stime, used.ru_maxrss)"
)
SPEC = Path(__file__).parents[1] / "tests" / "data" / "pan-search-api"

TECHNIQUE_AND_PARAMETER = {
    "include": [
        {"relation": "techniques", "scope": {"where": {"name": "small angle scattering"}}},
        {"relation": "parameters", "scope": {"where": {"and": [
            {"name": "sample_temperature"}, {"value": {"gt": 0}}, {"unit": "celsius"}]}}},
    ],
    "limit": 100,
}  # fmt: skip
SAS = "PaNET01124"  # small angle scattering
FREE_TEXT = [
    ("one common word", "scattering", None),
    ("a technique synonym", "SAXS", None),
    ("SAXS casein (casein: no row)", "SAXS casein", None),
    ("two common words", "neutron diffraction", None),
    ("two words, one rare", "tomography 777777", None),
    ("a where of ~1/12 of the rows", "SAXS", "lysozyme"),
    ("a where of 50 pids", "SAXS", "pids"),
]
"""(name, free text, where) of the free-text queries, limit 100; where "lysozyme": the title has
it; "pids": one of 50 datasets' pids."""


def build_run(source: Path, store: Path | str, processes: int) -> tuple[float, float, float, float]:
    """Wall seconds of the whole process, CPU seconds of it and its workers, peak RSS in MiB, and
    CPU seconds of the writing process alone."""
    whole, out = _output([sys.executable, "-c", _BUILD, str(source), str(store), str(processes)])
    writer, _, cpu, rss = out[-4:]
    return whole, float(cpu), int(rss) / 1024, float(writer)


Floors = dict[str, tuple[float, float, float]]
"""Wall seconds, CPU seconds and peak RSS of each floor: ``read``, ``annotate 1``, ``annotate 2``."""


def _run(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of a fresh process printing ``_ cpu rss``."""
    whole, out = _output(command)
    _, cpu, rss = out[-3:]
    return whole, float(cpu), int(rss) / 1024


def _output(command: list[str]) -> tuple[float, list[bytes]]:
    """Wall seconds of a fresh process, and the words it printed."""
    started = time.perf_counter()
    out = subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started, out.stdout.split()


def floors(source: Path, folder: Path) -> Floors:
    """The floors of a build of ``source``: reading and parsing it; annotating it alone (1 and 2 processes)."""
    found = {"read": _run([sys.executable, "-c", _READ, str(source)])}
    for processes in (1, 2):
        annotate = [sys.executable, "-m", "panet", "annotate-records", str(source), "-o", str(folder / "out.jsonl"),
                    "--format", "pan", "--processes", str(processes)]  # fmt: skip
        found[f"annotate {processes}"] = _run([sys.executable, "-c", _ANNOTATE, *annotate])
    return found


def build_table(name: str, store: Path | str, inputs: list[tuple[Path, int, Floors]]) -> None:
    """Build ``store`` from each input with 1 and 2 processes; rates against the target and the floors."""
    print(f"\nbuild into {name}; floors measured in this run on the same files")
    print(f"{'records':>9} {'processes':>9} {'wall s':>7} {'records/s':>9} {'/ target':>8} {'CPU s':>7} "
          f"{'records/CPU s':>13} {'peak RSS MiB':>12} {'read s':>7} {'× read':>7} {'annotate s':>10} "
          f"{'× annotate':>10} {'CPU × annotate':>14} {'writer CPU s':>12}")  # fmt: skip
    for source, count, floor in inputs:
        read = floor["read"][0]
        for processes in (1, 2):
            whole, cpu, rss, writer = build_run(source, store, processes)
            annotate, annotate_cpu, _ = floor[f"annotate {processes}"]
            rate = count / whole
            print(f"{count:>9,} {processes:>9} {whole:>7.1f} {rate:>9,.0f} {rate / BUILD_TARGET:>7.2f}× {cpu:>7.1f} "
                  f"{count / cpu:>13,.0f} {rss:>12,.0f} {read:>7.1f} {whole / read:>6.1f}× {annotate:>10.1f} "
                  f"{whole / annotate:>9.2f}× {cpu / annotate_cpu:>13.2f}× {writer:>12.1f}")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.1f} after the builds")


def timings(function: Callable[[], object], repeat: int, budget: float) -> tuple[float, float, float, int]:
    """p50 and p99 in milliseconds, the p50 of this thread's CPU time (what the query costs, whatever
    the neighbours on the machine take), and the runs made (``repeat``, fewer once ``budget``
    seconds are spent)."""
    function()  # warm
    times: list[float] = []
    cpu: list[float] = []
    spent = time.perf_counter() + budget
    while len(times) < repeat and (len(times) < 3 or time.perf_counter() < spent):
        started, used = time.perf_counter(), time.thread_time()
        function()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - used) * 1000)
    times.sort()
    return (
        statistics.median(times),
        times[min(len(times) - 1, int(len(times) * 0.99))],
        statistics.median(cpu),
        len(times),
    )


def by_hand(store: Path, onto) -> dict[str, Callable[[], object]]:
    """The target questions in SQL written for this store and these data: the rows of the answer
    and of its includes, no filter handling, no JSON."""
    db = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)
    expansion = json.dumps(sorted(t.iri for t in onto.descendants(SAS, include_self=True)))
    kelvin = 273.15

    def technique_and_parameter():
        techniques = json.dumps([n for (n,) in db.execute(
            "SELECT n FROM technique WHERE panet IN (SELECT value FROM json_each(?))", (expansion,))])  # fmt: skip
        page = db.execute(
            "SELECT d.n, d.doc, (SELECT id FROM instrument WHERE n = d.instrument) FROM dataset d "
            "WHERE EXISTS (SELECT 1 FROM dataset_technique l WHERE l.dataset = d.n "
            "AND l.technique IN (SELECT value FROM json_each(?1))) "
            "AND EXISTS (SELECT 1 FROM parameter p WHERE p.dataset = d.n AND p.name = 'sample_temperature' "
            "AND p.si_unit = 'kelvin' AND p.si > ?2) ORDER BY d.id LIMIT 100",
            (techniques, kelvin),
        ).fetchall()
        numbers = json.dumps([row[0] for row in page])
        included = db.execute(
            "SELECT l.dataset, t.doc FROM dataset_technique l JOIN technique t ON t.n = l.technique "
            "WHERE l.dataset IN (SELECT value FROM json_each(?1)) AND l.technique IN (SELECT value FROM json_each(?2))",
            (numbers, techniques),
        ).fetchall()
        included += db.execute(
            "SELECT p.dataset, p.doc FROM parameter p WHERE p.dataset IN (SELECT value FROM json_each(?1)) "
            "AND p.name = 'sample_temperature' AND p.si_unit = 'kelvin' AND p.si > ?2",
            (numbers, kelvin),
        ).fetchall()
        return page, included

    return {
        "technique + parameter, limit 100": technique_and_parameter,
        "count, no where": lambda: db.execute("SELECT count(*) FROM dataset").fetchone(),
        "count, isPublic": lambda: db.execute(
            "SELECT count(*) FROM dataset WHERE json_extract(doc, '$.isPublic') = 1"
        ).fetchone(),
    }


def fts5_peer(store: Path, pids: list[str]) -> dict[str, Callable[[], object]]:
    """The `FREE_TEXT` queries by hand in FTS5: a table of each dataset's words, each repeated
    as often as the text index counts it (a title's words twice), made once next to the store;
    the page ranked by FTS5's ``bm25()`` (its k1 and b are panet's), then the datasets read."""
    from panet.catalogue.text_index import words

    peer = store.with_name(store.stem + "-fts5.sqlite")
    if not peer.exists():
        started = time.perf_counter()
        source = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)
        part = peer.with_name(peer.name + ".part")
        part.unlink(missing_ok=True)
        db = sqlite3.connect(part)
        db.execute("CREATE VIRTUAL TABLE text USING fts5(words, tokenize = 'unicode61 remove_diacritics 2')")
        rows = source.execute("SELECT n, words FROM dataset_forward ORDER BY n")
        while batch := rows.fetchmany(10_000):
            db.executemany("INSERT INTO text(rowid, words) VALUES (?, ?)", [
                (n, " ".join(" ".join([w] * (v >> 4)) for w, v in json.loads(packed).items())) for n, packed in batch
            ])  # fmt: skip
        db.commit()
        db.close()
        os.replace(part, peer)
        print(f"(made the FTS5 peer of the store in {time.perf_counter() - started:,.0f} s: {peer})")
    db = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)
    db.execute("ATTACH ? AS peer", (f"{peer.resolve().as_uri()}?mode=ro",))
    wheres = {
        "pids": ("d.id IN (SELECT value FROM json_each(?))", [json.dumps(pids)]),
        None: ("TRUE", []),
        "lysozyme": ("json_extract(d.doc, '$.title') LIKE '%lysozyme%'", []),  # LIKE ignores case, as panet's
    }

    def query(text: str, where: tuple[str, list]) -> Callable[[], object]:
        match = " OR ".join(f'"{w}"' for w in dict.fromkeys(words(text)))
        sql = (
            "SELECT d.n, d.doc, -s FROM (SELECT w.rowid AS r, bm25(text) AS s FROM peer.text w "
            f"JOIN dataset d ON d.n = w.rowid WHERE text MATCH ? AND {where[0]} ORDER BY s, w.rowid LIMIT 100) "
            "JOIN dataset d ON d.n = r ORDER BY s"
        )
        return lambda: db.execute(sql, [match, *where[1]]).fetchall()

    return {f"free text: {name}": query(text, wheres[where]) for name, text, where in FREE_TEXT}


def by_hand_postgres(url: str, onto) -> dict[str, Callable[[], object]]:
    """`by_hand` in PostgreSQL's SQL, on a read-only connection."""
    import psycopg

    db = psycopg.connect(url, autocommit=True)
    db.execute("SET default_transaction_read_only = on")
    db.execute("SET search_path TO panet_catalogue")
    expansion = sorted(t.iri for t in onto.descendants(SAS, include_self=True))

    def technique_and_parameter():
        page = db.execute(
            "SELECT d.n, d.doc::text, (SELECT id FROM instrument WHERE n = d.instrument) FROM dataset d "
            "WHERE EXISTS (SELECT 1 FROM dataset_technique l JOIN technique t ON t.n = l.technique "
            "WHERE l.dataset = d.n AND t.panet = ANY(%s)) AND EXISTS (SELECT 1 FROM parameter p "
            "WHERE p.dataset = d.n AND p.name = 'sample_temperature' AND p.si_unit = 'kelvin' AND p.si > %s) "
            "ORDER BY d.id LIMIT 100",
            (expansion, 273.15),
        ).fetchall()
        numbers = [row[0] for row in page]
        included = db.execute(
            "SELECT l.dataset, t.doc::text FROM dataset_technique l JOIN technique t ON t.n = l.technique "
            "WHERE l.dataset = ANY(%s) AND t.panet = ANY(%s)",
            (numbers, expansion),
        ).fetchall()
        included += db.execute(
            "SELECT p.dataset, p.doc::text FROM parameter p WHERE p.dataset = ANY(%s) "
            "AND p.name = 'sample_temperature' AND p.si_unit = 'kelvin' AND p.si > %s",
            (numbers, 273.15),
        ).fetchall()
        return page, included

    return {
        "technique + parameter, limit 100": technique_and_parameter,
        "count, no where": lambda: db.execute("SELECT count(*) FROM dataset").fetchone(),
        "count, isPublic": lambda: db.execute(
            "SELECT count(*) FROM dataset WHERE doc -> 'isPublic' = 'true'::jsonb"
        ).fetchone(),
    }


def targets(catalogue) -> dict[str, tuple[int | None, Callable[[], object]]]:
    """The four target queries: (target ms, the call)."""
    return {
        "technique + parameter, limit 100": (50, lambda: catalogue.find("Dataset", TECHNIQUE_AND_PARAMETER)),
        "count, no where": (20, lambda: catalogue.count("Dataset")),
        "count, isPublic": (20, lambda: catalogue.count("Dataset", {"isPublic": True})),
        "free text 'SAXS casein', limit 100": (
            100,
            lambda: catalogue.find("Dataset", {"limit": 100}, query="SAXS casein"),
        ),
    }


def side_by_side(stores: list[tuple[str, Path | str]], records: int, onto, repeat: int, budget: float) -> None:
    """The target queries on each store built from the same records, each against its hand-written SQL
    (free text has none: both stores rank with panet's own index, `panet.catalogue.text_index`)."""
    from panet.catalogue import Catalogue

    print(f"\nqueries on the {records:,}-record stores, in process (ms); limit: the same question in SQL by hand")
    print(f"{'query':<36} {'store':<10} {'p50':>8} {'p99':>8} {'CPU p50':>8} {'limit p50':>9} {'limit CPU':>9} "
          f"{'÷ limit':>7}")  # fmt: skip
    measured = []
    for name, store in stores:
        catalogue = Catalogue(store, onto, timeout=600)
        limits = by_hand_postgres(store, onto) if isinstance(store, str) else by_hand(store, onto)
        found = catalogue.find("Dataset", TECHNIQUE_AND_PARAMETER)
        hand = limits["technique + parameter, limit 100"]()
        assert [d["pid"] for d in found] == [json.loads(doc)["pid"] for _, doc, _ in hand[0]], name
        for query, (_, run) in targets(catalogue).items():
            p50, p99, cpu50, _ = timings(run, repeat, budget)
            limit50, _, limit_cpu, _ = timings(limits[query], repeat, budget) if query in limits else (0, 0, 0, 0)
            measured.append((query, name, p50, p99, cpu50, limit50, limit_cpu))
    for query, name, p50, p99, cpu50, limit50, limit_cpu in sorted(measured, key=lambda m: m[0]):
        print(f"{query[:36]:<36} {name:<10} {p50:>8.2f} {p99:>8.2f} {cpu50:>8.2f} {limit50:>9.2f} {limit_cpu:>9.2f} "
              f"{p50 / max(limit50, 1e-3):>6.2f}×")  # fmt: skip


def examples() -> list[tuple[str, str, dict]]:
    """(model, title, filter) of each example query of the specification's pages."""
    found = []
    for page in ("dataset", "document", "instrument"):
        text = (SPEC / f"{page}-example-queries.md").read_text()
        for section in re.split(r"\n### ", text)[1:]:
            blocks = re.findall(r"```json\n(.*?)```", section, re.S)
            if len(blocks) == 2:
                found.append((page.capitalize(), section.splitlines()[0], json.loads(blocks[0])))
    return found


def replayed(catalogue, call: Callable[[], object]) -> Callable[[], object]:
    """The SQL statements ``call`` makes, replayed bare on a connection of the same store."""
    statements: list[tuple[str, list]] = []
    run = catalogue._run
    catalogue._run = lambda sql, values: statements.append((sql, list(values))) or run(sql, values)
    try:
        call()
    finally:
        catalogue._run = run
    db = sqlite3.connect(f"{catalogue.path.resolve().as_uri()}?mode=ro", uri=True)
    return lambda: [db.execute(sql, values).fetchall() for sql, values in statements]


def store_of(datasets: int, folder: Path) -> Path:
    """A store of ``datasets`` generated datasets, kept in ``folder`` between runs."""
    from panet.catalogue.store import QUERY_INDEXES, SCHEMA
    from panet.catalogue.text_index import SCHEMA as TEXT_SCHEMA

    key = hashlib.sha256((SCHEMA + QUERY_INDEXES + TEXT_SCHEMA["sqlite"]).encode()).hexdigest()[:8]
    store = folder / f"catalogue-{datasets}-{key}.sqlite"
    if not store.exists():
        source = folder / f"records-{datasets}.jsonl"
        if not source.exists():
            write_input(source, datasets)
        whole, cpu, rss, _ = build_run(source, store, 2)
        print(f"(built the {datasets:,}-dataset store: {whole:,.0f} s, {cpu:,.0f} CPU s, peak RSS {rss:,.0f} MiB; "
              f"kept as {store})")  # fmt: skip
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000, help="records of the build runs (0: none)")
    parser.add_argument("--once", action="store_true", help="build from --records records only (not from half too)")
    parser.add_argument("--datasets", type=int, default=1_000_000, help="datasets in the store queried (0: none)")
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds at most per query (at least 3 runs)")
    parser.add_argument("--keep", type=Path, default=Path(tempfile.gettempdir()) / "panet-bench-catalogue")
    parser.add_argument("--store", default="sqlite",
                        help="also build into PostgreSQL: 'postgresql' (a server started for the run) or a "
                             "postgresql:// URL of an empty database")  # fmt: skip
    args = parser.parse_args()
    import panet
    from panet.catalogue import Catalogue

    onto = panet.load()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    if args.records:
        with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
            sizes = [args.records] if args.once else [args.records // 2, args.records]
            inputs = []
            for count in sizes:
                source = Path(folder) / f"records-{count}.jsonl"
                write_input(source, count)
                inputs.append((source, count, floors(source, Path(folder))))
            stores: list[tuple[str, Path | str]] = [("SQLite", Path(folder) / "catalogue.sqlite")]
            if args.store == "postgresql":
                sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
                from pgserver import running_postgres

                stores.append(("PostgreSQL", stack.enter_context(running_postgres()).create()))
                print("PostgreSQL: a server started for the run (fsync off), as the tests start one")
            elif args.store != "sqlite":
                stores.append(("PostgreSQL", args.store))
            for name, store in stores:
                build_table(name, store, inputs)
            if len(stores) > 1:
                side_by_side(stores, args.records, onto, args.repeat, args.budget)

    if not args.datasets:
        return
    args.keep.mkdir(exist_ok=True)
    store = store_of(args.datasets, args.keep)
    catalogue = Catalogue(store, onto, timeout=600)
    ours: dict[str, tuple[int | None, Callable[[], object]]] = {
        "technique + parameter, limit 100": (50, lambda: catalogue.find("Dataset", TECHNIQUE_AND_PARAMETER)),
        "count, no where": (20, lambda: catalogue.count("Dataset")),
        "count, isPublic": (20, lambda: catalogue.count("Dataset", {"isPublic": True})),
    }
    pids = [pid for (pid,) in sqlite3.connect(store).execute("SELECT id FROM dataset WHERE n % 20000 = 7 LIMIT 50")]
    wheres = {None: {}, "lysozyme": {"title": {"like": "%lysozyme%"}}, "pids": {"pid": {"inq": pids}}}
    for name, text, where in FREE_TEXT:
        spec = {"limit": 100, **({"where": wheres[where]} if where else {})}
        ours[f"free text: {name}"] = (100, functools.partial(catalogue.find, "Dataset", spec, query=text))
    limits = {**by_hand(store, onto), **fts5_peer(store, pids)}
    found, hand = catalogue.find("Dataset", TECHNIQUE_AND_PARAMETER), limits["technique + parameter, limit 100"]()
    assert [d["pid"] for d in found] == [json.loads(doc)["pid"] for _, doc, _ in hand[0]]
    for model, title, spec in examples():
        call = functools.partial(catalogue.find, model, spec)
        ours[f"{model}: {title}"] = (None, call)
        limits[f"{model}: {title}"] = replayed(catalogue, call)

    print(f"\nqueries on {args.datasets:,} datasets, in process (ms); limit: SQL by hand (targets; FTS5: free text) "
          f"or panet's SQL replayed bare (the specification's examples)")  # fmt: skip
    print(f"{'query':<62} {'runs':>4} {'p50':>8} {'p99':>8} {'target':>6} {'p99/target':>10} {'CPU p50':>8} "
          f"{'limit p50':>9} {'limit CPU':>9} {'÷ limit':>7}")  # fmt: skip
    for name, (target, run) in ours.items():
        p50, p99, cpu50, runs = timings(run, args.repeat, args.budget)
        limit50, _, limit_cpu, _ = timings(limits[name], args.repeat, args.budget)
        versus = f"{p99 / target:>9.2f}×" if target else f"{'':>10}"
        print(f"{name[:62]:<62} {runs:>4} {p50:>8.2f} {p99:>8.2f} {target or '':>6} {versus} {cpu50:>8.2f} "
              f"{limit50:>9.2f} {limit_cpu:>9.2f} {cpu50 / max(limit_cpu, 1e-3):>6.2f}×")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
