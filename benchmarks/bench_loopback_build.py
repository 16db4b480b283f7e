"""Benchmark: reading a LoopBack database file (``db.json``, the PaN search API reference
implementation's memory store) into catalogue objects, as `panet catalogue build` does.

A file of ``--datasets`` generated datasets is written once (25 datasets per proposal document,
each dataset with a document link, one or two techniques, a sample, three parameters and two
files; two members per document), then read in fresh processes, each the best of ``--repeat``:

* the limit: ``json.load`` of the file, and ``json.load`` plus parsing every object's JSON text
  (a LoopBack file keeps each object as a JSON string: any reader must do both);
* this checkout: ``panet.catalogue.build.read_objects`` consumed to the end (reading, indexing
  the link, parameter, file and member tables by owner, assembling every dataset);
* ``--reference DIR``: the same with another checkout of panet (e.g. the main branch before a
  change), on the same file in the same run;
* ``--build``: also ``panet catalogue build FILE -o STORE`` end to end (annotation and writing
  included) with this checkout.

Times are CPU seconds of the reading process (the machine may be shared); wall-clock alongside.

    python benchmarks/bench_loopback_build.py                          # 20 000 datasets
    python benchmarks/bench_loopback_build.py --datasets 5000 --reference /work/main --build
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).parents[1]
TECHNIQUES = ("small angle x-ray scattering", "x-ray absorption", "neutron diffraction", "x-ray tomography")
_READ = (
    "import json, resource, sys, time\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "from panet.catalogue.build import read_objects\n"
    "from pathlib import Path\n"
    "t = time.perf_counter()\n"
    "if sys.argv[3] == 'load':\n"
    "    n = len(json.load(open(sys.argv[2], encoding='utf-8'))['models'])\n"
    "elif sys.argv[3] == 'parse':\n"
    "    models = json.load(open(sys.argv[2], encoding='utf-8'))['models']\n"
    "    n = sum(1 for rows in models.values() for text in rows.values() if json.loads(text))\n"
    "else:\n"
    "    n = sum(1 for _ in read_objects(Path(sys.argv[2]), 'loopback', []))\n"
    "me = resource.getrusage(resource.RUSAGE_SELF)\n"
    "print(time.perf_counter() - t, me.ru_utime + me.ru_stime, me.ru_maxrss, n)\n"
)


def write_loopback(path: Path, datasets: int) -> None:
    """A LoopBack database file of ``datasets`` datasets (deterministic)."""
    models: dict[str, dict[str, str]] = {
        name: {}
        for name in (
            "Affiliation", "Dataset", "DatasetSample", "DatasetTechnique", "Document", "DocumentDataset",
            "File", "Instrument", "Member", "Parameter", "Person", "Sample", "Technique",
        )
    }  # fmt: skip

    def put(model: str, key: Any, obj: dict) -> None:
        models[model][str(key)] = json.dumps(obj)

    for i, name in enumerate(TECHNIQUES):
        put("Technique", i, {"pid": f"tech{i}", "name": name})
    for i in range(20):
        put("Instrument", i, {"pid": f"instrument{i}", "name": f"Instrument {i}", "facility": "ESS"})
    for i in range(100):
        put("Sample", i, {"pid": f"sample{i}", "name": f"sample {i}"})
    put("Affiliation", 1, {"id": 1, "name": "ESS"})
    documents = (datasets + 24) // 25
    for d in range(documents):
        pid = f"10.5072/proposal{d}"
        put("Document", d, {"pid": pid, "isPublic": True, "type": "proposal", "title": f"Proposal {d}"})
        for m, role in enumerate(("principal investigator", "owner")):
            person = f"person{2 * d + m}"
            put("Person", 2 * d + m, {"id": person, "fullName": f"Person {2 * d + m}"})
            row = 2 * d + m + 1
            put("Member", row, {"id": row, "role": role, "documentId": pid, "personId": person, "affiliationId": 1})
    parameter = file = link = 0
    for n in range(datasets):
        pid = f"20.500.12269/dataset{n}"
        put("Dataset", n, {
            "pid": pid, "title": f"Dataset {n}", "isPublic": True, "creationDate": "2024-03-01T10:00:00Z",
            "instrumentId": f"instrument{n % 20}",
        })  # fmt: skip
        put("DocumentDataset", n + 1, {"id": n + 1, "datasetId": pid, "documentId": f"10.5072/proposal{n // 25}"})
        for t in range(1 + n % 2):
            link += 1
            put("DatasetTechnique", link, {"id": link, "datasetId": pid, "techniqueId": f"tech{(n + t) % 4}"})
        put("DatasetSample", n + 1, {"id": n + 1, "datasetId": pid, "sampleId": f"sample{n % 100}"})
        for name, value, unit in (
            ("photon_energy", 900 + n % 100, "eV"),
            ("temperature", 80, "K"),
            ("state", "solid", ""),
        ):
            parameter += 1
            put("Parameter", parameter, {"id": parameter, "name": name, "value": value, "unit": unit, "datasetId": pid})
        for _ in range(2):
            file += 1
            put("File", file, {"id": file, "name": f"file{file}.h5", "datasetId": pid})
    ids = {model: len(rows) + 1 for model, rows in models.items()}
    path.write_text(json.dumps({"ids": ids, "models": models}), encoding="utf-8")


def read(checkout: Path, source: Path, how: str, repeat: int) -> tuple[float, float, int]:
    """(best wall-clock s, best CPU s, peak RSS KiB) of ``repeat`` fresh reading processes."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", _READ, str(checkout), str(source), how], capture_output=True, text=True, check=True
        ).stdout.split()
        runs.append((float(out[0]), float(out[1]), int(out[2])))
    return min(r[0] for r in runs), min(r[1] for r in runs), max(r[2] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference", type=Path, help="another panet checkout, read in the same run")
    parser.add_argument("--build", action="store_true", help="also time `panet catalogue build` end to end")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-loopback-"))
    source = folder / "db.json"
    write_loopback(source, args.datasets)
    print(f"{args.datasets} datasets, {source.stat().st_size / 1e6:.1f} MB ({os.getloadavg()[0]:.1f} load average)")
    print(f"{'reader':<44} {'wall s':>8} {'CPU s':>8} {'RSS MB':>8} {'x json.load':>12} {'x +rows':>8}")
    load = read(HERE, source, "load", args.repeat)
    parse = read(HERE, source, "parse", args.repeat)
    rows = [("json.load (the limit)", load), ("json.load + each object's JSON", parse)]
    rows.append(("panet read_objects, this checkout", read(HERE, source, "panet", args.repeat)))
    if args.reference:
        rows.append((f"panet read_objects, {args.reference}", read(args.reference, source, "panet", 1)))
    for name, (wall, cpu, rss) in rows:
        print(f"{name:<44} {wall:8.2f} {cpu:8.2f} {rss / 1024:8.0f} {cpu / load[1]:11.1f}x {cpu / parse[1]:7.1f}x")
    if args.build:
        panet = Path(sys.executable).parent / "panet"
        command = [str(panet), "catalogue", "build", str(source), "-o", str(folder / "store.sqlite")]
        timed = ["/usr/bin/time", "-f", "%e %U %S %M", *command]
        seconds, user, system, rss = map(
            float, subprocess.run(timed, capture_output=True, text=True, check=True).stderr.split()[-4:]
        )
        print(
            f"panet catalogue build, end to end: {seconds:.1f} s wall, {user + system:.1f} s CPU, "
            f"{rss / 1024:.0f} MB peak RSS, {args.datasets / seconds:.0f} datasets/s"
        )


if __name__ == "__main__":
    main()
