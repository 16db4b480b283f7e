"""JSON input of every shape is whole records, and the output keeps the input's shape (issue 14,
item 2): one object, an array, pretty-printed values one after the other (``jq .``), JSON Lines;
big arrays streamed; a syntax error is one reject saying line and column, every earlier record out."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc

import pytest

import panet.records
from panet.records.jsonl import JsonReader

SAXS = "http://purl.org/pan-science/PaNET/PaNET01188"
SANS = "http://purl.org/pan-science/PaNET/PaNET01189"
SAXS_ENTRY = {"pid": SAXS, "name": "small angle x-ray scattering"}


def annotate(tmp_path, text: str, name: str = "in.json", **options) -> tuple[str, list[dict], panet.records.Summary]:
    source = tmp_path / name
    source.write_bytes(text.encode("utf-8"))
    summary = panet.records.annotate_file(source, tmp_path / ("out-" + name), **options)
    rejects = (tmp_path / ("out-" + name + ".rejects.jsonl")).read_text().splitlines()
    return (tmp_path / ("out-" + name)).read_text(encoding="utf-8"), [json.loads(r) for r in rejects], summary


def annotated(record: dict, *entries: dict) -> dict:
    return {**record, "techniques": [*record.get("techniques", []), *entries]}


# -- each shape in, the same shape out ------------------------------------------------------------

RECORDS = [
    {"pid": "a", "title": "SAXS of gold", "documents": [{"title": "Nanoparticles", "keywords": ["Au", "é"]}]},
    {"pid": "b", "title": "calibration", "techniques": [SAXS_ENTRY]},  # unchanged: copied byte for byte
    {"pid": "c", "title": "SANS of micelles", "techniques": []},
]
EXPECTED = [
    annotated(RECORDS[0], SAXS_ENTRY),
    RECORDS[1],
    annotated(RECORDS[2], {"pid": SANS, "name": "small angle neutron scattering"}),
]


def test_one_pretty_object_in_one_pretty_object_out(tmp_path):
    out, rejects, summary = annotate(tmp_path, json.dumps(RECORDS[0], indent=2, ensure_ascii=False))
    assert (summary.read, summary.annotated, rejects) == (1, 1, [])
    assert out == json.dumps(EXPECTED[0], indent=2, ensure_ascii=False) + "\n"


def test_pretty_array_in_pretty_array_out_like_jq(tmp_path):
    text = json.dumps(RECORDS, indent=2, ensure_ascii=False)
    out, rejects, summary = annotate(tmp_path, text)
    assert (summary.read, summary.annotated, summary.unchanged, rejects) == (3, 2, 1, [])
    assert out == json.dumps(EXPECTED, indent=2, ensure_ascii=False) + "\n"  # what `jq .` writes
    unchanged = json.dumps([RECORDS[1]], indent=2)
    out, _, summary = annotate(tmp_path, unchanged, "unchanged.json")
    assert summary.unchanged == 1 and out == unchanged + "\n"  # byte for byte, plus the final newline


def test_pretty_values_one_after_the_other_like_jq_output(tmp_path):
    text = "\n".join(json.dumps(r, indent=2, ensure_ascii=False) for r in RECORDS) + "\n"
    out, rejects, summary = annotate(tmp_path, text)
    assert (summary.read, rejects) == (3, [])
    assert out == "\n".join(json.dumps(r, indent=2, ensure_ascii=False) for r in EXPECTED) + "\n"


def test_compact_array_and_json_lines_keep_their_shape(tmp_path):
    out, _, _ = annotate(tmp_path, json.dumps(RECORDS))  # one line: an array, one record a line
    assert out.startswith("[\n{") and json.loads(out) == EXPECTED and len(out.splitlines()) == 5
    out, _, _ = annotate(tmp_path, "".join(json.dumps(r) + "\n" for r in RECORDS), "in.jsonl")
    assert [json.loads(line) for line in out.splitlines()] == EXPECTED


@pytest.mark.parametrize(
    ("text", "written"),
    [("[]", "[]\n"), ("[\n  1,\n  2\n]", "[]\n"), ('{\n  "pid": 3\n}', "")],
)
def test_nothing_written_still_the_input_shape(tmp_path, text, written):
    out, rejects, summary = annotate(tmp_path, text, format="pan")
    assert out == written and summary.read == len(rejects)


def test_reader_says_the_shape():
    reader = JsonReader(b'[\n  {\n    "a": 1\n  }\n]')
    assert (reader.opening, reader.depth, reader.pretty, reader.lines) == (b"[", 1, True, False)
    assert (reader.header(), reader.separator(), reader.footer(1)) == (b"[\n  ", b",\n  ", b"\n]\n")
    assert reader.format.dump({"a": [1]}) == b'{\n    "a": [\n      1\n    ]\n  }'


# -- positions and syntax errors ------------------------------------------------------------------


def test_rejects_point_at_the_start_of_their_record(tmp_path):
    records = [RECORDS[0], 42, "x", {"pid": 7, "title": "SAXS"}, RECORDS[2]]
    text = json.dumps(records, indent=2, ensure_ascii=False)
    out, rejects, summary = annotate(tmp_path, text, format="pan")
    assert [r["pid"] for r in json.loads(out)] == ["a", "c"]
    assert [r["record"] for r in rejects] == [2, 3, 4] and summary.rejected == 3
    raw = text.encode("utf-8")
    for reject in rejects:
        assert raw[reject["offset"] :].startswith(reject["input"].encode("utf-8"))
        assert raw[: reject["offset"]].count(b"\n") + 1 == reject["line"]


@pytest.mark.parametrize(
    "text",
    [
        # a missing comma inside the third element of a pretty array
        json.dumps(RECORDS[:2], indent=2, ensure_ascii=False)[:-2] + ',\n  {\n    "pid": "d"\n    "title": 1\n  }\n]',
        # jq-style values, the third one broken
        json.dumps(RECORDS[0], indent=2, ensure_ascii=False)
        + "\n"
        + json.dumps(RECORDS[1])
        + '\n{"pid": "d", "t": é}\n',
        # one line, non-ASCII before the error: the column counts characters
        json.dumps(RECORDS[:2], ensure_ascii=False)[:-1] + ', {"pid": "d",, "x": 1}, {"pid": "e"}]',
    ],
)
def test_a_syntax_error_is_one_reject_with_line_and_column_after_every_earlier_record(tmp_path, text):
    error = first_error(text)  # the error the standard library finds reading the values of the whole text
    out, rejects, summary = annotate(tmp_path, text, format="pan")
    written = json.loads(out) if out.startswith("[") else [json.loads(v) for v in _values(out)]
    assert [r["pid"] for r in written] == ["a", "b"]
    (reject,) = rejects
    assert f"line {error.lineno}, column {error.colno}" in reject["reason"]
    assert "the rest of the file" in reject["reason"] and (summary.read, summary.rejected) == (3, 1)
    rest = text.encode("utf-8")[reject["offset"] :]  # the broken record's start
    assert rest.startswith(b"{") and b'"pid": "d"' in rest[:20]
    assert reject["line"] == text.encode("utf-8")[: reject["offset"]].count(b"\n") + 1


def _values(text: str) -> list[str]:
    decoder, found, at = json.JSONDecoder(), [], 0
    while text[at:].strip():
        at += len(text[at:]) - len(text[at:].lstrip())
        _, end = decoder.raw_decode(text, at)
        found.append(text[at:end])
        at = end
    return found


def first_error(text: str) -> json.JSONDecodeError:
    try:
        _values(text)
    except json.JSONDecodeError as err:
        return err
    raise AssertionError("no syntax error in the text")


def test_an_error_past_a_long_line_still_says_its_column(tmp_path):
    padding = "x" * (3 << 20)  # the line began long before the text the reader still holds
    text = f'[{{"pid": "a", "title": "SAXS", "pad": "{padding}"}}, {{"pid": "b" "title": "SANS"}}]'
    _, (reject,), _ = annotate(tmp_path, text, format="pan")
    assert f"line 1, column {first_error(text).colno}" in reject["reason"]


# -- big arrays are streamed ----------------------------------------------------------------------


def test_a_big_array_is_streamed_in_constant_memory(tmp_path):
    record = json.dumps({"pid": "p", "title": "SAXS of sample", "documents": [{"summary": "s" * 300}]}, indent=2)
    source = tmp_path / "big.json"
    count = 30_000  # about 11 MB of pretty-printed JSON, 4 MiB at the peak when streamed
    with open(source, "w") as file:
        file.write("[\n" + ",\n".join([record] * count) + "\n]\n")
    assert source.stat().st_size > 10 << 20
    tracemalloc.start()
    try:
        reader = JsonReader(source)
        seen = sum(1 for _ in reader.items())
        reader.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seen == count
    assert peak < 8 << 20, f"peak {peak / 2**20:.1f} MiB: the array was not streamed"


def test_cli_on_a_pretty_array_and_on_a_broken_one(tmp_path):
    source = tmp_path / "in.json"
    source.write_text(json.dumps(RECORDS, indent=2))
    run = subprocess.run(
        [sys.executable, "-m", "panet", "annotate-records", str(source), "-o", str(tmp_path / "out.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads((tmp_path / "out.json").read_text()) == EXPECTED
    source.write_text(json.dumps(RECORDS, indent=2)[:-30])  # cut
    run = subprocess.run(
        [sys.executable, "-m", "panet", "annotate-records", str(source), "-o", str(tmp_path / "cut.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1 and "1 rejected" in run.stderr + run.stdout
    assert [r["pid"] for r in json.loads((tmp_path / "cut.json").read_text())] == ["a", "b"]


@pytest.mark.parametrize("shape", ["pretty array", "pretty values", "DataCite list"])
def test_resumed_json_text_gives_the_same_output(tmp_path, monkeypatch, shape):
    from panet.records import batch

    records = [{"pid": f"p{i}", "title": "SAXS" if i % 2 else "calibration"} for i in range(9)]
    if shape == "pretty array":
        text, options = json.dumps(records, indent=2), {"format": "pan"}
    elif shape == "pretty values":
        text, options = "\n".join(json.dumps(r, indent=4) for r in records), {"format": "pan"}
    else:
        data = [{"id": r["pid"], "type": "dois", "attributes": {"titles": [{"title": r["title"]}]}} for r in records]
        text, options = json.dumps({"data": data, "meta": {"total": 9}}, indent=2), {"format": "datacite"}
    (tmp_path / "in.json").write_text(text)
    panet.records.annotate_file(tmp_path / "in.json", tmp_path / "full.json", **options)
    monkeypatch.setattr(batch, "CHUNK", 2)
    monkeypatch.setattr(batch, "CHECKPOINT_SECONDS", 0)

    def interrupt(summary, done, total):
        if summary.read >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        panet.records.annotate_file(tmp_path / "in.json", tmp_path / "out.json", progress=interrupt, **options)
    resumed = panet.records.annotate_file(tmp_path / "in.json", tmp_path / "out.json", resume=True, **options)
    assert (resumed.resumed_from, resumed.read) == (4, 9)
    assert (tmp_path / "out.json").read_bytes() == (tmp_path / "full.json").read_bytes()
    full = (tmp_path / "full.json").read_text()
    written = json.loads(full)["data"] if shape == "DataCite list" else json.loads(full) if "[" in full[:1] else None
    assert written is None or len(written) == 9
    assert shape != "DataCite list" or json.loads(full)["meta"] == {"total": 9}
