"""The free-text index (`panet.catalogue.text_index`) ranks exactly as a brute-force BM25 over the
same rows, computed here from the texts: after a new build, after updates and deletions (with
and without the lists re-ordered), with a where condition (both plans), with ties and pages; on
both stores."""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections import Counter
from typing import Any

import pytest

from panet.catalogue import Catalogue, text_index
from panet.catalogue.dialect import dialect_for
from panet.catalogue.store import Writer, prepare_dataset
from panet.catalogue.text_index import IDF_SCALE, IMPACT_SCALE, impact

VOCABULARY = ["saxs", "casein", "lysozyme", "film", "scan", "x-ray", "Ångström", "diffraction", "dark", "tomo"]
QUERIES = ["saxs", "casein film", "angstrom", "x ray diffraction", "saxs casein nothingness", "dark scan tomo lysozyme"]
PAGES = [(5, 0), (10, 3), (40, 0), (1000, 0), (7, 30)]


def _words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return re.findall(r"[^\W_]+", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _text(rng: random.Random, most: int) -> str:
    return " ".join(rng.choices(VOCABULARY, weights=range(len(VOCABULARY), 0, -1), k=rng.randint(0, most)))


def _dataset(rng: random.Random, pid: str, most: int = 4) -> tuple[dict, list[str]]:
    """A dataset and its synonyms (the terms); a few texts repeat, so that scores tie."""
    title = rng.choice(["SAXS of casein", "dark scan"]) if rng.random() < 0.2 else _text(rng, most)
    dataset = {"pid": pid, "title": title, "isPublic": rng.random() < 0.7, "creationDate": "2023"}
    return dataset, _text(rng, 2 * most).split()


def _write(store: Any, datasets: list[tuple[dict, list[str]]], deleted: list[str] = (), rebuild: bool = False) -> None:
    with dialect_for(store).building(store, rebuild) as db:
        writer = Writer(db)
        for dataset, synonyms in datasets:
            writer.put_dataset(dataset, synonyms)
        for pid in deleted:
            writer.delete_dataset(pid)
        writer.finish()


def _expected(catalogue: Catalogue, texts: dict[str, tuple[str, str]], query: str, keep=lambda pid: True) -> list:
    """``(pid, score)`` of every row holding a query word, best first: BM25 as the module's
    docstring specifies it, from the texts, with the store's avgdl and row numbers."""
    rows = dict(catalogue._run("SELECT id, n FROM dataset", []))
    ((avgdl,),) = catalogue._run("SELECT value FROM meta WHERE key = 'text:dataset:avgdl'", [])
    counted = {}
    for pid, (title, terms) in texts.items():
        tf = Counter({w: 2 * c for w, c in Counter(_words(title)).items()}) + Counter(_words(terms))
        counted[pid] = (tf, 2 * len(_words(title)) + len(_words(terms)))
    total = sum(length for _, length in counted.values())
    assert abs(total / len(counted) / float(avgdl) - 1) <= text_index.DRIFT
    asked = list(dict.fromkeys(_words(query)))
    df = {w: sum(1 for tf, _ in counted.values() if tf[w]) for w in asked}
    idf = {w: int(IDF_SCALE * math.log(1 + (len(counted) - df[w] + 0.5) / (df[w] + 0.5))) + 1 for w in asked}
    scored = []
    for pid, (tf, length) in counted.items():
        score = sum(idf[w] * impact(tf[w], length, float(avgdl)) for w in asked if tf[w])
        if score and keep(pid):
            scored.append((-score, rows[pid], pid))
    scale = IMPACT_SCALE * IDF_SCALE
    return [(pid, (-s / scale) / (1 + -s / scale)) for s, _, pid in sorted(scored)]


def _check(catalogue: Catalogue, texts: dict[str, tuple[str, str]], public: dict[str, bool]) -> None:
    some = sorted(texts)[::7]
    wheres = [
        (None, lambda pid: True),
        ({"isPublic": True}, lambda pid: public[pid]),  # most rows: the lists are walked, rows tested
        ({"pid": {"inq": some}}, lambda pid: pid in some),  # few rows: they are ranked all
    ]
    for query in QUERIES:
        for where, keep in wheres:
            everything = _expected(catalogue, texts, query, keep)
            for limit, skip in PAGES:
                spec: dict[str, Any] = {"limit": limit, "skip": skip, **({"where": where} if where else {})}
                found = [(d["pid"], d["score"]) for d in catalogue.find("Dataset", spec, query=query)]
                expected = everything[skip : skip + limit]
                assert [p for p, _ in found] == [p for p, _ in expected], (query, where, limit, skip)
                assert [s for _, s in found] == pytest.approx([s for _, s in expected], rel=1e-12)
                assert all(0 < s < 1 for _, s in found)


def _lists_follow_the_impacts(catalogue: Catalogue) -> None:
    """Every posting's rank is minus the impact Python computes, and the lists hold every word
    of every row (so SQL and Python agree on each float)."""
    ((avgdl,),) = catalogue._run("SELECT value FROM meta WHERE key = 'text:dataset:avgdl'", [])
    expected = set()
    for n, length, packed in catalogue._run("SELECT n, length, words FROM dataset_forward", []):
        held = packed if isinstance(packed, dict) else __import__("json").loads(packed)
        expected |= {(w, -impact(v >> 4, length, float(avgdl)), n) for w, v in held.items()}
    assert set(catalogue._run("SELECT word, rank, n FROM dataset_postings", [])) == expected
    df = Counter(w for w, _, _ in expected)
    assert dict(catalogue._run("SELECT word, rows FROM dataset_words", [])) == df
    # the segments: each word's rows of one impact, the rows before them in the list counted
    groups: dict[tuple[str, int], set[int]] = {}
    for word, rank, n in expected:
        groups.setdefault((word, rank), set()).add(n)
    segments = catalogue._run("SELECT word, start, rank, size, rows FROM dataset_segments ORDER BY word, start", [])
    assert {(w, r): {int(n) for n in rows.split(",")} for w, _, r, _, rows in segments} == groups
    assert all(size == len(groups[w, r]) for w, _, r, size, _ in segments)
    starts = {w: 0 for w in df}
    for word, start, _, size, _ in segments:
        assert start == starts[word]
        starts[word] += size


def _texts(datasets: list[tuple[dict, list[str]]]) -> dict[str, tuple[str, str]]:
    return {d["pid"]: (d["title"], prepare_dataset(d, synonyms).terms) for d, synonyms in datasets}


def test_ranking_is_bm25_after_builds_updates_and_deletions(new_store, onto):
    rng = random.Random(5)
    store = new_store("text")
    datasets = [_dataset(rng, f"d{i:03d}") for i in range(240)]
    _write(store, datasets)
    catalogue = Catalogue(store, onto)
    current = {d["pid"]: (d, s) for d, s in datasets}
    _lists_follow_the_impacts(catalogue)
    _check(catalogue, _texts(list(current.values())), {p: d["isPublic"] for p, (d, _) in current.items()})

    # an update within the drift: 30 changed, 20 deleted, 25 new; the lists are updated, not re-ordered
    ((before,),) = catalogue._run("SELECT value FROM meta WHERE key = 'text:dataset:avgdl'", [])
    changed = [_dataset(rng, f"d{i:03d}") for i in rng.sample(range(240), 30)] + [
        _dataset(rng, f"n{i:03d}") for i in range(25)
    ]
    deleted = [p for p in rng.sample(sorted(current), 20)]
    _write(store, changed, deleted)
    current.update({d["pid"]: (d, s) for d, s in changed})
    for pid in deleted:
        current.pop(pid)
    ((after,),) = catalogue._run("SELECT value FROM meta WHERE key = 'text:dataset:avgdl'", [])
    assert after == before  # kept: the true average moved less than DRIFT
    _lists_follow_the_impacts(catalogue)
    _check(catalogue, _texts(list(current.values())), {p: d["isPublic"] for p, (d, _) in current.items()})

    # longer texts move the average past DRIFT: the lists are re-ordered with the new average
    longer = [_dataset(rng, f"d{i:03d}", most=12) for i in range(0, 240, 2)]
    _write(store, longer)
    current.update({d["pid"]: (d, s) for d, s in longer})
    ((moved,),) = catalogue._run("SELECT value FROM meta WHERE key = 'text:dataset:avgdl'", [])
    assert float(moved) > float(before) * (1 + text_index.DRIFT)
    _lists_follow_the_impacts(catalogue)
    _check(catalogue, _texts(list(current.values())), {p: d["isPublic"] for p, (d, _) in current.items()})


def test_an_update_rewrites_the_segments_of_the_words_it_touched(new_store, onto):
    store = new_store("segments")
    first = [({"pid": f"s{i}", "title": f"casein film {i % 3}", "creationDate": "2023"}, ["SAXS"]) for i in range(9)]
    _write(store, [*first, ({"pid": "rare", "title": "lysozyme casein", "creationDate": "2023"}, [])])
    catalogue = Catalogue(store, onto)
    _lists_follow_the_impacts(catalogue)
    # a deletion alone (the word "lysozyme" goes, "casein" loses a row), then a change of length
    _write(store, [], deleted=["rare"])
    _lists_follow_the_impacts(catalogue)
    assert catalogue.find("Dataset", query="lysozyme") == []
    _write(store, [({"pid": "s4", "title": "casein", "creationDate": "2023"}, ["SAXS"])])
    _lists_follow_the_impacts(catalogue)
    assert catalogue.find("Dataset", {"limit": 1}, query="casein")[0]["pid"] == "s4"  # the shortest


def test_ties_are_in_row_order_across_pages(new_store, onto):
    store = new_store("ties")
    same = [({"pid": f"t{i:02d}", "title": "SAXS of casein", "creationDate": "2023"}, []) for i in range(30)]
    _write(store, [*same, ({"pid": "other", "title": "casein", "creationDate": "2023"}, ["lysozyme"])])
    catalogue = Catalogue(store, onto)
    pages = [catalogue.find("Dataset", {"limit": 7, "skip": skip}, query="saxs casein") for skip in range(0, 35, 7)]
    found = [d["pid"] for page in pages for d in page]
    assert found == [f"t{i:02d}" for i in range(30)] + ["other"]
    assert len({d["score"] for page in pages for d in page[:-1]} - {pages[-1][-1]["score"]}) == 1


def test_a_query_reads_the_heads_of_its_lists_only(tmp_path, onto):
    rng = random.Random(9)
    store = tmp_path / "heads.sqlite"
    datasets = [_dataset(rng, f"d{i:04d}") for i in range(3000)]
    _write(store, datasets)
    catalogue = Catalogue(store, onto)
    read: list[int] = []  # the list entries read, and a row scored as `_SEGMENT_COST` entries
    run = catalogue._run

    def counting(sql: str, values: list) -> list:
        rows = run(sql, values)
        if "_segments" in sql and "rows" in sql:
            read.append(sum(r[-1].count(",") + 1 for r in rows))
        elif "_postings" in sql:
            read.append(len(rows))
        elif "_forward" in sql:
            read.append(len(rows) * text_index._SEGMENT_COST)
        return rows

    catalogue._run = counting  # type: ignore[method-assign]
    for query, share in [("saxs", 0.05), ("saxs casein", 0.6)]:  # whole groups of rows of one impact
        read.clear()
        found = catalogue.find("Dataset", {"limit": 10}, query=query)
        words = query.split()
        ((listed,),) = run(
            f"SELECT count(*) FROM dataset_postings WHERE word IN ({', '.join('?' * len(words))})", words
        )
        assert len(found) == 10 and 0 < sum(read) < listed * share, (query, sum(read), listed)


def _two_common_words(rng: random.Random, pid: str) -> tuple[dict, list[str]]:
    """A dataset holding "neutron" and "diffraction" (most do), one of them in its title (weight 2):
    few lengths, so that thousands of rows share the top impacts of each list, and the rows
    scoring most come deep in one of the lists (as in the benchmark's store)."""
    title = rng.choice(["neutron", "diffraction", "neutron diffraction", "powder"])
    title += " of" * rng.choice([0, 0, 1, 2]) + " film" * rng.choice([0, 1, 1, 3])
    terms = [rng.choice(["neutron diffraction", "diffraction", "neutron", "x-ray diffraction", "scan"])]
    return {"pid": pid, "title": title, "isPublic": rng.random() < 0.5, "creationDate": "2023"}, terms


def test_two_common_words_with_many_ties_fetch_few_rows(new_store, onto):
    """Exact, and the store returns a few rows (a group of rows of one impact is one), where
    reading the lists entry by entry fetched a third of them."""
    rng = random.Random(11)
    store = new_store("common")
    datasets = [_two_common_words(rng, f"c{i:04d}") for i in range(4000)]
    _write(store, datasets)
    catalogue = Catalogue(store, onto)
    texts = _texts(datasets)
    fetched: list[int] = []
    run = catalogue._run

    def counting(sql: str, values: list) -> list:
        rows = run(sql, values)
        if "_segments" in sql or "_forward" in sql or "_postings" in sql:
            fetched.append(len(rows))
        return rows

    catalogue._run = counting  # type: ignore[method-assign]
    ((listed,),) = run("SELECT count(*) FROM dataset_postings WHERE word IN ('neutron', 'diffraction')", [])
    for query in ["neutron diffraction", "diffraction neutron film", "neutron"]:
        everything = _expected(catalogue, texts, query)
        for limit, skip in [(100, 0), (10, 0), (25, 40), (1, 0)]:
            fetched.clear()
            found = [d["pid"] for d in catalogue.find("Dataset", {"limit": limit, "skip": skip}, query=query)]
            assert found == [pid for pid, _ in everything[skip : skip + limit]], (query, limit, skip)
            assert sum(fetched) < listed / 50, (query, limit, skip, sum(fetched), listed)


def test_the_text_operator_finds_words_in_the_models_text_fields(new_store, onto):
    store = new_store("operator")
    _write(store, [({"pid": "a", "title": "Casein film", "creationDate": "2023"}, ["SAXS"]),
                   ({"pid": "b", "title": "Lysozyme", "creationDate": "2023"}, ["casein"])])  # fmt: skip
    catalogue = Catalogue(store, onto)
    assert [d["pid"] for d in catalogue.find("Dataset", {"where": {"text": "CASEIN"}})] == ["a"]  # title only
    assert [d["pid"] for d in catalogue.find("Dataset", {"where": {"text": "casein film"}})] == ["a"]
    assert catalogue.find("Dataset", {"where": {"text": "saxs"}}) == []  # a term, not the title
    assert [d["pid"] for d in catalogue.find("Dataset", query="saxs")] == ["a"]  # free text reads the terms


@pytest.mark.parametrize("schema", ["1", "2"])  # FTS5; the lists without segments
def test_a_store_of_an_earlier_panet_is_refused_with_rebuild(tmp_path, onto, schema):
    import sqlite3

    from panet.catalogue import StoreError, build
    from panet.errors import PanetError

    store = tmp_path / "old.sqlite"
    _write(store, [({"pid": "a", "title": "Casein", "creationDate": "2023"}, [])])
    with sqlite3.connect(store) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (schema,))  # as an earlier store says
    with pytest.raises(StoreError, match="older panet; rebuild it"):
        Catalogue(store, onto)
    source = tmp_path / "d.jsonl"
    source.write_text('{"pid": "b", "title": "Lysozyme", "creationDate": "2023"}\n')
    with pytest.raises(PanetError, match="rebuild it"):
        build([source], store, ontology=onto)
    build([source], store, ontology=onto, rebuild=True)
    assert [d["pid"] for d in Catalogue(store, onto).find("Dataset", query="lysozyme")] == ["b"]
