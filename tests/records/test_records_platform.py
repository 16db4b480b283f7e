"""The record platform's contracts and hard cases (issues 13, 15, 17): typed readers, writers and
formats; the in-memory stream; JSON Lines vs JSON text; gzip, zip and binary inputs; exit codes
0/1/2/3; disk full; resume over a changed or truncated input; ``-o`` rules."""

from __future__ import annotations

import gzip
import json
import os
import zipfile
from pathlib import Path

import orjson
import pytest

import panet.records
from panet.cli import main
from panet.errors import OptionError, RecordsError, RunFailed
from panet.records import RecordFormat, RecordResult, Status, batch, formats
from panet.records.base import Exporter, Format, Reader
from panet.records.core import RecordAnnotator
from panet.records.export import exporter

DATA = Path(__file__).parents[1] / "data" / "records"
SAXS = "http://purl.org/pan-science/PaNET/PaNET01188"


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def cli(*args: str) -> int:
    return main(["annotate-records", *map(str, args)])


# -- contracts ---------------------------------------------------------------------------------


def test_every_format_is_registered_and_implements_the_contract(tmp_path):
    for name in RecordFormat:
        fmt = formats.get(name)
        assert isinstance(fmt, Format) and fmt.name == name.value
    with pytest.raises(RecordsError, match="choose one of: pan, scicat, datacite, jsonl, csv, nexus"):
        formats.get("marc")
    readers = [
        formats.get("pan").reader(DATA / "pan_datasets.json"),
        formats.get("datacite").reader(DATA / "oai_dc_records.xml"),
        formats.get("csv").reader(b"pid,title\nd1,SAXS\n"),
    ]
    from panet.records.harvesting import HarvestReader

    readers.append(HarvestReader("http://127.0.0.1:9/oai"))  # a Reader too
    for reader in readers:
        assert isinstance(reader, Reader), type(reader)
        assert isinstance(reader.format, Format)
        reader.close()
    assert isinstance(exporter("ttl"), Exporter) and isinstance(exporter("jsonld"), Exporter)
    with pytest.raises(TypeError):  # an incomplete format cannot be made
        type("Half", (Format,), {"name": "half"})()


def test_process_returns_a_named_result(onto):
    job = RecordAnnotator(onto, formats.get("pan"))
    from panet.records.base import Item

    done = job.process(Item(1, b'{"pid": "a", "title": "SAXS"}', line=1, offset=0))
    assert isinstance(done, RecordResult) and done.status is Status.ANNOTATED and done.added == 1
    same = job.process(Item(2, orjson.dumps({"pid": "b", "title": "calibration"})))
    assert same.status is Status.UNCHANGED and same.data == b'{"pid":"b","title":"calibration"}'
    bad = job.process(Item(3, b"[1]", line=7, offset=40))
    assert bad.status is Status.REJECTED and bad.data == b""
    assert bad.reject() == {"record": 3, "line": 7, "offset": 40, "reason": bad.reason, "input": "[1]"}


def test_csv_state_lives_in_the_reader_not_in_the_record(tmp_path, onto):
    source = tmp_path / "t.csv"
    source.write_text('id,title,panet_techniques\n1,GISAXS,"SAXS <x>; magic"\n2,nothing,\n')
    reader = formats.get("csv").reader(source)
    assert reader.format.columns == ["id", "title", "panet_techniques"] and formats.get("csv").columns == []
    reader.close()
    panet.records.annotate_file(source, tmp_path / "o.csv", fields=["title"])
    rows = (tmp_path / "o.csv").read_text().splitlines()
    assert rows[0] == "id,title,panet_techniques" and "\0" not in "".join(rows)
    assert rows[1].startswith("1,GISAXS,small angle x-ray scattering <" + SAXS + ">; magic; grazing")
    record = panet.records.annotate({"id": "1", "title": "SAXS"}, format="csv", fields=["title"]).record
    assert record == {"id": "1", "title": "SAXS", "panet_techniques": f"small angle x-ray scattering <{SAXS}>"}


# -- the in-memory stream -------------------------------------------------------------------------


