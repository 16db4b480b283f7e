"""Core benchmark: panet vs owlready2, rdflib, pyoxigraph (and oaklib if installed), one run.

    .venv/bin/python benchmarks/bench_core.py [--file ontology/PaNET_reasoned.owl] [--runs 7]

Every tool answers the same questions on the same file; the table prints each tool's median
time and its ratio to panet (how many times slower the peer is). Cold start is import + load in
a fresh interpreter (measured inside it, after one warm-up run that writes bytecode and
caches), so interpreter start-up is not counted for anyone. Peak memory is measured in a fresh
process too. This machine is noisy: compare ratios, not absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NS = "http://purl.org/pan-science/PaNET/"
SAS = NS + "PaNET01124"  # small angle scattering: 21 descendants
XRAY_PROBE = NS + "PaNET01012"  # x-ray probe technique: 94 descendants
LABEL = "Small Angle Scattering"  # case differs from the stored label

# Each snippet runs in a fresh interpreter and prints the time to import + load, in seconds.
COLD_START = {
    "panet": "import panet; onto = panet.load({file!r})",
    "owlready2": "import owlready2; onto = owlready2.World().get_ontology({file!r}).load()",
    "rdflib": "import rdflib; g = rdflib.Graph().parse({file!r})",
    "pyoxigraph": "import pyoxigraph as ox; ox.Store().bulk_load(path={file!r}, format=ox.RdfFormat.RDF_XML)",
    "oaklib": "from oaklib import get_adapter; a = get_adapter('pronto:' + {file!r})",
}
MEMORY = """
import resource, tracemalloc, time
tracemalloc.start()
{load}
current, peak = tracemalloc.get_traced_memory()
print(peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def fresh_python(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed")
    return done.stdout.strip()


def cold_start(tool: str, file: str, runs: int) -> float:
    code = "import time; t = time.perf_counter()\n" + COLD_START[tool].format(file=file)
    code += "\nprint(time.perf_counter() - t)"
    fresh_python(code)  # warm-up: bytecode, panet's index cache
    return statistics.median(float(fresh_python(code)) for _ in range(runs))


def peak_memory(tool: str, file: str) -> tuple[int, int]:
    peak, rss = fresh_python(MEMORY.format(load=COLD_START[tool].format(file=file))).split()
    return int(peak), int(rss)


def per_call(function: Callable[[], object], budget: float = 0.2) -> float:
    """Median seconds per call over 5 repeats of an auto-sized loop."""
    number, elapsed = 1, 0.0
    while elapsed < budget / 5:
        number *= 2
        elapsed = timeit.timeit(function, number=number)
    return statistics.median(timeit.repeat(function, number=number, repeat=5)) / number


# -- each tool's way of answering the questions ------------------------------------------
def panet_ops(file: str) -> dict[str, Callable[[], object]]:
    import panet
    from panet.search import search_index

    onto = panet.load(file)
    memo = search_index(onto).ranked

    def first_time(text: str) -> list:
        memo.clear()  # what a query costs the first time it is asked
        return onto.search(text, limit=None)

    return {
        "label lookup (case-insensitive)": lambda: onto.term(LABEL),
        "IRI -> label": lambda: onto.term(SAS).label,
        "descendants PaNET01124 [21]": lambda: onto.descendants(SAS),
        "descendants PaNET01012 [94]": lambda: onto.descendants(XRAY_PROBE),
        "ancestors PaNET01124": lambda: onto.ancestors(SAS),
        'search "scattering"': lambda: first_time("scattering"),
        'search "saxs"': lambda: first_time("saxs"),
        'search "scattering", asked again': lambda: onto.search("scattering", limit=None),
    }


def owlready2_ops(file: str) -> dict[str, Callable[[], object]]:
    import owlready2

    world = owlready2.World()
    world.get_ontology(file).load()
    sas, probe = world[SAS], world[XRAY_PROBE]
    return {
        "label lookup (case-insensitive)": lambda: world.search_one(label=LABEL, _case_sensitive=False),
        "IRI -> label": lambda: world[SAS].label[0],
        "descendants PaNET01124 [21]": lambda: sas.descendants(include_self=False),
        "descendants PaNET01012 [94]": lambda: probe.descendants(include_self=False),
        "ancestors PaNET01124": lambda: sas.ancestors(include_self=False),
        'search "scattering"': lambda: list(world.search(label="*scattering*", _case_sensitive=False)),
        'search "saxs"': lambda: (
            list(world.search(label="*saxs*", _case_sensitive=False))
            + list(world.search(altLabel="*saxs*", _case_sensitive=False))
        ),
    }


def rdflib_ops(file: str) -> dict[str, Callable[[], object]]:
    import rdflib
    from rdflib import RDFS, URIRef

    graph = rdflib.Graph().parse(file)
    alt = URIRef("http://www.w3.org/2004/02/skos/core#altLabel")
    wanted = LABEL.casefold()

    def search(text: str) -> list:
        return [s for p in (RDFS.label, alt) for s, o in graph.subject_objects(p) if text in str(o).casefold()]

    return {
        "label lookup (case-insensitive)": lambda: next(
            s for s, o in graph.subject_objects(RDFS.label) if str(o).strip().casefold() == wanted
        ),
        "IRI -> label": lambda: graph.value(URIRef(SAS), RDFS.label),
        "descendants PaNET01124 [21]": lambda: set(graph.transitive_subjects(RDFS.subClassOf, URIRef(SAS))),
        "descendants PaNET01012 [94]": lambda: set(graph.transitive_subjects(RDFS.subClassOf, URIRef(XRAY_PROBE))),
        "ancestors PaNET01124": lambda: set(graph.transitive_objects(URIRef(SAS), RDFS.subClassOf)),
        'search "scattering"': lambda: search("scattering"),
        'search "saxs"': lambda: search("saxs"),
    }


def pyoxigraph_ops(file: str) -> dict[str, Callable[[], object]]:
    import pyoxigraph

    store = pyoxigraph.Store()
    store.bulk_load(path=file, format=pyoxigraph.RdfFormat.RDF_XML)
    prefix = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "

    def query(text: str) -> list:
        return list(store.query(prefix + text))

    def search(text: str) -> list:
        return query(f'SELECT ?s WHERE {{ ?s rdfs:label|skos:altLabel ?l FILTER(CONTAINS(LCASE(STR(?l)), "{text}")) }}')

    return {
        "label lookup (case-insensitive)": lambda: query(
            f'SELECT ?s WHERE {{ ?s rdfs:label ?l FILTER(LCASE(STR(?l)) = "{LABEL.casefold()}") }}'
        ),
        "IRI -> label": lambda: query(f"SELECT ?l WHERE {{ <{SAS}> rdfs:label ?l }}"),
        "descendants PaNET01124 [21]": lambda: query(f"SELECT DISTINCT ?s WHERE {{ ?s rdfs:subClassOf+ <{SAS}> }}"),
        "descendants PaNET01012 [94]": lambda: query(
            f"SELECT DISTINCT ?s WHERE {{ ?s rdfs:subClassOf+ <{XRAY_PROBE}> }}"
        ),
        "ancestors PaNET01124": lambda: query(f"SELECT DISTINCT ?a WHERE {{ <{SAS}> rdfs:subClassOf+ ?a }}"),
        'search "scattering"': lambda: search("scattering"),
        'search "saxs"': lambda: search("saxs"),
    }


def oaklib_ops(file: str) -> dict[str, Callable[[], object]]:
    from oaklib import get_adapter
    from oaklib.datamodels.vocabulary import IS_A

    adapter = get_adapter("pronto:" + file)
    curie_sas, curie_probe = "PaNET:PaNET01124", "PaNET:PaNET01012"
    return {
        "label lookup (case-insensitive)": lambda: list(adapter.basic_search(LABEL)),
        "IRI -> label": lambda: adapter.label(curie_sas),
        "descendants PaNET01124 [21]": lambda: list(adapter.descendants(curie_sas, predicates=[IS_A], reflexive=False)),
        "descendants PaNET01012 [94]": lambda: list(
            adapter.descendants(curie_probe, predicates=[IS_A], reflexive=False)
        ),
        "ancestors PaNET01124": lambda: list(adapter.ancestors(curie_sas, predicates=[IS_A], reflexive=False)),
        'search "scattering"': lambda: list(adapter.basic_search("scattering")),
        'search "saxs"': lambda: list(adapter.basic_search("saxs")),
    }


TOOLS = {
    "panet": panet_ops,
    "owlready2": owlready2_ops,
    "rdflib": rdflib_ops,
    "pyoxigraph": pyoxigraph_ops,
    "oaklib": oaklib_ops,
}
TARGETS = {  # issue 3's targets for panet
    "cold start (import + load)": 15e-3,
    "label lookup (case-insensitive)": 1e-6,
    "descendants PaNET01124 [21]": 2e-6,
    "descendants PaNET01012 [94]": 2e-6,
    'search "scattering"': 30e-6,
    'search "saxs"': 30e-6,
    'search "scattering", asked again': 30e-6,
}


def human(seconds: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(ROOT / "ontology" / "PaNET_reasoned.owl"))
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per cold-start figure")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    args = parser.parse_args()
    file = str(Path(args.file).resolve())

    results: dict[str, dict[str, float]] = {}
    memory: dict[str, tuple[int, int]] = {}
    skipped: dict[str, str] = {}
    for tool, make_ops in TOOLS.items():
        try:
            ops = make_ops(file)
        except ImportError as err:
            skipped[tool] = f"not installed ({err.name})"
            continue
        row = {"cold start (import + load)": cold_start(tool, file, args.runs)}
        for name, op in ops.items():
            try:
                row[name] = per_call(op)
            except Exception as err:  # a peer that cannot answer is reported, not fatal
                skipped.setdefault(tool, f"{name}: {type(err).__name__}")
        results[tool] = row
        memory[tool] = peak_memory(tool, file)

    if args.json:
        print(json.dumps({"results": results, "memory": memory, "skipped": skipped}, indent=2))
        return
    peers = [t for t in results if t != "panet"]
    print(f"# bench_core: {Path(file).name}; Python {platform.python_version()}; {platform.machine()}, "
          f"{os.cpu_count()} cores; {platform.platform()}")  # fmt: skip
    print()
    print("| operation | panet | target | " + " | ".join(f"{p} (× panet)" for p in peers) + " |")
    print("|---|---|---|" + "---|" * len(peers))
    for name in results["panet"]:
        ours = results["panet"][name]
        target = TARGETS.get(name)
        mark = "" if target is None else (f"≤ {human(target)} " + ("✓" if ours <= target else "✗"))
        cells = []
        for peer in peers:
            theirs = results[peer].get(name)
            cells.append("n/a" if theirs is None else f"{human(theirs)} ({theirs / ours:.0f}×)")
        print(f"| {name} | {human(ours)} | {mark} | " + " | ".join(cells) + " |")
    print()
    ratio = results["owlready2"]["cold start (import + load)"] / results["panet"]["cold start (import + load)"]
    print(f"cold start: panet is {1 / ratio:.2f}× owlready2's time (target ≤ 0.5×)")
    print("peak memory of load (tracemalloc peak / process max RSS):")
    for tool, (peak, rss) in memory.items():
        print(f"  {tool:<11} {peak / 2**20:7.1f} MiB / {rss / 2**20:7.1f} MiB")
    for tool, why in skipped.items():
        print(f"  {tool}: {why}")


if __name__ == "__main__":
    main()
