"""Benchmark and check: ILL's PaN search API implementation on PostgreSQL against ``panet serve
--catalogue`` on the same data, with ILL's acceptance-test queries.

    python benchmarks/bench_ill_compare.py /work/ext/ill [--repeat 50]
    # a local checkout of ILLGrenoble/panosc-search-api (LoopBack 4, TypeORM, PostgreSQL). Its
    # repository states no licence: nothing of it is in panet's repository; it is built, read and
    # run from the checkout only.

What it does, all on 127.0.0.1, everything stopped and removed at the end:

1. ``npm ci --ignore-scripts`` in the checkout if ``node_modules`` is missing (a native sqlite3
   module in its dev dependencies does not build under Node 20; PostgreSQL needs no native code),
   and ``npm run build`` if ``dist/`` is missing.
2. A PostgreSQL server of its own (``initdb`` in a temporary folder, a free port; as the
   ``postgres`` user when run as root). Binaries from ``--pg-bin`` or the newest
   /usr/lib/postgresql/*/bin (Debian's ``postgresql`` package).
3. ILL's service (``node .``, ``SEARCH_API_DATABASE_SYNCHRONIZE=true`` creates its tables; no
   scoring service, no OpenID provider), then ILL's own test fixtures
   (``resources/__tests__/fixtures.sql``) loaded as its test helper loads them.
4. The same data exported through ILL's API (``/api/documents``, ``/api/datasets``,
   ``/api/instruments`` with every relation included), written as a LoopBack database file and
   built into a panet catalogue store with ``panet catalogue build``; ``panet serve --catalogue``.
5. Every request of ILL's acceptance tests (``src/__tests__/acceptance/*.ts``: the filters are
   evaluated with node from the test source), sent to both: the answers are compared (pids, and
   the count the test expects), then each request is timed ``--repeat`` times against each server,
   the two interleaved (one HTTP client with keep-alive, sequential; both on this machine, so
   both bear its load alike), and the table gives the medians, p99s and the ratio of the medians
   ILL/panet (above 1: panet is faster); then ``--repeat`` more requests to each server alone,
   measuring the CPU time its processes spend per request (ILL: node and every PostgreSQL
   process; panet: its server process), which a loaded machine disturbs far less than wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_api import tree_cpu_seconds
from check_federated import free_port, start, wait_for

ROOT = Path(__file__).resolve().parents[1]
MODEL_PATHS = {"/api/datasets": "datasets", "/api/documents": "documents", "/api/instruments": "instruments"}
DATASET_RELATIONS = ["instrument", "techniques", "parameters", "samples", "files"]
SYNTHETIC = """
INSERT INTO technique (pid, name) VALUES ('bench/technique', 'bench technique');
INSERT INTO dataset (pid, title, ispublic, size, creationdate, documentid, instrumentid)
  SELECT 'bench/' || i, 'Synthetic dataset ' || i, true, i, '2021-01-01T00:00:00Z', '10.5291/panosc-document3',
         '20.500.12269/d4ae7284-6659-4403-a192-1c037b9bffc0' FROM generate_series(1, {N}) i;
INSERT INTO datasettechnique (datasetid, techniqueid)
  SELECT 'bench/' || i, 'bench/technique' FROM generate_series(1, {N}) i;
INSERT INTO parameter (id, name, value, unit, datasetid)
  SELECT 100000 + i, 'sample_pressure', (i % 1000)::text, 'bar', 'bench/' || i FROM generate_series(1, {N}) i;
INSERT INTO file (id, name, path, size, datasetid)
  SELECT 100000 + i, 'bench-' || i || '.nxs', '/bench', i, 'bench/' || i FROM generate_series(1, {N}) i;