def test_annotate_stream_matches_annotate_file(tmp_path, onto):
    source = tmp_path / "in.jsonl"
    write_jsonl(source, [{"pid": "a", "title": "SAXS"}, "{broken", {"pid": "c", "title": "calibration"}])
    panet.records.annotate_file(source, tmp_path / "out.jsonl", ontology=onto)
    results = list(panet.records.annotate_stream(source.read_bytes(), ontology=onto))
    assert [r.status for r in results] == [Status.ANNOTATED, Status.REJECTED, Status.UNCHANGED]
    written = b"\n".join(r.data for r in results if r.status is not Status.REJECTED) + b"\n"
    assert written == (tmp_path / "out.jsonl").read_bytes()
    assert [r.reject() for r in results if r.reason] == lines(tmp_path / "out.jsonl.rejects.jsonl")
    assert not list(tmp_path.glob(".*"))  # nothing left behind
    in_workers = list(panet.records.annotate_stream(source.read_text(), processes=2))
    assert [(r.number, r.status, r.data) for r in in_workers] == [(r.number, r.status, r.data) for r in results]


def test_annotate_stream_takes_records_one_by_one(onto):
    given = {"pid": "a", "title": "GISAXS", "techniques": []}
    results = list(panet.records.annotate_stream([given, '{"pid": "b", "title": "SANS"}', 42], format="pan"))
    assert [r.status.value for r in results] == ["annotated", "annotated", "rejected"]
    assert given["techniques"] == []  # the caller's record is not modified
    assert results[2].reject()["input"] == 42 and "JSON object" in results[2].reason
    xml = (DATA / "datacite_resource.xml").read_text()
    (one,) = panet.records.annotate_stream([xml], format="datacite")
    assert one.status is Status.ANNOTATED and b'subjectScheme="PaNET"' in one.data
    ttl = list(panet.records.annotate_stream(gzip.compress(b'{"pid": "10.1/x", "title": "SAXS"}'), to="ttl"))
    assert b"schema:Dataset" in ttl[0].data
    with pytest.raises(RecordsError, match="need their format"):
        list(panet.records.annotate_stream([given]))


# -- JSON Lines vs JSON text (issue 13, issue 14 item 2) --------------------------------------------


def test_a_first_line_that_is_an_array_swallows_nothing(tmp_path):
    records = [{"pid": f"p{i}", "title": "SAXS" if i % 2 else "x" * 300} for i in range(1999)]
    source = write_jsonl(tmp_path / "in.jsonl", [[1, 2, 3], *records])
    summary = panet.records.annotate_file(source, tmp_path / "out.jsonl", format="pan")
    assert (summary.read, summary.rejected) == (2000, 1)
    assert [r["pid"] for r in lines(tmp_path / "out.jsonl")] == [r["pid"] for r in records]
    (reject,) = lines(tmp_path / "out.jsonl.rejects.jsonl")
    assert (reject["line"], reject["input"]) == (1, "[1, 2, 3]") and "an array" in reject["reason"]


@pytest.mark.parametrize(
    ("text", "pids"),
    [
        (json.dumps({"pid": "one", "title": "SAXS", "documents": [{"title": "x"}]}, indent=2), ["one"]),
        (
            json.dumps({"pid": "a", "title": "SAXS"}, indent=1) + "\n" + json.dumps({"pid": "b", "title": "SANS"}),
            ["a", "b"],
        ),
        (json.dumps([{"pid": "a", "title": "SAXS"}, {"pid": "b", "title": "SANS"}]), ["a", "b"]),  # one line
        ('[\n{"pid": "a", "title": "SAXS"}\n]\n', ["a"]),
        ('{"pid": "a", "title": "SAXS"}\n', ["a"]),
    ],
)
def test_json_text_is_whole_records_never_line_fragments(tmp_path, text, pids):
    source = tmp_path / "in.json"
    source.write_text(text)
    summary = panet.records.annotate_file(source, tmp_path / "out.json", format="pan")
    assert (summary.read, summary.rejected) == (len(pids), 0)
    out = (tmp_path / "out.json").read_text()
    written = json.loads(out) if out.startswith("[") else [json.loads(x) for x in _values(out)]
    assert [r["pid"] for r in written] == pids and all(r["techniques"] for r in written)


def _values(text: str) -> list[str]:
    decoder, found, at = json.JSONDecoder(), [], 0
    while text[at:].strip():
        at += len(text[at:]) - len(text[at:].lstrip())
        _, end = decoder.raw_decode(text, at)
        found.append(text[at:end])
        at = end
    return found


