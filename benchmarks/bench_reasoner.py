"""Reasoner benchmark: panet's pure-Python EL classifier vs HermiT (owlready2, Java), one run.

    .venv/bin/python benchmarks/bench_reasoner.py [--csv ontology/PaNET.csv] [--runs 7]

Both classify the same told axioms: those of the ROBOT template, which panet writes to an
OWL file for HermiT (no inferred edge in it). HermiT's time is owlready2's load plus
``sync_reasoner_hermit`` (JVM start included, as a user pays it); panet's is the classifier
alone, and then template parsing plus classifying. Each tool's median of ``--runs`` runs;
the ratio says how many times slower HermiT is. Both results are compared pair by pair.
This machine is noisy: compare ratios, not absolute numbers.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_time(work, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def hermit_pairs(path: Path) -> tuple[set, set]:
    import owlready2

    world = owlready2.World()
    ontology = world.get_ontology(path.as_uri()).load()
    with ontology:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    pairs, equivalent = set(), set()
    for cls in world.classes():  # is_a hangs on one member of an equivalence set: union the set
        group = {cls, *(e for e in cls.equivalent_to if isinstance(e, owlready2.ThingClass))}
        equivalent |= {frozenset((cls.iri, other.iri)) for other in group if other is not cls}
        above = {a for member in group for a in member.ancestors() if a is not owlready2.Thing}
        pairs |= {(cls.iri, a.iri) for a in above - group}
    return pairs, equivalent


def main() -> None:
    from panet.formats import parse, rdf
    from panet.reasoner import classify

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=ROOT / "ontology" / "PaNET.csv")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    content = args.csv.read_bytes()
    data = parse(args.csv, content)
    rows = []
    classify_time, ours = median_time(lambda: classify(data.axioms), args.runs)
    rows.append(("panet EL classifier (told axioms)", classify_time))
    total, _ = median_time(lambda: classify(parse(args.csv, content).axioms), args.runs)
    rows.append(("panet template parse + classify", total))
    print(f"# {args.csv.name}: {len(data.terms)} classes, {len(data.axioms)} told axioms")
    print(f"# {time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, {platform.machine()}, {platform.node()}")
    print(f"# panet: {len(ours.strict_pairs())} strict subsumption pairs, {len(ours.equivalent_pairs())} equivalences")

    if shutil.which("java") is None:
        print("# HermiT skipped: no java on PATH (apt install openjdk-17-jre-headless)")
    else:
        with tempfile.TemporaryDirectory() as folder:
            told = Path(folder) / "told.owl"
            rdf.write(data, None, told, "xml")
            hermit_time, (pairs, equivalent) = median_time(lambda: hermit_pairs(told), max(3, args.runs // 2))
        rows.append(("HermiT via owlready2 (JVM start included)", hermit_time))
        same = pairs == ours.strict_pairs() and equivalent == ours.equivalent_pairs()
        print(f"# HermiT: {len(pairs)} pairs, {len(equivalent)} equivalences; same result as panet: {same}")

    print(f"\n| {'tool':<44} | {'median':>10} | {'× panet classifier':>18} |")
    print(f"|{'-' * 46}|{'-' * 12}|{'-' * 20}|")
    for name, seconds in rows:
        print(f"| {name:<44} | {seconds * 1000:>7.1f} ms | {seconds / classify_time:>17.1f}× |")


if __name__ == "__main__":
    main()
