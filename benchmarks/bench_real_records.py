"""Quality on real records written by facilities: panet vs oaklib and text2term on the same records.

    pip install -e ".[bench,nexus]"      # oaklib and text2term are optional peers
    python benchmarks/bench_real_records.py [--misses] [--no-peers]

The evaluation set is benchmarks/data/real/ (MANIFEST.md: where each file comes from, its licence):
NeXus files of APS, DLS, SLS, SOLEIL, SINQ and IPNS and NeXus examples (metadata skeletons), SciCat
datasets of PSI, DESY, MAX IV and ESS (ESS detector tests among them), PaN search API records of ESS, ILL,
MAX IV and DESY, the ESRF technique list, DataCite records of other
sciences, python-icat's example ICAT dump (a record per Dataset). ``expectations.csv`` holds the
techniques a careful domain reader assigns to each record.

Every record is annotated with `panet.records.annotate` (one record in memory: the code a batch runs),
with the format's default fields. Printed per source kind and overall:

* strict precision and recall: a technique counts when its PaNET ID is the expected one;
* same-branch precision and recall: a broader or narrower technique of an expected one counts too
  (not the roots "photon and neutron technique" and the six "defined by ..." classes);
* false: techniques given to records that carry none (the target is zero);
* the SciCat and PaN records again without their existing technique entries ("no entries");
* per evidence type (text, instrument, NeXus definition, existing entry): how many techniques each
  kind of evidence gave, and how many of them were right (strict).

The peers see the same text panet reads in each record (the format's default fields), reduced to
PaNET techniques; they read no structure (instrument, NeXus definition, existing entries).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "benchmarks" / "data" / "real"
sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOTS = {"PaNET00001", "PaNET00002", "PaNET00003", "PaNET00004", "PaNET00005", "PaNET00006"}


def expectations() -> dict[tuple[str, str], set[str]]:
    with (REAL / "expectations.csv").open(encoding="utf-8") as file:
        rows = csv.DictReader(line for line in file if not line.startswith("#"))
        return {(row["kind"], row["record"]): set(row["expected"].split()) for row in rows}


def records() -> list[tuple[str, str, str, object]]:
    """(kind, record id, format, record as `panet.records.annotate` takes it), in a fixed order."""
    found: list[tuple[str, str, str, object]] = []
    for path in sorted((REAL / "nexus").iterdir()):
        found.append(("nexus", path.name, "nexus", str(path)))
    for kind, name in (("scicat", "scicat_records.json"), ("pan", "pan_records.json")):
        for record in json.loads((REAL / name).read_text(encoding="utf-8")):
            found.append((kind, record.get("pid") or record["_id"], kind, record))  # SciCat: pid, or MongoDB's _id
    with (REAL / "esrf_techniques.jsonl").open(encoding="utf-8") as file:
        for line in file:
            record = json.loads(line)
            found.append(("esrf", record["iri"], "jsonl", record))
    for path in sorted((REAL / "datacite").glob("*.xml")):
        found.append(("datacite", path.name, "datacite", path.read_text(encoding="utf-8")))
    from panet.records.icat import IcatReader

    for path in sorted((REAL / "icat").iterdir()):  # ICAT dumps: one record per Dataset
        reader = IcatReader(path)
        for item in reader.items():
            dataset = reader.format.parse(item.payload)
            found.append(("icat", f"{path.name}#{dataset.view['name']}", "icat", item.payload))
        reader.close()
    return found


def run_panet(items) -> tuple[dict, dict, dict]:
    """Techniques per record, their evidence, and the texts panet read (for the peers)."""
    import panet
    import panet.records

    onto = panet.load()
    predicted, evidence, texts = {}, {}, {}
    for kind, key, fmt, record in items:
        fields = ("names",) if fmt == "jsonl" else ()
        try:
            outcome = panet.records.annotate(record, format=fmt, fields=fields, ontology=onto)
        except Exception as err:  # an unreadable record gives no technique; say why
            print(f"  {kind} {key}: rejected ({err})", file=sys.stderr)
            predicted[kind, key], evidence[kind, key], texts[kind, key] = set(), {}, []
            continue
        predicted[kind, key] = {t.id for t in outcome.techniques if t.kind == "technique"}
        evidence[kind, key] = dict(getattr(outcome, "evidence", None) or {})
        job = panet.records.annotator(fmt, fields, ontology=onto)
        parsed = job.format.load(record)
        texts[kind, key] = [t for t in job.format.texts(parsed, job.fields) if t]
    return predicted, evidence, texts


def same_branch(onto, a: str, b: str) -> bool:
    if a == b:
        return True
    ta, tb = onto.get(a, kind="any"), onto.get(b, kind="any")
    if ta is None or tb is None:
        return False
    if ta in onto.descendants(tb):
        return tb.id not in ROOTS
    if tb in onto.descendants(ta):
        return ta.id not in ROOTS
    return False


def score(onto, expected: dict, predicted: dict, keys) -> dict[str, float]:
    tp = fp = fn = 0
    btp_p = bn_p = btp_r = bn_r = 0
    false_on_empty = 0
    for key in keys:
        want, got = expected.get(key, set()), predicted.get(key, set())
        tp += len(want & got)
        fp += len(got - want)
        fn += len(want - got)
        bn_p += len(got)
        btp_p += sum(any(same_branch(onto, g, w) for w in want) for g in got)
        bn_r += len(want)
        btp_r += sum(any(same_branch(onto, g, w) for g in got) for w in want)
        if not want:
            false_on_empty += len(got)
    return {
        "records": len(keys),
        "P": tp / (tp + fp) if tp + fp else 1.0,
        "R": tp / (tp + fn) if tp + fn else 1.0,
        "P~": btp_p / bn_p if bn_p else 1.0,
        "R~": btp_r / bn_r if bn_r else 1.0,
        "false": false_on_empty,
    }


def peers(texts: dict) -> dict[str, dict]:
    """The peers' techniques per record, or a message when a peer is not installed or fails."""
    from bench_annotate import Oaklib, Text2term

    results: dict[str, dict] = {}
    keys = list(texts)
    for peer in (Oaklib(), Text2term()):
        try:
            peer.prepare()
            peer.build()
        except ImportError as err:
            results[peer.name] = f"skipped: not installed ({err.name}; pip install -e '.[bench]')"
            continue
        except Exception as err:  # a peer that fails here is reported, not fatal
            results[peer.name] = f"skipped: failed ({type(err).__name__}: {err})"
            continue
        flat = [(key, text) for key in keys for text in texts[key]]
        ids = peer.annotate([text for _, text in flat]) if flat else []
        found: dict = defaultdict(set)
        for (key, _), terms in zip(flat, ids, strict=True):
            found[key].update(terms)
        results[peer.name] = {key: found.get(key, set()) for key in keys}
    return results


