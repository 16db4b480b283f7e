"""Annotation benchmark: panet vs oaklib and text2term on the same strings, in one run.

    pip install -e ".[bench]"          # oaklib and text2term (optional peers)
    python benchmarks/bench_annotate.py [--runs 5] [--markdown]

Evaluation sets (benchmarks/data/, see README there):
  * annotate_generated.tsv  spelling variants of every technique label and synonym (made by
                            make_annotate_data.py), each with the term it must find or nothing;
  * annotate_catalogue.tsv  hand-written catalogue strings with the terms a curator would tag;
  * annotate_negatives.txt  sentences that name no technique (every hit is a false positive).

Measured per tool: index build, strings/s on the generated set (one core), hit rate (the
expected term is among the results; for an "expect nothing" row, nothing is found) and top-1
(the first result is the expected term) per variant kind, catalogue recall and precision, and
false positives on the negatives. Peers' results are reduced to PaNET techniques (specifiers
and duplicates dropped) before scoring, which only helps them. A peer that is not installed,
or fails here, is reported as such. This machine is noisy: compare ratios.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
OWL = ROOT / "ontology" / "PaNET_reasoned.owl"
NS = "http://purl.org/pan-science/PaNET/"


def read_sets() -> tuple[list[tuple[str, str, list[str]]], list[tuple[str, list[str]]], list[str]]:
    with (DATA / "annotate_generated.tsv").open(encoding="utf-8") as file:
        generated = [(r["kind"], r["text"], r["expected"].split()) for r in csv.DictReader(file, delimiter="\t")]
    with (DATA / "annotate_catalogue.tsv").open(encoding="utf-8") as file:
        lines = [line for line in file if not line.startswith("#")]
    catalogue = [(r["text"], r["expected"].split()) for r in csv.DictReader(lines, delimiter="\t")]
    negatives = [
        line.rstrip("\n")
        for line in (DATA / "annotate_negatives.txt").open(encoding="utf-8")
        if line.strip() and not line.startswith("#")
    ]
    return generated, catalogue, negatives


def technique_ids(ids: list[str]) -> list[str]:
    """PaNET technique IDs (5 digits), first occurrence only, order kept."""
    return list(dict.fromkeys(i for i in ids if i.startswith("PaNET0") and len(i) == 10))


# -- tools: build() -> annotate(list of texts) -> list of ID lists ---------------------------------
class Panet:
    name = "panet"

    def prepare(self) -> None:
        import panet

        self.onto = panet.load()
        from panet.annotate import annotator_for

        annotator_for(self.onto, {})  # reads the mapping files and release history once (see cold_build)

    def build(self) -> None:
        from panet.annotate import Annotator

        self.annotator = Annotator(self.onto)  # compile the vocabulary from the loaded ontology

    def annotate(self, texts: list[str]) -> list[list[str]]:
        annotate = self.annotator.annotate
        return [[a.term.id for a in annotate(text)] for text in texts]

    def throughput(self, texts: list[str], runs: int) -> float:
        annotate = self.annotator.annotate

        def loop() -> None:
            for text in texts:
                annotate(text)

        return len(texts) / best_time(loop, runs)


class Oaklib:
    name = "oaklib (rdflib adapter)"

    def prepare(self) -> None:
        import oaklib.implementations.sparql.sparql_implementation  # noqa: F401

    def build(self) -> None:
        from oaklib.implementations.sparql.sparql_implementation import SparqlImplementation
        from oaklib.resource import OntologyResource

        self.adapter = SparqlImplementation(OntologyResource(slug=str(OWL), local=True, format="xml"))
        list(self.adapter.annotate_text("warm up: builds the lexical index"))

    def annotate(self, texts: list[str]) -> list[list[str]]:
        found = []
        for text in texts:
            anns = sorted(self.adapter.annotate_text(text), key=lambda a: (a.subject_start, -a.subject_end))
            found.append(technique_ids([a.object_id.rpartition("/")[2] for a in anns]))
        return found

    def throughput(self, texts: list[str], runs: int) -> float:
        annotate_text = self.adapter.annotate_text
        return len(texts) / best_time(lambda: [list(annotate_text(t)) for t in texts], min(runs, 2))


class Text2term:
    name = "text2term (tf-idf)"

    def prepare(self) -> None:
        import text2term

        logging.disable(logging.WARNING)  # text2term logs every call at INFO
        self.text2term = text2term

    def build(self) -> None:
        self.annotate(["warm up"])  # loads the ontology and builds the tf-idf index

    def map(self, texts: list[str]):
        return self.text2term.map_terms(
            texts, str(OWL), base_iris=(NS,), max_mappings=3, incl_unmapped=False, save_mappings=False
        )

    def annotate(self, texts: list[str]) -> list[list[str]]:
        unique = list(dict.fromkeys(texts))
        table = self.map(unique)
        by_text: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for _, row in table.iterrows():
            by_text[row["Source Term"]].append(
                (-float(row["Mapping Score"]), row["Mapped Term IRI"].rpartition("/")[2])
            )
        return [technique_ids([i for _, i in sorted(by_text.get(t, []))]) for t in texts]

    def throughput(self, texts: list[str], runs: int) -> float:
        unique = list(dict.fromkeys(texts))  # text2term maps each distinct string once
        return len(unique) / best_time(lambda: self.map(unique), 1)


def best_time(function: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(max(runs, 1)):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def cold_build() -> float:
    """panet: first annotator in a fresh interpreter, after load (the index cache is warm; the
    mapping files and the release history are read for the first time in that process)."""
    code = (
        "import time, panet; from panet.annotate import annotator_for; onto = panet.load(); "
        "t = time.perf_counter(); annotator_for(onto, {}); "
        "print(time.perf_counter() - t)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    run = [sys.executable, "-c", code]
    subprocess.run(run, capture_output=True, check=True, env=env)  # warm-up: bytecode and caches
    return statistics.median(float(subprocess.run(run, capture_output=True, text=True, check=True, env=env).stdout)
                             for _ in range(3))  # fmt: skip


# -- scoring ---------------------------------------------------------------------------------------
def score(generated, catalogue, negatives, results) -> dict:
    gen, cat, neg = results
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # rows, hits, top-1
    for (kind, _, expected), found in zip(generated, gen, strict=True):
        hit = set(expected) <= set(found) if expected else not found
        top1 = found[:1] == expected[:1]
        for key in (kind, "all generated"):
            kinds[key][0] += 1
            kinds[key][1] += hit
            kinds[key][2] += top1
    recall = sum(set(expected) <= set(found) for (_, expected), found in zip(catalogue, cat, strict=True))
    exact = sum(set(expected) == set(found) for (_, expected), found in zip(catalogue, cat, strict=True))
    tagged = sum(len(found) for found in cat)
    right = sum(len(set(expected) & set(found)) for (_, expected), found in zip(catalogue, cat, strict=True))
    false_positives = sum(bool(found) for found in neg)
    return {
        "kinds": kinds,
        "catalogue recall": recall / len(catalogue),
        "catalogue exact": exact / len(catalogue),
        "catalogue precision": right / tagged if tagged else 0.0,
        "false positives": false_positives,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timing repeats (best is kept)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    generated, catalogue, negatives = read_sets()
    gen_texts = [text for _, text, _ in generated]
    print(f"# panet annotation benchmark, {time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}")  # fmt: skip
    print(f"# {len(generated)} generated variants, {len(catalogue)} catalogue strings, {len(negatives)} negatives")
    rows: dict[str, dict] = {}
    for tool in (Panet(), Oaklib(), Text2term()):
        try:
            tool.prepare()
            build = best_time(tool.build, 10 if isinstance(tool, Panet) else 3)  # peers take seconds
            results = (tool.annotate(gen_texts), tool.annotate([t for t, _ in catalogue]), tool.annotate(negatives))
            speed = tool.throughput(gen_texts, args.runs)
        except ImportError as err:
            print(f"# {tool.name}: not installed ({err.name}); pip install -e '.[bench]'")
            continue
        except Exception as err:  # a peer failing here is a result, reported as such
            print(f"# {tool.name}: failed here: {type(err).__name__}: {err}")
            continue
        rows[tool.name] = {"build": build, "speed": speed, **score(generated, catalogue, negatives, results)}
    if "panet" in rows:
        print(
            f"# panet first annotator in a fresh process (reads mapping files, release history): {cold_build():.3f} s"
        )
    report(rows)
    return 0


def report(rows: dict[str, dict]) -> None:
    names = list(rows)
    ours = rows.get("panet")
    print("\n| | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))

    def line(title: str, cell: Callable[[dict], str]) -> None:
        print(f"| {title} | " + " | ".join(cell(rows[n]) for n in names) + " |")

    line("index build (s)", lambda r: f"{r['build']:.3f}")
    line("strings/s, one core", lambda r: f"{r['speed']:,.0f}")
    line("hit rate, generated", lambda r: pct(r["kinds"]["all generated"], 1))
    line("top-1, generated", lambda r: pct(r["kinds"]["all generated"], 2))
    line("catalogue recall", lambda r: f"{r['catalogue recall']:.1%}")
    line("catalogue exact set", lambda r: f"{r['catalogue exact']:.1%}")
    line("catalogue precision", lambda r: f"{r['catalogue precision']:.1%}")
    line("false positives / negatives", lambda r: str(r["false positives"]))
    if ours is not None:
        for name in names[1:]:
            print(f"# {name}: panet is {ours['speed'] / rows[name]['speed']:.0f}× faster, "
                  f"builds {rows[name]['build'] / ours['build']:.0f}× faster")  # fmt: skip
    print("\nhit / top-1 per variant kind\n")
    print("| variant kind | rows | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for kind in sorted(k for k in ours["kinds"] if k != "all generated") if ours else []:
        cells = [f"{pct(rows[n]['kinds'][kind], 1)} / {pct(rows[n]['kinds'][kind], 2)}" for n in names]
        print(f"| {kind} | {ours['kinds'][kind][0]} | " + " | ".join(cells) + " |")


def pct(counts: list[int], index: int) -> str:
    return f"{counts[index] / counts[0]:.1%}" if counts[0] else "-"


if __name__ == "__main__":
    sys.exit(main())