def test_deep_nesting_and_unknown_outputs_are_clear(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    source = write_jsonl(tmp_path / "in.jsonl", [{"pid": "a", "title": "SAXS"}, '{"a": ' + deep + "}"])
    summary = panet.records.annotate_file(source, tmp_path / "out.jsonl", format="pan")
    (reject,) = lines(tmp_path / "out.jsonl.rejects.jsonl")
    assert summary.rejected == 1 and reject["reason"] == "invalid JSON: nested too deeply"
    (tmp_path / "deep.json").write_text("[" + deep + "]")  # JSON text: the rest is one reject
    summary = panet.records.annotate_file(tmp_path / "deep.json", tmp_path / "deep.out.json", format="pan")
    assert (summary.read, summary.rejected) == (1, 1)
    with pytest.raises(OptionError, match="to must be one of same, jsonld, ttl; not 'xml'"):
        panet.records.annotate_file(source, tmp_path / "x.jsonl", format="pan", to="xml")


def test_a_broken_first_line_keeps_json_lines(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", ['{"pid": "x", "title": ', {"pid": "a", "title": "SAXS"}])
    summary = panet.records.annotate_file(source, tmp_path / "out.jsonl", format="pan")
    assert (summary.read, summary.rejected, summary.annotated) == (2, 1, 1)


# -- compressed, archived and binary inputs (issue 17) -----------------------------------------------


@pytest.mark.parametrize("name", ["pan_datasets.json", "scicat_datasets.json", "oai_dc_records.xml"])
def test_gzipped_inputs_are_read_transparently(tmp_path, name):
    plain = DATA / name
    packed = tmp_path / (name + ".gz")
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert formats.detect(packed) == formats.detect(plain)
    suffix = "".join(plain.suffixes)
    panet.records.annotate_file(plain, tmp_path / ("plain" + suffix))
    panet.records.annotate_file(packed, tmp_path / ("packed" + suffix))
    assert (tmp_path / ("packed" + suffix)).read_bytes() == (tmp_path / ("plain" + suffix)).read_bytes()


def test_gzipped_json_lines_and_a_truncated_gzip(tmp_path, capsys):
    data = "".join(json.dumps({"pid": f"p{i}", "title": "SAXS"}) + "\n" for i in range(2000)).encode()
    (tmp_path / "ds.jsonl.gz").write_bytes(gzip.compress(data))
    assert cli(tmp_path / "ds.jsonl.gz", "-o", tmp_path / "out.jsonl") == 0
    assert len(lines(tmp_path / "out.jsonl")) == 2000
    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(data)[:3000])
    assert cli(tmp_path / "cut.jsonl.gz", "-o", tmp_path / "cut.jsonl", "--format", "pan") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cut.jsonl.gz: the gzip file is truncated or corrupt" in err
    assert not list(tmp_path.glob(".cut*")) and not (tmp_path / "cut.jsonl").exists()


def test_zip_and_binary_files_are_named_and_refused(tmp_path, capsys):
    with zipfile.ZipFile(tmp_path / "ds.zip", "w") as archive:
        archive.writestr("ds.jsonl", '{"pid": "a", "title": "SAXS"}\n')
    assert cli(tmp_path / "ds.zip", "-o", tmp_path / "o.jsonl") == 2
    assert "ds.zip: a zip archive" in capsys.readouterr().err
    (tmp_path / "blob.dat").write_bytes(os.urandom(4096))
    for extra in ([], ["--format", "pan"], ["--format", "csv", "--fields", "a"], ["--format", "datacite"]):
        assert cli(tmp_path / "blob.dat", "-o", tmp_path / "o.jsonl", *extra) == 2, extra
        err = capsys.readouterr().err
        assert err.startswith("panet: error: ") and err.count("\n") == 1 and "blob.dat: a binary file" in err
    assert not (tmp_path / "o.jsonl").exists() and not list(tmp_path.glob(".o.jsonl*"))


# -- -o, --rejects and write failures (issues 13, 17) ------------------------------------------------


def test_output_rules(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", [{"pid": "a", "title": "SAXS"}])
    assert cli(source, "-o", tmp_path / "o.jsonl", "--format", "jsonl") == 2  # the error names the file
    assert "in.jsonl: format 'jsonl' needs the text fields" in capsys.readouterr().err
    before = source.read_bytes()
    assert cli(source, "-o", source) == 2
    assert "is an input file" in capsys.readouterr().err and source.read_bytes() == before
    assert cli(source, "-o", tmp_path / "o.jsonl", "--rejects", source) == 2
    assert "is an input file" in capsys.readouterr().err and source.read_bytes() == before
    assert cli(source, "-o", tmp_path / "new" / "dir" / "o.jsonl") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "new/dir/o.jsonl: folder does not exist" in err and not (tmp_path / "new").exists()


def test_harvest_refuses_a_missing_folder_before_asking_the_server(tmp_path, capsys):
    assert main(["harvest", "http://127.0.0.1:9/oai", "-o", str(tmp_path / "new" / "h.xml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "folder does not exist" in err and not (tmp_path / "new").exists()


def test_unwritable_rejects_path_is_named_and_leaves_nothing(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", [{"pid": "a", "title": "SAXS"}])
    assert cli(source, "-o", tmp_path / "o.jsonl", "--rejects", "/proc/rejects.jsonl") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "/proc/rejects.jsonl: cannot write the rejects file" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]  # no stale .part file
    assert cli(source, "-o", tmp_path / "o.jsonl", "--rejects", tmp_path / "no" / "r.jsonl") == 2
    assert "folder does not exist" in capsys.readouterr().err


def test_disk_full_is_one_line_and_exit_3_then_resumable(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", [{"pid": f"p{i}", "title": "SAXS " * 40} for i in range(3000)])
    output = tmp_path / "out.jsonl"
    where = batch.paths(output)
    where["output_part"].symlink_to("/dev/full")  # every write to the output fails with ENOSPC
    assert cli(source, "-o", output) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("panet: error: ") and "No space left on device" in err
    assert "--resume" in err and "Traceback" not in err
    with pytest.raises(RunFailed) as failed:
        panet.records.annotate_file(source, output)
    assert failed.value.exit_status == 3 and not output.exists()
    where["output_part"].unlink()
    assert cli(source, "-o", output, "--resume") == 2  # the partial output is gone: nothing to resume
    assert "partial output is missing" in capsys.readouterr().err


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KiB tmpfs (root only; skipped where mounting is not allowed)."""
    import subprocess

    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], check=False, capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root): " + mounted.stderr.decode().strip())
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_full_disk_then_resume_after_freeing_space(tmp_path, tiny_disk, capsys):
    import subprocess

    source = write_jsonl(tmp_path / "in.jsonl", [{"pid": f"p{i}", "title": "SAXS " * 20} for i in range(2000)])
    assert cli(source, "-o", tmp_path / "full.jsonl") == 0  # the expected result, on a roomy disk
    output = tiny_disk / "out.jsonl"
    assert cli(source, "-o", output) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "--resume" in err
    assert batch.paths(output)["output_part"].exists() and not output.exists()
    subprocess.run(["mount", "-o", "remount,size=4m", str(tiny_disk)], check=True)  # space freed
    assert cli(source, "-o", output, "--resume") == 0
    assert output.read_bytes() == (tmp_path / "full.jsonl").read_bytes()


# -- --resume checks the content (issue 13) -----------------------------------------------------------


def _interrupted(source: Path, output: Path, monkeypatch, after: int = 4) -> None:
    monkeypatch.setattr(batch, "CHUNK", 2)
    monkeypatch.setattr(batch, "CHECKPOINT_SECONDS", 0)

    def interrupt(summary, done, total):
        if summary.read >= after:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        panet.records.annotate_file(source, output, format="pan", progress=interrupt)


def test_resume_refuses_an_input_changed_in_place_with_same_size_and_mtime(tmp_path, monkeypatch):
    source = write_jsonl(tmp_path / "in.jsonl", [{"pid": f"p{i}", "title": "SAXS"} for i in range(10)])
    output = tmp_path / "out.jsonl"
    _interrupted(source, output, monkeypatch)
    stat = source.stat()
    source.write_bytes(source.read_bytes().replace(b'"p1"', b'"q1"'))
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert source.stat().st_size == stat.st_size and source.stat().st_mtime_ns == stat.st_mtime_ns
    with pytest.raises(RecordsError, match="changed since the interrupted run"):
        panet.records.annotate_file(source, output, format="pan", resume=True)
    source.write_bytes(source.read_bytes().replace(b'"q1"', b'"p1"'))  # back as it was: resumes
    summary = panet.records.annotate_file(source, output, format="pan", resume=True)
    assert (summary.resumed_from, summary.read) == (4, 10)


def test_an_input_truncated_during_the_run_is_an_error(tmp_path, monkeypatch):
    source = write_jsonl(tmp_path / "in.jsonl", [{"pid": f"p{i}", "title": "SAXS"} for i in range(5000)])
    output = tmp_path / "out.jsonl"
    monkeypatch.setattr(batch, "CHUNK", 100)

    def truncate(summary, done, total):
        if summary.read == 100:
            os.truncate(source, source.stat().st_size // 2)

    with pytest.raises(RecordsError, match=r"shrank from .* while it was read"):
        panet.records.annotate_file(source, output, format="pan", progress=truncate)
    assert not output.exists() and not list(tmp_path.glob(".out*"))


def test_exit_codes_are_documented(capsys):
    for command in ("annotate-records", "harvest"):
        assert main([command, "--help"]) == 0
        text = " ".join(capsys.readouterr().out.split())
        assert "1 some records were rejected" in text and "3 the run failed part way" in text, command
        assert "rerun with --resume" in text, command
