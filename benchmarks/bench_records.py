"""Benchmark: annotate PaN search API records JSON Lines -> JSON Lines, end to end.

Records of about 1 KB (a title and two documents, a proposal and a publication, with title,
summary and keywords; a parameter; a third carry a technique entry), written to a temporary file;
each run is a fresh ``panet annotate-records`` process, so start-up, reading, annotating, writing
and the final rename are all counted. Prints records/s and the peak RSS of the largest process
(main or worker) for 1 and 2 processes, for two inputs: datasets listed by proposal, 25 sharing
their documents (as catalogue exports are), and the worst case where every text is new.

Limits measured in the same run, so that figures from a busy machine still say something:

* the I/O floor: a ``python`` process that only parses and re-serialises every line with orjson
  (what any JSON Lines -> JSON Lines tool must at least do); "x floor" is panet's time over it;
* ``--reference DIR``: another checkout of panet (e.g. the main branch before a change), run on the
  same input right after each run of this one (interleaved); "vs ref" is its time over this one's
  (above 1: this checkout is faster), and the outputs are compared byte for byte.

"CPU s" is the CPU time of all the run's processes, which other programs on a shared machine
disturb far less than the wall-clock time; "CPU vs ref" compares it. With one process, the CPU
ratio is what a quiet machine's records/s ratio would be. Each figure is the best of ``--repeat`` runs.

``--instructions N`` also counts the instructions one record costs, with valgrind (callgrind),
which no other program disturbs: a one-process run on N and on 2N records of the every-text-new
input; the difference over N leaves start-up out. With ``--reference``, for both checkouts.

    python benchmarks/bench_records.py                 # 200 000 records
    python benchmarks/bench_records.py --records 100000 --repeat 3 --reference /path/to/main
    python benchmarks/bench_records.py --records 1000000 --inputs new
    python benchmarks/bench_records.py --records 0 --instructions 2000 --reference /path/to/main
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAMPLES = ("lysozyme", "LaB6", "perovskite LSMO", "block copolymer film", "micelles in D2O", "trabecular bone",
           "Fe catalyst", "Sr2RuO4", "silica aerogel", "cement paste", "MOF-5", "graphene on SiC")  # fmt: skip
TITLES = (
    "{sample}, scan {n}",
    "SAXS of {sample} at {t} K",
    "Dark current, detector {n}",
    "{sample}: GISAXS during annealing, frame {n}",
    "{sample} small-angle neutron scattering run {n}",
    "x-ray tomography of {sample}, tile {n}",
    "Calibration with LaB6, scan {n}",
    "{sample} EXAFS at the Fe K-edge, sweep {n}",
)
PANET = "http://purl.org/pan-science/PaNET/"
SENTENCES = (
    "We propose to study the aggregation of {sample} by time-resolved small angle x-ray scattering.",
    "Dynamic light scattering will be measured in parallel to follow the early stages.",
    "The thermal expansion of {sample} will be measured from 100 K to 900 K by high-resolution powder diffraction.",
    "Operando measurements will follow the oxidation state and local structure of the iron sites.",
    "Grazing incidence small angle scattering shows the ordering of the domains during solvent vapour annealing.",
    "Neutron reflectometry complements the x-ray data on the buried interfaces.",
    "The results will be compared with density functional theory calculations.",
    "Micro-computed tomography gives the three-dimensional porosity of {sample}.",
    "Commissioning of the new detector: flat fields, dark images and a geometry calibration with a standard.",
)
KEYWORDS = ("proteins", "SAXS", "catalysis", "perovskites", "XAS", "bone", "thin films", "porosity", "SANS", "XRD")
DATASETS_PER_PROPOSAL = 25  # catalogue exports list a proposal's datasets together


def documents(proposal: int, rng: random.Random) -> list[dict]:
    """A proposal and a publication: what every dataset of the proposal shares."""
    sample = rng.choice(SAMPLES)
    summary = " ".join(s.format(sample=sample) for s in rng.sample(SENTENCES, 3)) + f" Proposal {proposal}."
    return [
        {
            "pid": f"10.15151/ESRF-ES-{proposal}",
            "isPublic": True,
            "type": "proposal",
            "title": f"{rng.choice(SENTENCES).format(sample=sample)[:-1]} ({proposal})",
            "summary": summary,
            "keywords": rng.sample(KEYWORDS, 3),
        },
        {
            "pid": f"10.1107/S16005775{proposal:08d}",
            "isPublic": True,
            "type": "publication",
            "title": f"Structure and dynamics of {sample}, part {proposal % 7 + 1}",
            "keywords": rng.sample(KEYWORDS, 2),
        },
    ]


def record(i: int, rng: random.Random, shared: list[dict]) -> dict:
    sample = rng.choice(SAMPLES)
    data = {
        "pid": f"20.500.12269/{i:08d}-{rng.randrange(16**8):08x}",
        "title": rng.choice(TITLES).format(sample=sample, n=i, t=rng.randrange(280, 340)),
        "isPublic": True,
        "creationDate": "2023-05-04T10:11:12.000Z",
        "size": rng.randrange(10**9),
        "documents": shared,
        "parameters": [{"name": "sample_temperature", "value": rng.randrange(300), "unit": "K"}],
        "techniques": [],
    }
    if i % 3 == 0:
        data["techniques"] = [{"pid": PANET + "PaNET01188", "name": "small angle x-ray scattering"}]
    return data


def write_input(path: Path, count: int, shared: int = DATASETS_PER_PROPOSAL) -> int:
    """``count`` records, ``shared`` datasets per proposal (1: every text is new); returns bytes."""
    rng = random.Random(1)
    size = 0
    with open(path, "w") as file:
        for i in range(count):
            if i % shared == 0:
                docs = documents(i // shared, rng)
            line = json.dumps(record(i, rng, docs)) + "\n"
            size += len(line)
            file.write(line)
    return size


_MEASURE = (  # peak RSS of the largest process, and the CPU seconds of all (its workers are its children)
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "used = resource.getrusage(resource.RUSAGE_CHILDREN); print(used.ru_maxrss, used.ru_utime + used.ru_stime)"
)
_FLOOR = (  # the least a JSON Lines -> JSON Lines tool does: parse and serialise every record
    "import orjson, sys\n"
    "with open(sys.argv[1], 'rb') as source, open(sys.argv[2], 'wb') as output:\n"
    "    output.writelines(orjson.dumps(orjson.loads(line)) + b'\\n' for line in source)"
)


NEUTRAL = tempfile.gettempdir()
"""The working directory of every run: ``python -m panet`` imports panet from there first."""


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Seconds, peak RSS (MiB, of the largest process: main or worker) and CPU seconds (of all its
    processes) of one run of ``command``."""
    started = time.perf_counter()
    measured = subprocess.run([sys.executable, "-c", _MEASURE, *command], check=True, capture_output=True, text=True,
                              env=env, cwd=NEUTRAL)  # fmt: skip
    seconds = time.perf_counter() - started
    peak, cpu = measured.stdout.split()[-2:]
    return seconds, int(peak) / 1024, float(cpu)


