"""SHACL validation speed: panet's fast engine vs pyshacl (vs pyshacl-turbo when installed).

One run, ratios printed. Records are schema.org Datasets (about 1 in 10 with a wrong technique:
a specifier, a label instead of an IRI, an unknown ID). Parsing the data is timed apart; every
engine then validates the same rdflib graph. "fast" and "pyshacl" are timed through
`panet.shacl.check` (results, messages and report included, the same work for both; the fast
engine's one-off compilation of the shapes is printed apart, it is cached per shapes graph);
pyshacl-turbo through its own pySHACL-compatible ``validate``.

    python benchmarks/bench_shacl.py                 # 1 000 and 100 000 records
    python benchmarks/bench_shacl.py --sizes 1000 --pyshacl-max 1000

pyshacl takes minutes on 100 000 records; above ``--pyshacl-max`` records it is skipped (the
table says so) unless you raise the limit.
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from datetime import date

import panet
from panet.shacl import check
from panet.shacl.compile import compile_shapes
from panet.shacl.generate import default_shapes, technique_shapes

SCENARIOS = ("technique reference", "dataset profile")


def records(n: int, onto, seed: int = 7) -> str:
    """``n`` schema.org Dataset records as Turtle."""
    rng = random.Random(seed)
    techniques = [t.iri for t in onto.terms("technique")]
    specifiers = [t.iri for t in onto.terms("specifier")]
    lines = [
        "@prefix schema: <http://schema.org/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
    ]
    for i in range(n):
        roll = rng.random()
        if roll < 0.03:
            technique = f"<{rng.choice(specifiers)}>"
        elif roll < 0.06:
            technique = '"SAXS"'
        elif roll < 0.08:
            technique = "<http://purl.org/pan-science/PaNET/PaNET99999>"
        else:
            technique = f"<{rng.choice(techniques)}>"
        licence = '"CC-BY"' if roll > 0.97 else "<https://creativecommons.org/licenses/by/4.0/>"
        lines.append(
            f'<https://example.org/dataset/{i}> a schema:Dataset ; schema:name "dataset {i}" ; '
            f"schema:measurementTechnique {technique} ; schema:license {licence} ; "
            f'schema:dateCreated "2024-05-{1 + i % 28:02d}"^^xsd:date .'
        )
    return "\n".join(lines)


def timed(function, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--pyshacl-max", type=int, default=1000, help="largest size pyshacl runs on")
    args = parser.parse_args()

    from rdflib import Graph

    try:
        import pyshacl_turbo
    except ImportError:
        pyshacl_turbo = None

    onto = panet.load()
    shapes = {
        "technique reference": technique_shapes(onto, individual_properties=(), theme=False),
        "dataset profile": default_shapes(onto),
    }
    machine = platform.processor() or platform.machine()
    print(f"# bench_shacl  {date.today()}  {machine}  Python {platform.python_version()}")
    print(f"# PaNET {onto.version}; pyshacl-turbo {'installed' if pyshacl_turbo else 'not installed'}")
    for scenario, graph in shapes.items():
        copy = Graph()
        copy += graph
        seconds, _ = timed(lambda copy=copy: compile_shapes(copy), 1)
        print(f"# compiling the {scenario} shapes once: {seconds * 1000:.1f}ms (cached afterwards)")
    print(
        f"{'records':>8} {'scenario':<20} {'parse':>8} {'fast':>9} {'pyshacl':>9} {'turbo':>9} "
        f"{'pyshacl/fast':>13} {'turbo/fast':>11} {'ms/1000 fast':>13}"
    )
    for n in args.sizes:
        text = records(n, onto)
        parse_time, data = timed(lambda text=text: Graph().parse(data=text, format="turtle"), 1)
        for scenario in SCENARIOS:
            row = measure(data, shapes[scenario], onto, n, n <= args.pyshacl_max, pyshacl_turbo)
            fast_time = row["fast"]
            cells = [f"{row[name] * 1000:.1f}ms" if row[name] is not None else "skipped" for name in ENGINES]
            ratios = ["-" if row[name] is None else f"{row[name] / fast_time:.1f}x" for name in ENGINES[1:]]
            print(
                f"{n:>8} {scenario:<20} {parse_time * 1000:>6.0f}ms {cells[0]:>9} {cells[1]:>9} {cells[2]:>9} "
                f"{ratios[0]:>13} {ratios[1]:>11} {fast_time * 1000 / (n / 1000):>11.1f}ms"
            )


ENGINES = ("fast", "pyshacl", "turbo")


def measure(data, shapes, onto, n: int, with_pyshacl: bool, pyshacl_turbo) -> dict[str, float | None]:
    """Seconds per engine (None: not run); checks that the engines agree."""
    row: dict[str, float | None] = dict.fromkeys(ENGINES)
    repeat = 5 if n <= 10_000 else 1
    row["fast"], fast = timed(lambda: check(data, shapes, "fast", lambda: onto), repeat)
    assert fast.engine == "fast"
    if with_pyshacl:
        row["pyshacl"], reference = timed(lambda: check(data, shapes, "pyshacl", lambda: onto), 1)
        assert sorted(r.key for r in reference.results) == sorted(r.key for r in fast.results)
    if pyshacl_turbo is not None:
        row["turbo"], (conforms, _, _) = timed(
            lambda: pyshacl_turbo.validate(data, shacl_graph=shapes), 1 if n > 10_000 else 3
        )
        assert conforms == fast.conforms
    return row


if __name__ == "__main__":
    main()
