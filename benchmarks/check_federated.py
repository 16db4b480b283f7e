"""Check: the PaN federated search service, pointed at ``panet serve --catalogue``, returns the
panet-served objects for its own example queries.

    python benchmarks/check_federated.py /work/ext/federated       # a local checkout of
    # panosc-eu/panosc-federated-search-service (Node, LoopBack 2; its repository states no licence,
    # so nothing of it is in panet's repository: it is read and run from the checkout)

What it does, all on 127.0.0.1, everything stopped at the end:

1. ``npm ci`` (or ``npm install``: the checkout has no lock file) in ``search-api/`` if its
   ``node_modules`` is missing; the npm registry is the only thing reached over the network.
2. Builds a catalogue store from the specification's fixture data
   (tests/data/pan-search-api/db.json, BSD-2-Clause) with ``panet catalogue build`` and serves it
   with ``panet serve --catalogue`` (its access log records every request the federated service
   sends: ``--requests`` prints them).
3. Starts the federated service twice with ``PROVIDERS`` = that panet server: once with its
   defaults (production's ``FILTER_INVALID_SCORES=true``: results whose ``score`` is not in
   (0, 1) are dropped, which drops every provider's results to a filter without a free-text
   ``query``: the specification scores those 0), once with ``FILTER_INVALID_SCORES=false`` (how the
   examples' documented answers were made).
4. Runs every example query of the service's ``docs/*example-queries*.md`` (the filter of each
   section; the endpoint of its curl line) and a few PaNET-aware ones through both, and the same
   filter on panet directly (with the ``limit`` the federated service adds), and prints a table.

An example passes when each federated answer is panet's own merged as the service merges (the
same objects in the same order: counts summed, lists sorted by score or title and cut to the
limit, then — production settings only — objects scored outside (0, 1) dropped), and, for the
pages run on the fixture data ("local data sources", instruments), when panet's answer has the
pids the page documents. ``--two-providers`` serves the service's own test data from two panet
servers instead. Exit status 1 if any example fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "pan-search-api" / "db.json"
DEFAULT_LIMIT = 100  # the federated service's DEFAULT_LIMIT: the limit it adds to every find
ENDPOINTS = {"Datasets": "/datasets", "Documents": "/documents", "Instruments": "/instruments"}
OWN_EXAMPLES = [  # panet's additions: the PaNET hierarchy, the clients' parameter form, ids, counts
    ("panet: technique by a broader term", "Datasets",
     {"include": [{"relation": "techniques", "scope": {"where": {"name": "small angle scattering"}}}]}),
    ("panet: technique by a former label", "Datasets",
     {"include": [{"relation": "techniques", "scope": {"where": {"name": "x-ray probe"}}}]}),
    ("panet: parameter in the clients' form", "Datasets",
     {"where": {"variable": "photon_energy", "operator": "gt", "value": 0.9, "unit": "keV"},
      "include": [{"relation": "parameters", "scope": {"where": {"variable": "photon_energy", "operator": "gt",
                                                                  "value": 0.9, "unit": "keV"}}}]}),
    ("panet: free text by a technique synonym", "Datasets", {"limit": 10, "query": "SANS"}),
    ("panet: one dataset by pid", "Datasets/20.500.12269%2Fpanosc-dataset1", None),
    ("panet: count", "Datasets/count", None),
    ("panet: count with a where", "Documents/count", {"type": "proposal"}),
]  # fmt: skip
EXTRA_RECORDS = [  # panet's own records next to the fixture, so that the free-text examples find something
    {"pid": "panet-check/1", "title": "Beam damage in casein micelles by SAXS at low temperature",
     "isPublic": True, "creationDate": "2024-03-01T10:00:00Z"},
    {"pid": "panet-check/2", "title": "Temperature series of lysozyme crystals, x-ray diffraction data",
     "isPublic": True, "creationDate": "2024-03-02T10:00:00Z"},
    {"pid": "panet-check/proposal-1", "type": "proposal", "isPublic": True, "datasets": [],
     "title": "Beam-induced damage in protein solutions", "summary": "Temperature series; data in NeXus files."},
]  # fmt: skip


@dataclass
class Example:
    page: str
    title: str
    endpoint: str  # "Datasets", "Documents/count", …
    filter: dict | None
    documented: list[str] | None = None  # pids of the documented answer, on the fixture data
    results: dict[str, object] = field(default_factory=dict)


def examples(docs: Path) -> list[Example]:
    """The example queries of the federated service's documentation pages."""
    found = []
    for page in sorted(docs.glob("*example-queries*.md")):
        for section in re.split(r"\n### ", page.read_text())[1:]:
            title = section.splitlines()[0].strip()
            curl = re.search(r"curl [^\n]*?'(https?://[^']+)'", section)
            if not curl:
                continue
            url = urlsplit(curl.group(1))
            endpoint = url.path.split("/api/", 1)[1]
            filter_ = _filter_block(section) or _curl_filter(url.query)
            answer = re.search(r"#### Response\s*```json\n(.*?)```", section, re.S)
            documented = None
            if answer and ("local-data-sources" in page.name or page.name.startswith("instrument")):
                documented = [o.get("pid") for o in json.loads(answer.group(1))]
            found.append(Example(page.stem, title, endpoint, filter_, documented))
    return found