"""
_EVALUATE = "process.stdout.write(JSON.stringify(eval('(' + require('fs').readFileSync(0, 'utf8') + ')')))"


@dataclass
class Request:
    source: str  # test file
    title: str  # the test's context
    path: str  # "/api/datasets", "/api/datasets/<id>"
    filter: dict | None
    expected: int | None  # the number of objects the test expects, when it says
    answers: dict[str, object] = field(default_factory=dict)
    times: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # server CPU seconds per request


# -- ILL's acceptance tests ----------------------------------------------------------------------
def requests_of(checkout: Path) -> list[Request]:
    """The requests ILL's acceptance tests send, in order."""
    found = []
    for test in sorted((checkout / "src" / "__tests__" / "acceptance").glob("*.acceptance.ts")):
        text = test.read_text()
        base = re.search(r"const requestUrl = '([^']+)'", text).group(1)
        for block in re.split(r"\n\s*(?:context|describe)\(", text)[1:]:
            title = re.match(r"\s*'([^']*)'", block)
            get = re.search(r"\.get\(([^\n]+)\)\n", block)
            if not title or not get:
                continue
            call = get.group(1)
            filter_ = None
            if "filter" in call:
                filter_ = _evaluate(_balanced(block, block.index("JSON.stringify(") + len("JSON.stringify")))
            path = base
            one = re.search(r"encodeURIComponent\('([^']+)'\)", call)
            if one:
                path = f"{base}/{httpx.URL('/' + one.group(1)).raw_path.decode()[1:].replace('/', '%2F')}"
            expected = re.search(r"res\.body\.length\)\.to\.equal\((\d+)\)", block)
            found.append(
                Request(test.stem, title.group(1), path, filter_, int(expected.group(1)) if expected else None)
            )
    return found