def panet_command(source: Path, output: Path, processes: int) -> list[str]:
    return [sys.executable, "-m", "panet", "annotate-records", str(source), "-o", str(output), "--format", "pan",
            "--processes", str(processes)]  # fmt: skip


def reference_env(checkout: Path) -> dict[str, str]:
    """The environment that runs ``checkout``'s panet with this interpreter (it comes first on the path)."""
    env = dict(os.environ, PYTHONPATH=str(checkout))
    found = subprocess.run([sys.executable, "-c", "import panet; print(panet.__file__)"], env=env, check=True,
                           capture_output=True, text=True, cwd=NEUTRAL).stdout.strip()  # fmt: skip
    if not Path(found).resolve().is_relative_to(checkout.resolve()):
        raise SystemExit(f"--reference {checkout}: python imports panet from {found} instead")
    return env


def instructions(folder: Path, count: int, env: dict[str, str] | None) -> float:
    """Instructions per record of a one-process run when every text is new (valgrind's callgrind):
    runs on ``count`` and ``2 * count`` records, their difference over ``count``."""
    totals = []
    for records in (count, 2 * count):
        source = folder / f"instructions{records}.jsonl"
        write_input(source, records, 1)
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={folder / 'callgrind.out'}",
                   *panet_command(source, folder / "instructions.out.jsonl", 1)]  # fmt: skip
        run = subprocess.run(command, check=True, capture_output=True, text=True, env=env, cwd=NEUTRAL)
        collected = [line for line in run.stderr.splitlines() if "Collected :" in line]
        totals.append(int(collected[-1].split()[-1]))
    return (totals[1] - totals[0]) / count