def _filter_block(section: str) -> dict | None:
    """The first JSON block under "#### Filter" (the curl lines sometimes lose spaces)."""
    part = section.split("#### Filter", 1)
    if len(part) < 2:
        return None
    block = re.search(r"```json\n(.*?)```", part[1].split("#### Curl")[0], re.S)
    return json.loads(block.group(1)) if block else None


def _curl_filter(query: str) -> dict | None:
    values = parse_qs(query).get("filter")
    return json.loads(values[0]) if values else None


# -- processes ---------------------------------------------------------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(stack: ExitStack, command: list[str], cwd: Path, env: dict, log: Path) -> subprocess.Popen:
    """A process whose output goes to ``log``; stopped (by its own id) when ``stack`` closes."""
    out = stack.enter_context(log.open("wb"))
    process = subprocess.Popen(command, cwd=cwd, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    stack.callback(stop)
    return process


def wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args[0]} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds:g} s; log: {log}")


def npm_install(service: Path) -> None:
    if (service / "node_modules").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not installed; the federated service is a Node application")
    command = [npm, "ci"] if (service / "package-lock.json").exists() else [npm, "install"]
    print(f"$ {' '.join(command)}  (in {service})", file=sys.stderr)
    subprocess.run([*command, "--no-audit", "--no-fund"], cwd=service, check=True)


# -- the check ---------------------------------------------------------------------------------
def ask(base: str, endpoint: str, filter_: dict | None) -> tuple[object, object]:
    """The answer of a LoopBack-style GET: pids in the order given (or a count, or "HTTP 404"),
    and the objects (without the ``provider`` the federated service adds, dates as instants)."""
    params = {}
    if filter_ is not None:
        params["where" if endpoint.endswith("/count") else "filter"] = json.dumps(filter_)
    answer = httpx.get(f"{base}/{endpoint}", params=params, timeout=60)
    if answer.status_code != 200:
        return f"HTTP {answer.status_code}", None
    body = answer.json()
    if isinstance(body, dict) and "count" in body:
        return int(body["count"]), None
    objects = [_own(o) for o in (body if isinstance(body, list) else [body])]
    return [o.get("pid") or o.get("id") for o in objects], objects


def _own(obj: object) -> object:
    """``obj`` without the ``provider`` key the federated service adds, its dates as instants (the
    federated service writes them as JavaScript does, ``2024-03-01T10:00:00.000Z``; panet as the
    records gave them, ``2024-03-01T10:00:00Z``)."""
    if isinstance(obj, list):
        return [_own(o) for o in obj]
    if not isinstance(obj, dict):
        return obj
    return {k: _instant(v) if k.endswith("Date") else _own(v) for k, v in obj.items() if k != "provider"}


def _instant(value: object) -> object:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return value
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def direct(panets: list[str], example: Example) -> tuple[object, object]:
    """What the federated service should answer, worked out from each panet server's own answer
    to the example (with the limit the service adds) as the service merges them: counts summed;
    one object from the first provider that has it; lists concatenated, sorted by score (free
    text) or by title or name (case-folded), cut to the limit."""
    endpoint, _, rest = example.endpoint.partition("/")
    path = ENDPOINTS[endpoint].lstrip("/") + (f"/{rest}" if rest else "")
    filter_ = example.filter
    limit = (filter_ or {}).get("limit", DEFAULT_LIMIT)
    if not rest:
        filter_ = {**(filter_ or {}), "limit": limit}
    answers = [ask(panet, path, filter_) for panet in panets]
    if rest and rest != "count":  # one object by id: a 404 means "not here"
        return next((a for a in answers if a[0] != "HTTP 404"), answers[0])
    failed = [a for a in answers if isinstance(a[0], str)]
    if failed:
        return failed[0]
    if rest == "count":
        return sum(count for count, _ in answers), None
    objects = [o for _, found in answers for o in found]
    if isinstance(example.filter, dict) and "query" in example.filter:
        objects.sort(key=lambda o: -o.get("score", 0))  # stable, as V8's sort
    else:
        objects.sort(key=lambda o: str(o.get("title", o.get("name", ""))).lower())
    objects = objects[:limit]
    return [o.get("pid") or o.get("id") for o in objects], objects


def scored(expected: tuple[object, object]) -> tuple[object, object]:
    """``expected`` after the service's score filter (production's FILTER_INVALID_SCORES): found
    objects whose score is not strictly between 0 and 1 are dropped."""
    pids, objects = expected
    if objects is None or (len(objects) == 1 and not isinstance(pids, list)):
        return expected
    kept = [o for o in objects if isinstance(o.get("score"), int | float) and 0 < o["score"] < 1]
    return [o.get("pid") or o.get("id") for o in kept], kept