def _balanced(text: str, start: int) -> str:
    """The text inside the parentheses opening at ``start``."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1 : index]
    raise ValueError("unbalanced parentheses in a test")


def _evaluate(literal: str) -> dict:
    out = subprocess.run(["node", "-e", _EVALUATE], input=literal.encode(), capture_output=True, check=True)
    return json.loads(out.stdout)


# -- PostgreSQL ------------------------------------------------------------------------------------
def pg_bin(given: Path | None) -> Path:
    if given:
        return given
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise SystemExit("no PostgreSQL here: apt-get install postgresql, or give --pg-bin")
    return found[-1].parent


def as_postgres(command: list[str]) -> list[str]:
    """``command`` as the ``postgres`` user when run as root (PostgreSQL refuses root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def start_postgres(stack: ExitStack, binaries: Path, folder: Path) -> int:
    folder.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    initdb = [str(binaries / "initdb"), "-D", str(data), "-U", "search", "--auth=trust", "-E", "UTF8"]
    subprocess.run(as_postgres(initdb), check=True, capture_output=True)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w"]
    subprocess.run(as_postgres([*pg_ctl, "start"]), check=True, capture_output=True)
    stack.callback(
        lambda: subprocess.run(as_postgres([*pg_ctl, "-m", "fast", "stop"]), capture_output=True, check=False)
    )
    psql(binaries, port, "postgres", "CREATE DATABASE search")
    return port


def psql(binaries: Path, port: int, database: str, sql: str) -> None:
    command = [str(binaries / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "search", "-d", database]
    subprocess.run([*command, "-v", "ON_ERROR_STOP=1", "-q"], input=sql.encode(), check=True, capture_output=True)


def load_fixtures(checkout: Path, binaries: Path, port: int, scale: int) -> None:
    """ILL's test fixtures, statement by statement as its test helper runs them; and ``scale``
    synthetic datasets that none of the tests' conditions select (another technique, another
    parameter, other file names), each with a technique, a parameter and a file."""
    text = (checkout / "resources" / "__tests__" / "fixtures.sql").read_text()
    statements = [s + ";" for s in re.sub(r"\r\n|\n|\r", "", text).split(";") if s]
    psql(binaries, port, "search", "\n".join(statements))
    if scale:
        psql(binaries, port, "search", SYNTHETIC.replace("{N}", str(scale)))


# -- the same data through panet --------------------------------------------------------------------
def export(ill: str) -> dict:
    """ILL's data, read through its API, as a LoopBack database file (panet's build reads those)."""

    def get(path: str, filter_: dict) -> list[dict]:
        answer = httpx.get(f"{ill}{path}", params={"filter": json.dumps(filter_)}, timeout=60)
        answer.raise_for_status()
        return answer.json()

    members = {"relation": "members", "scope": {"include": ["person", "affiliation"]}}
    datasets = {"relation": "datasets", "scope": {"include": DATASET_RELATIONS}}
    documents = get("/api/documents", {"include": [members, datasets, "parameters"]})
    loose = get("/api/datasets", {"include": DATASET_RELATIONS})
    models: dict[str, dict[str, dict]] = {m: {} for m in (
        "Document", "Dataset", "DocumentDataset", "Instrument", "Technique", "DatasetTechnique", "Sample",
        "DatasetSample", "Parameter", "File", "Member", "Person", "Affiliation")}  # fmt: skip

    def put(model: str, key: str, obj: dict) -> None:
        models[model][str(key)] = {k: v for k, v in obj.items() if v is not None and k != "score"}

    def put_dataset(dataset: dict, document: str | None) -> None:
        plain = {k: v for k, v in dataset.items() if k not in DATASET_RELATIONS}
        if dataset.get("instrument"):
            put("Instrument", dataset["instrument"]["pid"], dataset["instrument"])
            plain["instrumentId"] = dataset["instrument"]["pid"]
        put("Dataset", dataset["pid"], plain)
        if document:
            key = f"{document} {dataset['pid']}"
            put("DocumentDataset", key, {"id": key, "documentId": document, "datasetId": dataset["pid"]})
        for link, model, items in (
            ("DatasetTechnique", "Technique", "techniques"),
            ("DatasetSample", "Sample", "samples"),
        ):
            for item in dataset.get(items) or []:
                put(model, item["pid"], item)
                key = f"{dataset['pid']} {item['pid']}"
                put(link, key, {"id": key, "datasetId": dataset["pid"], f"{model.lower()}Id": item["pid"]})
        for item in dataset.get("parameters") or []:
            put("Parameter", f"Parameter {item['id']}", {**quantity(item), "datasetId": dataset["pid"]})
        for item in dataset.get("files") or []:
            put("File", f"File {item['id']}", {**item, "datasetId": dataset["pid"]})

    for document in documents:
        put(
            "Document",
            document["pid"],
            {k: v for k, v in document.items() if k not in ("members", "datasets", "parameters")},
        )
        for dataset in document.get("datasets") or []:
            put_dataset(dataset, document["pid"])
        for parameter in document.get("parameters") or []:
            put("Parameter", f"Parameter {parameter['id']}", {**quantity(parameter), "documentId": document["pid"]})
        for member in document.get("members") or []:
            plain = {k: v for k, v in member.items() if k not in ("person", "affiliation")}
            for relation, model in (("person", "Person"), ("affiliation", "Affiliation")):
                if member.get(relation):
                    put(model, member[relation]["id"], member[relation])
                    plain[f"{relation}Id"] = member[relation]["id"]
            put("Member", member["id"], {**plain, "documentId": document["pid"]})
    for dataset in loose:
        if dataset["pid"] not in models["Dataset"]:
            put_dataset(dataset, None)
    for instrument in get("/api/instruments", {}):
        put("Instrument", instrument["pid"], instrument)
    return {
        "ids": {m: len(v) for m, v in models.items()},
        "models": {m: {k: json.dumps(v) for k, v in rows.items()} for m, rows in models.items()},
    }


def quantity(parameter: dict) -> dict:
    """A parameter with a unit whose value ILL answers as a string (its column is text: "930")
    with the value as the number it is, as the PaN data model has it."""
    value = parameter.get("value")
    if not parameter.get("unit") or not isinstance(value, str):
        return parameter
    try:
        number = float(value)
    except ValueError:
        return parameter
    return {**parameter, "value": int(number) if number.is_integer() else number}


# -- comparing and timing ------------------------------------------------------------------------
def answer(client: httpx.Client, base: str, request: Request, panet: bool) -> tuple[int, object]:
    path = request.path
    if panet:
        path = path.removeprefix("/api")
    params = {"filter": json.dumps(request.filter)} if request.filter is not None else {}
    reply = client.get(f"{base}{path}", params=params)
    if reply.status_code != 200:
        return reply.status_code, reply.text[:200]
    body = reply.json()
    return 200, sorted(o["pid"] for o in body) if isinstance(body, list) else [body.get("pid")]


def timed(client: httpx.Client, servers: dict[str, tuple[str, bool]], request: Request, repeat: int) -> None:
    """``repeat`` timed requests to each server, interleaved (the order alternating), so that
    the load of a shared machine weighs on both alike."""
    names = list(servers)
    for name in names:
        request.times[name] = []
    for round_ in range(repeat):
        for name in names if round_ % 2 else reversed(names):
            base, is_panet = servers[name]
            started = time.perf_counter()
            answer(client, base, request, is_panet)
            request.times[name].append(time.perf_counter() - started)


def cpu_per_request(
    client: httpx.Client, servers: dict[str, tuple[str, bool, list[int]]], request: Request, repeat: int
) -> None:
    """CPU seconds each server's processes (ILL: node and PostgreSQL; panet: its one process)
    spend per request, over ``repeat`` requests: what a loaded machine disturbs least."""
    for name, (base, is_panet, pids) in servers.items():
        before = sum(map(tree_cpu_seconds, pids))
        for _ in range(repeat):
            answer(client, base, request, is_panet)
        request.cpu[name] = (sum(map(tree_cpu_seconds, pids)) - before) / repeat


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="local checkout of ILLGrenoble/panosc-search-api")
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per query and server")
    parser.add_argument("--pg-bin", type=Path, help="folder of PostgreSQL's initdb, pg_ctl, psql")
    parser.add_argument("--scale", type=int, default=0, help="synthetic datasets added next to ILL's fixtures")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, the export, the store)")
    args = parser.parse_args(argv)
    checkout = args.checkout.resolve()
    if not (checkout / "src" / "__tests__" / "acceptance").is_dir():
        parser.error(f"{checkout}: not a checkout of ILLGrenoble/panosc-search-api")
    binaries = pg_bin(args.pg_bin)
    if not (checkout / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=checkout, check=True)
    if not (checkout / "dist" / "index.js").is_file():
        subprocess.run(["npm", "run", "build"], cwd=checkout, check=True)
    queries = requests_of(checkout)
    work = Path(tempfile.mkdtemp(prefix="bench-ill-"))
    os.chmod(work, 0o755)
    try:
        with ExitStack() as stack:
            pg_port = start_postgres(stack, binaries, work / "pg")
            ill_port = free_port()
            ill = f"http://127.0.0.1:{ill_port}"
            settings = {
                "PORT": str(ill_port), "HOST": "127.0.0.1", "SEARCH_API_DATABASE_TYPE": "postgres",
                "SEARCH_API_DATABASE_HOST": "127.0.0.1", "SEARCH_API_DATABASE_PORT": str(pg_port),
                "SEARCH_API_DATABASE_USERNAME": "search", "SEARCH_API_DATABASE_PASSWORD": "",
                "SEARCH_API_DATABASE_NAME": "search", "SEARCH_API_DATABASE_SCHEMA": "public",
                "SEARCH_API_DATABASE_SYNCHRONIZE": "true", "SEARCH_API_LOG_LEVEL": "error",
                "SEARCH_API_SCORING_SERVICE_URL": "",
            }  # fmt: skip
            node = start(stack, ["node", "."], checkout, settings, work / "ill.log")
            wait_for(f"{ill}/api/instruments", node, work / "ill.log")
            load_fixtures(checkout, binaries, pg_port, args.scale)
            database = work / "ill-export.json"
            database.write_text(json.dumps(export(ill)))
            store = work / "catalogue.sqlite"
            subprocess.run(
                [sys.executable, "-m", "panet", "catalogue", "build", str(database), "-o", str(store)], check=True
            )
            port = free_port()
            panet = f"http://127.0.0.1:{port}"
            command = [sys.executable, "-m", "panet", "serve", "--catalogue", str(store), "--host", "127.0.0.1"]
            server = start(stack, [*command, "--port", str(port)], ROOT, {}, work / "panet.log")
            wait_for(f"{panet}/health", server, work / "panet.log")
            with httpx.Client(timeout=60) as client:
                for query in queries:
                    query.answers = {
                        "ill": answer(client, ill, query, False),
                        "panet": answer(client, panet, query, True),
                    }
                postmaster = int((work / "pg" / "data" / "postmaster.pid").read_text().split()[0])
                servers = {"ill": (ill, False, [node.pid, postmaster]), "panet": (panet, True, [server.pid])}
                for query in queries:
                    timed(client, {"ill": (ill, False), "panet": (panet, True)}, query, args.repeat)
                    cpu_per_request(client, servers, query, args.repeat)
    finally:
        if args.keep:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return report(queries, args.repeat, args.scale)