def table(onto, expected: dict, predicted: dict, kinds: list[str]) -> list[str]:
    lines = [f"  {'source kind':<18} {'records':>7} {'P':>6} {'R':>6} {'P~':>6} {'R~':>6} {'false':>6}"]
    for kind in [*kinds, "all", "all - esrf"]:  # the ESRF list names techniques; the others are records
        keys = [k for k in expected if kind == "all" or k[0] == kind or (kind == "all - esrf" and k[0] != "esrf")]
        s = score(onto, expected, predicted, keys)
        figures = " ".join(f"{s[name]:>6.3f}" for name in ("P", "R", "P~", "R~"))
        lines.append(f"  {kind:<18} {s['records']:>7} {figures} {s['false']:>6}")
    return lines


def _without_entries(record: dict) -> dict:
    """A SciCat or PaN record without its ``techniques`` entries."""
    return {k: v for k, v in record.items() if k != "techniques"}


def _label(onto, pid: str) -> str:
    term = onto.get(pid, kind="any")
    return term.label if term is not None else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--misses", "--details", action="store_true", help="print every record that is not exactly right, with evidence"
    )
    parser.add_argument("--no-peers", action="store_true", help="panet only")
    args = parser.parse_args()

    import panet

    onto = panet.load()
    expected = expectations()
    items = records()
    missing = {(k, key) for k, key, _, _ in items} ^ set(expected)
    if missing:
        sys.exit(f"records and expectations.csv disagree on: {sorted(missing)}")
    kinds = list(dict.fromkeys(k for k, _, _, _ in items))
    predicted, evidence, texts = run_panet(items)

    print(f"Real records: {len(items)} (benchmarks/data/real/). P/R strict; P~/R~ same branch; false = techniques")
    print("on records that carry none.\n")
    print("panet")
    print("\n".join(table(onto, expected, predicted, kinds)))
    # the same SciCat and PaN records without their existing technique entries: what the text,
    # the instrument and the structure find alone
    bare = [(k, key, fmt, _without_entries(record)) for k, key, fmt, record in items if k in ("scicat", "pan")]
    found_bare = run_panet(bare)[0]
    for kind in ("scicat", "pan"):
        keys = [k for k in found_bare if k[0] == kind]
        s = score(onto, expected, found_bare, keys)
        figures = " ".join(f"{s[name]:>6.3f}" for name in ("P", "R", "P~", "R~"))
        print(f"  {kind + ', no entries':<18} {s['records']:>7} {figures} {s['false']:>6}")

    by_evidence: dict[str, Counter] = defaultdict(Counter)
    for key, found in evidence.items():
        for iri, kinds_of in found.items():
            for how in kinds_of:
                by_evidence[how]["given"] += 1
                by_evidence[how]["right"] += iri.rpartition("/")[2] in expected[key]
    if by_evidence:
        print("\n  evidence          given  right (strict)")
        for how, counts in sorted(by_evidence.items()):
            print(f"  {how:<16} {counts['given']:>6} {counts['right']:>6}")

    if args.misses:
        print("\n  records not exactly right: expected / found (evidence); '~' = same branch as an expected term")
        for key in expected:
            want, got = expected[key], predicted[key]
            if got == want:
                continue
            found = []
            for iri, how in evidence[key].items():
                pid = iri.rpartition("/")[2]
                if pid in got:
                    mark = "" if pid in want else "~" if any(same_branch(onto, pid, w) for w in want) else "!"
                    found.append(f"{mark}{pid} {_label(onto, pid)} ({', '.join(how)})")
            found += [f"{p} {_label(onto, p)}" for p in sorted(got) if not any(p in i for i in evidence[key])]
            wanted = [f"{p} {_label(onto, p)}" for p in sorted(want)]
            print(f"  {key[0]:<8} {key[1][:70]}")
            print(f"           want: {'; '.join(wanted) or '-'}\n           got:  {'; '.join(found) or '-'}")

    if not args.no_peers:
        for name, result in peers(texts).items():
            print(f"\n{name}")
            if isinstance(result, str):
                print(f"  {result}")
            else:
                print("\n".join(table(onto, expected, result, kinds)))


if __name__ == "__main__":
    main()