def verdict(example: Example) -> str:
    own = example.results["panet"]
    if isinstance(own[0], str):
        return f"FAIL: panet answers {own[0]}"
    if example.documented is not None and sorted(own[0]) != sorted(example.documented):
        return "FAIL: panet's answer is not the documented one"
    finds = "/" not in example.endpoint
    expected = {"federated": scored(own) if finds else own, "federated-unfiltered": own}
    for name, wanted in expected.items():
        got = example.results[name]
        if got[0] != wanted[0]:
            return f"FAIL: {name}: other objects, or in another order, than panet's merged as the service merges"
        if got[1] != wanted[1]:
            return f"FAIL: {name}: the service passes on other properties than panet's"
    if own[0] in ([], 0):
        return "pass (no match here)"
    return "pass"


def show(value: object) -> str:
    value = value[0]
    if isinstance(value, list):
        return str(len(value))
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="local checkout of panosc-eu/panosc-federated-search-service")
    parser.add_argument("--store", type=Path, help="a catalogue store to serve (default: built from the fixture)")
    parser.add_argument(
        "--two-providers",
        action="store_true",
        help="serve the service's own test data (test/db1.json, test/db2.json) from two panet servers, as its "
        "local-provider test does with two reference servers; the documented answers are then not checked",
    )
    parser.add_argument("--requests", action="store_true", help="print the requests panet received")
    args = parser.parse_args(argv)
    service = args.checkout / "search-api"
    if not (service / "server" / "server.js").is_file():
        parser.error(f"{args.checkout}: not a checkout of panosc-federated-search-service (no search-api/server)")
    npm_install(service)
    work = Path(tempfile.mkdtemp(prefix="check-federated-"))
    if args.two_providers:
        stores = [_build([args.checkout / "test" / f"db{n}.json"], work / f"db{n}.sqlite") for n in (1, 2)]
    elif args.store:
        stores = [args.store]
    else:
        extra = work / "panet-records.jsonl"
        extra.write_text("".join(json.dumps(record) + "\n" for record in EXTRA_RECORDS))
        stores = [_build([FIXTURE, extra], work / "catalogue.sqlite")]
    with ExitStack() as stack:
        panets = []
        for number, store in enumerate(stores):
            port = free_port()
            panets.append(f"http://127.0.0.1:{port}")
            command = [sys.executable, "-m", "panet", "serve", "--catalogue", str(store), "--host", "127.0.0.1"]
            process = start(stack, [*command, "--port", str(port)], ROOT, {}, work / f"panet{number}.log")
            wait_for(f"{panets[-1]}/health", process, work / f"panet{number}.log")
        federated = {}
        for name, env in (("federated", {}), ("federated-unfiltered", {"FILTER_INVALID_SCORES": "false"})):
            fport = free_port()
            settings = {
                "PROVIDERS": ",".join(panets),
                "PORT": str(fport),
                "HOST": "127.0.0.1",
                "PROVIDER_TIMEOUT": "20000",
                **env,
            }
            node = start(stack, ["node", "."], service, settings, work / f"{name}.log")
            wait_for(f"http://127.0.0.1:{fport}/", node, work / f"{name}.log")
            federated[name] = f"http://127.0.0.1:{fport}/api"
        cases = examples(args.checkout / "docs") + [Example("panet", t, e, f) for t, e, f in OWN_EXAMPLES]
        for example in cases:
            if args.two_providers or args.store:
                example.documented = None
            example.results["panet"] = direct(panets, example)
            for name, base in federated.items():
                example.results[name] = ask(base, example.endpoint, example.filter)
        if args.requests:
            for log in sorted(work.glob("panet*.log")):
                for line in log.read_text().splitlines():
                    if '"GET /' in line and "/health" not in line:
                        print(line.split(" - ", 1)[-1])
    rows = [
        (e.page, e.title, e.endpoint, show(e.results["panet"]), show(e.results["federated"]),
         show(e.results["federated-unfiltered"]), "-" if e.documented is None else str(len(e.documented)), verdict(e))
        for e in cases
    ]  # fmt: skip
    header = ("page", "example", "endpoint", "panet", "federated", "fed. unfiltered", "documented", "verdict")
    loopback = json.loads((service / "node_modules" / "loopback" / "package.json").read_text())["version"]
    print(
        f"federated search service {_commit(args.checkout)} (node {_node_version()}, loopback {loopback})"
        " -> panet serve --catalogue"
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if any(row[-1].startswith("FAIL") for row in rows) else 0


def _build(sources: list[Path], store: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "panet", "catalogue", "build", *map(str, sources), "-o", str(store)], check=True
    )
    return store


def _commit(checkout: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, check=False
        )
        return out.stdout.decode().strip() or "?"
    except OSError:
        return "?"


def _node_version() -> str:
    return subprocess.run(["node", "--version"], capture_output=True, check=False).stdout.decode().strip()


if __name__ == "__main__":
    sys.exit(main())
