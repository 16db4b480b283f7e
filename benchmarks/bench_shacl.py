"""SHACL validation end to end, as users run it: ``panet.validate(path)`` against pyshacl and
against the time pyoxigraph needs to parse the same file.

One run, ratios printed. Records are schema.org Datasets written to a Turtle file (about 1 in
10 with a wrong technique: a specifier, a label instead of an IRI, an unknown ID). Every figure
starts from the file on disk:

- ``fast``: ``panet.validate(path, shapes=..., engine="fast")``: pyoxigraph parses the file, the
  fast engine checks its terms, results get their messages (the report is complete);
- ``pyshacl``: what a pyshacl user runs: ``rdflib.Graph().parse(path)`` then
  ``pyshacl.validate(data, shacl_graph=shapes, inference="none")``;
- ``parse``: iterating over every triple ``pyoxigraph.parse(path=path)`` gives (the floor for
  anything that reads the file in Python);
- ``turbo`` (when pyshacl-turbo is installed): rdflib parsing plus its ``validate``.

The shipped ontology and shapes are loaded before timing (as in a loop over files or a
service); the first call in a fresh process, which loads them, is printed apart. Targets:
``pyshacl ÷ fast`` ≥ 200 at 1 000 records, ``fast ÷ parse`` ≤ 10 at 100 000.

    python benchmarks/bench_shacl.py                 # 1 000 and 100 000 records
    python benchmarks/bench_shacl.py --sizes 1000 --pyshacl-max 1000

pyshacl takes minutes on 100 000 records; above ``--pyshacl-max`` records it is skipped (the
table says so) unless you raise the limit.
"""

from __future__ import annotations

import argparse
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import panet
from panet.shacl.generate import default_shapes, technique_shapes

ENGINES = ("fast", "pyshacl", "turbo")


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


def parse_seconds(path: Path, repeat: int) -> float:
    import pyoxigraph

    return timed(lambda: sum(1 for _ in pyoxigraph.parse(path=str(path))), repeat)[0]


def pyshacl_run(path: Path, shapes):
    import pyshacl
    from rdflib import Graph

    shapes_copy = Graph()  # pyshacl adds to the shapes graph it gets
    shapes_copy += shapes
    data = Graph().parse(path, format="turtle")
    return pyshacl.validate(data, shacl_graph=shapes_copy, inference="none", advanced=False)[0]


def turbo_run(path: Path, shapes, turbo):
    from rdflib import Graph

    return turbo.validate(Graph().parse(path, format="turtle"), shacl_graph=shapes)[0]


def first_call_seconds(path: Path) -> float:
    """``panet.validate(path)`` in a fresh process: loading PaNET and the shipped shapes included."""
    code = f"import time; t = time.perf_counter(); import panet; panet.validate({str(path)!r})"
    code += "; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def command_seconds(path: Path, engine: str) -> float:
    """``panet validate FILE --engine ENGINE`` as a whole process (exit status 1: violations)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "panet", "validate", str(path), "--engine", engine], capture_output=True, check=False
    )
    assert done.returncode in (0, 1), done.stderr
    return time.perf_counter() - start


def measure(path: Path, shapes, n: int, with_pyshacl: bool, turbo) -> dict[str, float | None]:
    """Seconds per engine and for parsing (None: not run); checks that the engines agree on
    ``conforms``. Parsing and ``fast`` alternate, so both see the same machine load."""
    row: dict[str, float | None] = dict.fromkeys(("parse", *ENGINES))
    repeat = 7 if n <= 10_000 else 2
    fast = parse = float("inf")
    for _ in range(repeat):
        parse = min(parse, parse_seconds(path, 1))
        seconds, report = timed(lambda: panet.validate(str(path), shapes=shapes), 1)
        fast = min(fast, seconds)
    row["parse"], row["fast"] = parse, fast
    assert report.engine == "fast", report.fallback
    if with_pyshacl:
        row["pyshacl"], conforms = timed(lambda: pyshacl_run(path, shapes), 1)
        assert conforms == report.conforms
    if turbo is not None:
        row["turbo"], conforms = timed(lambda: turbo_run(path, shapes, turbo), 1 if n > 10_000 else 3)
        assert conforms == report.conforms
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--pyshacl-max", type=int, default=1000, help="largest size pyshacl runs on")
    args = parser.parse_args()

    import pyoxigraph
    import pyshacl

    try:
        import pyshacl_turbo as turbo
    except ImportError:
        turbo = None

    from panet.shacl import _ontology

    onto = _ontology(None)  # the ontology panet.validate(path) uses, loaded once
    shapes = {"dataset profile": default_shapes(onto), "technique reference": technique_shapes(onto)}
    machine = platform.processor() or platform.machine()
    print(f"# bench_shacl  {date.today()}  {machine}  Python {platform.python_version()}")
    print(
        f"# PaNET {onto.version}; pyoxigraph {pyoxigraph.__version__}; pyshacl {pyshacl.__version__}; "
        f"pyshacl-turbo {'installed' if turbo else 'not installed'}"
    )
    print(
        f"{'records':>8} {'scenario':<20} {'parse':>9} {'fast':>9} {'pyshacl':>9} {'turbo':>9} "
        f"{'pyshacl/fast':>13} {'turbo/fast':>11} {'fast/parse':>11}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            path = Path(folder) / f"records-{n}.ttl"
            path.write_text(records(n, onto), encoding="utf-8")
            panet.validate(str(path))  # warm: shapes compiled, messages' helpers built
            for scenario, graph in shapes.items():
                row = measure(path, graph, n, n <= args.pyshacl_max, turbo)
                fast, parse = row["fast"], row["parse"]
                cells = [f"{row[name] * 1000:.1f}ms" if row[name] is not None else "skipped" for name in ENGINES]
                ratios = ["-" if row[name] is None else f"{row[name] / fast:.0f}x" for name in ENGINES[1:]]
                print(
                    f"{n:>8} {scenario:<20} {parse * 1000:>7.1f}ms {cells[0]:>9} {cells[1]:>9} {cells[2]:>9} "
                    f"{ratios[0]:>13} {ratios[1]:>11} {fast / parse:>10.1f}x"
                )
            print(f"# {n} records, first panet.validate(path) in a fresh process: {first_call_seconds(path):.2f}s")
            if n <= args.pyshacl_max:
                fast, reference = command_seconds(path, "fast"), command_seconds(path, "pyshacl")
                print(
                    f"# {n} records, `panet validate FILE` as a whole process: {fast:.2f}s; "
                    f"with --engine pyshacl {reference:.2f}s ({reference / fast:.1f}x)"
                )


if __name__ == "__main__":
    main()