def best(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """The fastest run's seconds, the largest peak RSS of all, the least CPU seconds."""
    return min(run[0] for run in runs), max(run[1] for run in runs), min(run[2] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement; the best counts")
    parser.add_argument("--reference", type=Path, help="another panet checkout to compare with, run interleaved")
    parser.add_argument("--inputs", choices=("both", "shared", "new"), default="both")
    parser.add_argument("--instructions", type=int, default=0, metavar="N",
                        help="also count instructions per record with valgrind, on N and 2N records")  # fmt: skip
    args = parser.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    env = reference_env(args.reference) if args.reference else None
    with tempfile.TemporaryDirectory() as folder:
        for environment in (None, env) if env else (None,):  # byte-compiled before anything is timed
            subprocess.run([sys.executable, "-m", "panet", "term", "SAXS"], check=True, stdout=subprocess.DEVNULL,
                           env=environment)  # fmt: skip
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
        if args.instructions:
            mine = instructions(Path(folder), args.instructions, None)
            line = f"\ninstructions per record, every text new, one process (valgrind): {mine:,.0f}"
            if env:
                theirs = instructions(Path(folder), args.instructions, env)
                line += f"; reference {theirs:,.0f} ({theirs / mine:.2f}x this checkout's)"
            print(line)
        inputs = [(DATASETS_PER_PROPOSAL, "shared", "datasets share their proposal's documents"),
                  (1, "new", "every text new")]  # fmt: skip
        for shared, key, what in inputs:
            if args.inputs not in ("both", key) or not args.records:
                continue
            source = Path(folder) / "records.jsonl"
            size = write_input(source, args.records, shared)
            print(f"\n{args.records:,} PaN search API records, {size / args.records:,.0f} bytes each, "
                  f"{size / 2**20:,.0f} MiB; {what}")  # fmt: skip
            floor = best([timed([sys.executable, "-c", _FLOOR, str(source), str(Path(folder) / "floor.jsonl")])
                          for _ in range(args.repeat)])[0]  # fmt: skip
            print(f"I/O floor (orjson parse + serialise, one process): {args.records / floor:,.0f} records/s")
            header = (
                f"{'processes':>9}  {'seconds':>8}  {'records/s':>10}  {'x floor':>7}  {'CPU s':>6}  {'peak MiB':>8}"
            )
            compared = f"  {'ref rec/s':>10}  {'vs ref':>6}  {'CPU vs ref':>10}  {'same bytes':>10}"
            print(header + (compared if env else ""))
            outputs = []
            for processes in (1, 2):
                outputs.append(Path(folder) / f"out{processes}.jsonl")
                reference_output = Path(folder) / f"ref{processes}.jsonl"
                runs, reference_runs = [], []
                for _ in range(args.repeat):
                    runs.append(timed(panet_command(source, outputs[-1], processes)))
                    if env:
                        reference_runs.append(timed(panet_command(source, reference_output, processes), env))
                seconds, peak, cpu = best(runs)
                line = (f"{processes:>9}  {seconds:>8.2f}  {args.records / seconds:>10,.0f}  {seconds / floor:>7.1f}  "
                        f"{cpu:>6.1f}  {peak:>8,.0f}")  # fmt: skip
                if env:
                    reference_seconds, _, reference_cpu = best(reference_runs)
                    same = outputs[-1].read_bytes() == reference_output.read_bytes()
                    line += (f"  {args.records / reference_seconds:>10,.0f}  {reference_seconds / seconds:>6.2f}  "
                             f"{reference_cpu / cpu:>10.2f}  {same!s:>10}")  # fmt: skip
                print(line)
            print(f"outputs of 1 and 2 processes identical: {outputs[0].read_bytes() == outputs[1].read_bytes()}")


if __name__ == "__main__":
    main()