def report(queries: list[Request], repeat: int, scale: int) -> int:
    data = f"ILL's fixtures and {scale} synthetic datasets" if scale else "ILL's fixtures"
    print(f"ILL panosc-search-api on PostgreSQL vs panet serve --catalogue, {data}; {repeat} sequential requests each")
    print(
        "| test | query | ILL | panet | same | ILL p50 ms | panet p50 ms | ILL p99 ms | panet p99 ms | ILL/panet "
        "(p50) | ILL CPU ms | panet CPU ms | ILL/panet (CPU) |"
    )
    print("|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    failed = 0
    for query in queries:
        (ill_status, ill_all), (panet_status, panet_all) = query.answers["ill"], query.answers["panet"]
        ill_pids, panet_pids = (_fixture(pids) for pids in (ill_all, panet_all))  # the synthetic ones aside
        same = ill_status == panet_status == 200 and ill_pids == panet_pids
        paged = isinstance(query.filter, dict) and "limit" in query.filter and "order" not in query.filter
        if paged and not same and ill_status == panet_status == 200:  # a page in no stated order: ILL pages in
            same = len(ill_pids) == len(panet_pids)  # table order, panet by id (LoopBack's default order)
        expected_ok = query.expected is None or (isinstance(panet_pids, list) and len(panet_pids) == query.expected)
        failed += not (same and expected_ok)

        def shown(status: int, pids: object) -> str:
            return str(len(pids)) if status == 200 and isinstance(pids, list) else f"HTTP {status}"

        ill_p50, panet_p50 = (statistics.median(query.times[n]) * 1000 for n in ("ill", "panet"))
        ill_p99, panet_p99 = (p99(query.times[n]) * 1000 for n in ("ill", "panet"))
        verdict = ("yes, as a page in no order" if paged and ill_pids != panet_pids else "yes") if same else "NO"
        verdict = verdict if expected_ok else "NO (not the test's count)"
        print(
            f"| {query.source.split('.')[0]} | {query.title} | {shown(ill_status, ill_all)} | "
            f"{shown(panet_status, panet_all)} | {verdict} | {ill_p50:.2f} | {panet_p50:.2f} | {ill_p99:.2f} | "
            f"{panet_p99:.2f} | {ill_p50 / panet_p50:.1f}x | {query.cpu['ill'] * 1000:.1f} | "
            f"{query.cpu['panet'] * 1000:.1f} | {query.cpu['ill'] / max(query.cpu['panet'], 1e-9):.1f}x |"
        )
    return 1 if failed else 0


def _fixture(pids: object) -> object:
    return [p for p in pids if not str(p).startswith("bench/")] if isinstance(pids, list) else pids


if __name__ == "__main__":
    sys.exit(main())
