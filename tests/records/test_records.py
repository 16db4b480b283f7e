"""Batch annotation of catalogue records (panet.records, panet annotate-records, panet harvest)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

import panet.records
from panet.cli import main
from panet.errors import BadRecord, RecordsError
from panet.records import batch, formats
from panet.records.core import check_entry

DATA = Path(__file__).parents[1] / "data" / "records"
PANET = "http://purl.org/pan-science/PaNET/"
SAXS, GISAXS, SANS, XRAY_TOMO = PANET + "PaNET01188", PANET + "PaNET01162", PANET + "PaNET01189", PANET + "PaNET01207"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
KERNEL4 = "{http://datacite.org/schema/kernel-4}"


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def pids(record: dict, key: str = "techniques") -> list[str]:
    return [t.get("pid") for t in record.get(key) or ()]


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


# -- existing technique entries ----------------------------------------------------------------


def test_check_entry_verdicts(onto):
    iri = PANET + "PaNET01188"
    assert check_entry(onto, iri, "small angle x-ray scattering") == (onto.term(iri), "ok")
    assert check_entry(onto, iri, "  Small Angle X-ray Scattering ")[1] == "ok"  # stripped, case-folded
    assert check_entry(onto, iri, "SAXS")[1] == "corrected"  # a synonym is not the current label
    assert check_entry(onto, "PaNET:PaNET01188", "small angle x-ray scattering")[1] == "corrected"
    assert check_entry(onto, "https://purl.org/pan-science/PaNET/PaNET01188", None)[1] == "corrected"
    term, status = check_entry(onto, "20.500.12269/0002842", "x-ray probe")  # former label of 01012
    assert (term.id, status) == ("PaNET01012", "corrected")
    term, status = check_entry(onto, PANET + "PaNET2020072", "small angle scattering")  # a specifier pid
    assert (term.id, status) == ("PaNET01124", "corrected")
    assert check_entry(onto, PANET + "PaNET99999", "no such thing") == (None, "unresolved")
    assert check_entry(onto, None, "SAXS", loose=True) == (None, "other")  # a keyword, not an entry
    assert check_entry(onto, None, "x-ray probe", loose=True)[1] == "corrected"


def test_pan_records_annotated_and_entries_checked(tmp_path):
    summary = panet.records.annotate_file(DATA / "pan_datasets.json", tmp_path / "out.json")
    out = json.loads((tmp_path / "out.json").read_text())  # an array in, an array out
    source = json.loads((DATA / "pan_datasets.json").read_text())
    assert [r["pid"] for r in out] == [r["pid"] for r in source]
    assert SAXS in pids(out[0])  # title and documents say SAXS
    assert out[1]["techniques"] == source[1]["techniques"]  # right entry: untouched
    assert pids(out[2]) == [SANS]  # not a PaNET pid; 'small-angle neutron scattering' resolved
    arpes = out[3]["techniques"]
    assert arpes[0] == {"pid": PANET + "PaNET01089", "name": "angle resolved photoemission spectroscopy"}
    assert arpes[1] == {"pid": PANET + "PaNET01012", "name": "x-ray probe technique"}  # former label
    assert arpes[2]["pid"] == PANET + "PaNET01316"  # 'grazing incidence wide angle scattering' (v1.2)
    assert arpes[3]["pid"] == PANET + "PaNET01124"  # specifier pid -> the technique of that label
    assert arpes[4] == source[3]["techniques"][4]  # unresolvable: left as it was, and counted
    assert "techniques" not in out[4]
    assert (summary.read, summary.annotated, summary.unchanged, summary.rejected) == (5, 3, 2, 0)
    assert (summary.corrected, summary.unresolved) == (5, 1)


def test_untouched_records_are_copied_byte_for_byte(tmp_path):
    right = '{"pid":"x1", "title":"dark  current", "techniques":[{"name":"small angle x-ray scattering","pid":"%s"}]}'
    source = write_jsonl(tmp_path / "in.jsonl", [right % SAXS, '{ "pid" : "x2" ,"title":"nothing here" }'])
    panet.records.annotate_file(source, tmp_path / "out.jsonl", format="pan")
    assert (tmp_path / "out.jsonl").read_bytes() == source.read_bytes()


def test_scicat_records(tmp_path):
    assert panet.records.detect_format(DATA / "scicat_datasets.json") == "scicat"
    summary = panet.records.annotate_file(DATA / "scicat_datasets.json", tmp_path / "out.json")
    gisaxs, tomo, xafs = json.loads((tmp_path / "out.json").read_text())
    assert GISAXS in pids(gisaxs)  # datasetName, description, keywords, scientificMetadata
    assert tomo["techniques"] == [{"pid": XRAY_TOMO, "name": "X-ray Tomography"}]  # right (case-folded)
    assert xafs["techniques"][0] == {"pid": PANET + "PaNET01196", "name": "x-ray absorption spectroscopy"}
    assert summary.corrected == 1  # the https:// pid
    assert summary.read == summary.annotated + summary.unchanged == 3


def test_annotate_one_record_in_memory(onto):
    record = {"pid": "p1", "title": "in-situ GISAXS", "techniques": []}
    outcome = panet.records.annotate(record, format="pan", ontology=onto)
    assert record["techniques"] == []  # the caller's dict is not modified
    assert [t.iri for t in outcome.added] == [GISAXS]
    assert pids(outcome.record) == [GISAXS]
    xml = (DATA / "datacite_resource.xml").read_bytes()
    outcome = panet.records.annotate(xml, format="datacite", ontology=onto)
    assert isinstance(outcome.record, str) and SAXS in outcome.record
    csv_row = panet.records.annotate({"id": "1", "title": "SAXS"}, format="csv", fields=["title"], ontology=onto)
    assert csv_row.record["panet_techniques"] == f"small angle x-ray scattering <{SAXS}>"
    with pytest.raises(BadRecord, match="wrong type"):
        panet.records.annotate({"pid": "p1", "techniques": "SAXS"}, format="pan", ontology=onto)
    with pytest.raises(RecordsError, match="fields"):
        panet.records.annotate({"title": "SAXS"}, format="jsonl", ontology=onto)


# -- nothing lost ------------------------------------------------------------------------------


def test_every_record_comes_out_once(tmp_path):
    good = [{"pid": f"g{i}", "title": "SAXS" if i % 2 else "calibration"} for i in range(6)]
    source = tmp_path / "in.jsonl"
    source.write_bytes(
        b"\xef\xbb\xbf"  # a BOM
        + b"\n".join(json.dumps(r).encode() for r in good[:3])
        + b"\n\n   \n"  # blank lines are not records
        + b'{"pid": "bad1", "title": \n'  # invalid JSON
        + b'["not", "an", "object"]\n'
        + b'{"pid": "bad2", "title": "x", "techniques": {"pid": 1}}\n'  # wrong type
        + b'{"pid": "bad3", "title": "caf\xe9"}\n'  # not UTF-8
        + b"\n".join(json.dumps(r).encode() for r in good[3:])  # no newline at the end
    )
    summary = panet.records.annotate_file(source, tmp_path / "out.jsonl", format="pan")
    out = lines(tmp_path / "out.jsonl")
    rejects = lines(tmp_path / "out.jsonl.rejects.jsonl")
    assert [r["pid"] for r in out] == [r["pid"] for r in good]
    assert [r["line"] for r in rejects] == [6, 7, 8, 9]
    assert all(r["reason"] for r in rejects)
    raw = source.read_bytes()
    for reject in rejects:  # the offset points at the record in the input, which is kept as text
        assert raw[reject["offset"] :].startswith(reject["input"].encode("utf-8", "surrogateescape"))
    assert "wrong type" in rejects[2]["reason"] and "not UTF-8" in rejects[3]["reason"]
    assert summary.read == 10 == summary.annotated + summary.unchanged + summary.rejected
    assert (summary.annotated, summary.rejected) == (3, 4)


def test_json_array_streamed_and_truncated_rest_rejected(tmp_path):
    records = [{"pid": f"a{i}", "title": "SAXS\nrun", "nested": {"x": [1, 2, {"y": "]"}]}} for i in range(4)]
    text = json.dumps(records, indent=2)
    (tmp_path / "ok.json").write_text(text)
    panet.records.annotate_file(tmp_path / "ok.json", tmp_path / "ok.out.json", format="pan")
    assert [pids(r) for r in json.loads((tmp_path / "ok.out.json").read_text())] == [[SAXS]] * 4
    (tmp_path / "cut.json").write_text(text[: text.index('"a2"') + 10])
    summary = panet.records.annotate_file(tmp_path / "cut.json", tmp_path / "cut.out.json", format="pan")
    assert [r["pid"] for r in json.loads((tmp_path / "cut.out.json").read_text())] == ["a0", "a1"]
    (reject,) = lines(tmp_path / "cut.out.json.rejects.jsonl")
    assert "rest of the file" in reject["reason"] and reject["offset"] == text.index('{\n    "pid": "a2"')
    assert (summary.read, summary.rejected) == (3, 1)


def test_output_is_written_to_a_temporary_file_and_renamed(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [{"pid": f"p{i}", "title": "SAXS"} for i in range(3000)])
    output = tmp_path / "out.jsonl"
    output.write_text("previous result\n")
    where = batch.paths(output)
    seen = []

    def progress(summary, done, total):
        seen.append((output.read_text(), where["output_part"].exists(), where["state"].exists()))

    panet.records.annotate_file(source, output, format="pan", progress=progress)
    assert len(seen) > 2 and all(s == ("previous result\n", True, True) for s in seen)
    assert len(lines(output)) == 3000
    assert not where["output_part"].exists() and not where["state"].exists()
    assert not where["rejects_part"].exists() and where["rejects"].read_text() == ""


def _big_input(path: Path, count: int) -> Path:
    titles = ("SAXS of sample {}", "calibration {}", "x-ray tomography of bone {}", "GISAXS and SANS {}")
    with open(path, "w") as file:
        for i in range(count):
            if i % 997 == 5:
                file.write('{"pid": "broken", "title": \n')
            else:
                file.write(json.dumps({"pid": f"r{i}", "title": titles[i % 4].format(i), "techniques": []}) + "\n")
    return path


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "panet", "annotate-records", *args]


def test_resume_after_kill_9_gives_identical_output(tmp_path):
    source = _big_input(tmp_path / "in.jsonl", 60_000)
    subprocess.run(_cli(str(source), "-o", str(tmp_path / "full.jsonl")), check=False, capture_output=True)
    output = tmp_path / "out.jsonl"
    where = batch.paths(output)
    half = (tmp_path / "full.jsonl").stat().st_size // 2
    process = subprocess.Popen(_cli(str(source), "-o", str(output)), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:  # killed halfway through writing, wherever it is then (maybe after a checkpoint, maybe mid-record)
        while process.poll() is None:
            if where["output_part"].exists() and where["output_part"].stat().st_size >= half:
                os.kill(process.pid, signal.SIGKILL)
                break
            time.sleep(0.001)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert not output.exists()
    checkpoint = json.loads(where["state"].read_text())
    resumed = _cli(str(source), "-o", str(output), "--resume", "--processes", "2")
    done = subprocess.run(resumed, check=False, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr  # some records are rejected
    assert f"resumed after record {checkpoint['records']:,}" in done.stdout or checkpoint["records"] == 0
    assert output.read_bytes() == (tmp_path / "full.jsonl").read_bytes()
    rejects = (tmp_path / "out.jsonl.rejects.jsonl").read_bytes()
    assert rejects == (tmp_path / "full.jsonl.rejects.jsonl").read_bytes()
    assert rejects.count(b"\n") == len(range(5, 60_000, 997))


def test_resume_after_an_unreadable_tail(tmp_path, monkeypatch):
    records = [{"pid": f"a{i}", "title": "SAXS"} for i in range(5)]
    text = json.dumps(records)
    (tmp_path / "cut.json").write_text(text[:-30])
    full = panet.records.annotate_file(tmp_path / "cut.json", tmp_path / "full.json", format="pan")
    monkeypatch.setattr(batch, "CHUNK", 2)
    monkeypatch.setattr(batch, "CHECKPOINT_SECONDS", 0)

    def interrupt(summary, done, total):
        if summary.read >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        panet.records.annotate_file(tmp_path / "cut.json", tmp_path / "out.json", format="pan", progress=interrupt)
    resumed = panet.records.annotate_file(tmp_path / "cut.json", tmp_path / "out.json", format="pan", resume=True)
    assert (resumed.resumed_from, resumed.read, resumed.rejected) == (4, full.read, 1) == (4, 5, 1)
    assert (tmp_path / "out.json").read_bytes() == (tmp_path / "full.json").read_bytes()
    assert (tmp_path / "out.json.rejects.jsonl").read_bytes() == (tmp_path / "full.json.rejects.jsonl").read_bytes()


def test_resume_refuses_a_changed_job(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [{"pid": "p", "title": "SAXS"}])
    output = tmp_path / "out.jsonl"

    def interrupt(*_):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        panet.records.annotate_file(source, output, format="pan", progress=interrupt)
    assert batch.paths(output)["state"].exists() and not output.exists()
    with pytest.raises(RecordsError, match=r"other input or options.*to"):
        panet.records.annotate_file(source, output, format="pan", to="ttl", resume=True)
    summary = panet.records.annotate_file(source, output, format="pan", resume=True)
    assert summary.read == 1 and pids(lines(output)[0]) == [SAXS]


def test_order_kept_with_processes(tmp_path):
    source = _big_input(tmp_path / "in.jsonl", 6000)
    one = panet.records.annotate_file(source, tmp_path / "one.jsonl", format="pan")
    two = panet.records.annotate_file(source, tmp_path / "two.jsonl", format="pan", processes=2)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert (tmp_path / "one.jsonl.rejects.jsonl").read_bytes() == (tmp_path / "two.jsonl.rejects.jsonl").read_bytes()
    ignored = {"seconds": 0, "output": "", "rejects": "", "report": ""}
    assert one.to_dict() | ignored == two.to_dict() | ignored


_PEAK_RSS = """
import resource, sys, panet.records
panet.records.annotate_file(sys.argv[1], sys.argv[2], format="pan")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_memory_stays_flat_in_the_number_of_records(tmp_path):
    peaks = []
    for count in (4_000, 40_000):
        source = _big_input(tmp_path / f"in{count}.jsonl", count)
        run = subprocess.run(
            [sys.executable, "-c", _PEAK_RSS, str(source), str(tmp_path / f"out{count}.jsonl")],
            capture_output=True,
            text=True,
            check=True,
        )
        peaks.append(int(run.stdout.split()[-1]))  # KiB
    grown = peaks[1] - peaks[0]
    # 36 000 more records (6 MB of JSON, about 60 MB as Python objects) grow the peak by < 8 MB
    assert grown < 8 * 1024, f"peak RSS grew by {grown} KiB"


# -- XML: DataCite, OAI-PMH, oai_dc ------------------------------------------------------------


def test_datacite_subjects_written_and_checked(tmp_path):
    summary = panet.records.annotate_file(DATA / "datacite_resource.xml", tmp_path / "out.xml")
    resource = etree.parse(str(tmp_path / "out.xml")).getroot()
    subjects = resource.findall(f"{KERNEL4}subjects/{KERNEL4}subject")
    panet_subjects = {s.get("valueURI"): s for s in subjects if s.get("subjectScheme") == "PaNET"}
    assert subjects[0].text == "food science" and subjects[0].attrib == {}  # a keyword: untouched
    assert panet_subjects[PANET + "PaNET01196"].text == "x-ray absorption spectroscopy"  # was "XAS"
    assert SAXS in panet_subjects and panet_subjects[SAXS].get("schemeURI") == PANET
    assert summary.corrected == 1
    again = panet.records.annotate_file(tmp_path / "out.xml", tmp_path / "again.xml")
    assert (again.unchanged, again.annotated) == (1, 0)  # idempotent
    assert (tmp_path / "again.xml").read_bytes() == (tmp_path / "out.xml").read_bytes()


def test_oai_pmh_file_with_deleted_and_bad_records(tmp_path):
    source = DATA / "oai_datacite_records.xml"
    assert panet.records.detect_format(source) == "datacite"
    summary = panet.records.annotate_file(source, tmp_path / "out.xml")
    root = etree.parse(str(tmp_path / "out.xml")).getroot()
    assert root.tag == OAI + "OAI-PMH" and root.findtext(OAI + "responseDate") == "2024-05-01T10:00:00Z"
    records = root.findall(f"{OAI}ListRecords/{OAI}record")
    assert len(records) == 8 and records[3].find(OAI + "header").get("status") == "deleted"
    (reject,) = lines(tmp_path / "out.xml.rejects.jsonl")
    assert "unknown metadata" in reject["reason"] and reject["line"] > 1 and "MODS" in reject["input"]
    old = records[6].find(f".//{KERNEL4}subject[@valueURI='{PANET}PaNET01146']")
    assert old.text == "photoemission electron microscopy"  # was the v1.0 label
    assert (summary.read, summary.rejected, summary.corrected) == (9, 1, 1)
    sans = records[0].findall(f".//{KERNEL4}subject[@subjectScheme='PaNET']")
    assert [s.get("valueURI") for s in sans] == [SANS]


def test_oai_dc_subjects(tmp_path):
    panet.records.annotate_file(DATA / "oai_dc_records.xml", tmp_path / "out.xml")
    records = etree.parse(str(tmp_path / "out.xml")).getroot().findall(f"{OAI}ListRecords/{OAI}record")
    dc = "{http://purl.org/dc/elements/1.1/}"
    subjects = [[s.text for s in r.iter(dc + "subject")] for r in records]
    assert subjects[0] == ["surfactants", "SANS", "small angle neutron scattering"]  # keyword kept, label added
    assert "x-ray probe technique" in subjects[4] and "x-ray probe" not in subjects[4]  # former label corrected


def test_invalid_xml_rejects_the_rest_and_external_entities_are_refused(tmp_path):
    text = (DATA / "oai_datacite_records.xml").read_text()
    cut = text[: text.index("<identifier>oai:zenodo.org:1000004")]
    (tmp_path / "cut.xml").write_text(cut + "<oops></record>")
    summary = panet.records.annotate_file(tmp_path / "cut.xml", tmp_path / "cut.out.xml")
    assert (summary.read, summary.rejected) == (5, 1)  # 3 records + the deleted one + the unreadable rest
    (reject,) = lines(tmp_path / "cut.out.xml.rejects.jsonl")
    assert "invalid XML" in reject["reason"] and reject["line"] > 1
    etree.parse(str(tmp_path / "cut.out.xml"))  # what was written is well-formed
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    evil = f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n' + (
        DATA / "datacite_resource.xml"
    ).read_text().split("\n", 1)[1].replace("food science", "&x;")
    (tmp_path / "evil.xml").write_text(evil)
    with pytest.raises(RecordsError, match="document type declaration"):
        panet.records.annotate_file(tmp_path / "evil.xml", tmp_path / "evil.out.xml")
    assert not (tmp_path / "evil.out.xml").exists()
    laughs = "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    resource = f'<resource xmlns="{KERNEL4[1:-1]}"><titles><title>&a9;</title></titles></resource>'
    (tmp_path / "laughs.xml").write_text(f"<!DOCTYPE resource [{laughs}]>{resource}")
    with pytest.raises(RecordsError, match="document type declaration"):  # refused, not expanded
        panet.records.annotate_file(tmp_path / "laughs.xml", tmp_path / "laughs.out.xml")
    assert not (tmp_path / "laughs.out.xml").exists()


# -- OAI-PMH harvest against a real server on 127.0.0.1 ----------------------------------------


@pytest.fixture
def oai_repository():
    from oai_server import Repository, serving

    repository = Repository(
        {"oai_datacite": DATA / "oai_datacite_records.xml", "oai_dc": DATA / "oai_dc_records.xml"}, page_size=3
    )
    with serving(repository) as url:
        yield repository, url


def test_harvest_follows_resumption_tokens(oai_repository, tmp_path):
    repository, url = oai_repository
    summary = panet.records.harvest(url, tmp_path / "h.xml")
    assert len([r for r in repository.requests if "resumptionToken" in r]) == 2  # 9 records, 3 pages
    root = etree.parse(str(tmp_path / "h.xml")).getroot()
    records = root.findall(f"{OAI}ListRecords/{OAI}record")
    assert len(records) == 8 and root.find(OAI + "request").text == url
    assert (summary.read, summary.rejected) == (9, 1)
    assert "unknown metadata" in lines(tmp_path / "h.xml.rejects.jsonl")[0]["reason"]
    file_run = panet.records.annotate_file(DATA / "oai_datacite_records.xml", tmp_path / "f.xml")
    assert etree.tostring(records[0]) == etree.tostring(
        etree.parse(str(tmp_path / "f.xml")).getroot().find(f"{OAI}ListRecords/{OAI}record")
    )
    assert (file_run.annotated, file_run.corrected) == (summary.annotated, summary.corrected)


def test_harvest_resumed_after_an_interruption(oai_repository, tmp_path, monkeypatch):
    _, url = oai_repository
    panet.records.harvest(url, tmp_path / "full.xml")
    monkeypatch.setattr(batch, "CHUNK", 2)
    monkeypatch.setattr(batch, "CHECKPOINT_SECONDS", 0)
    calls = []

    def interrupt(summary, done, total):
        calls.append(summary.read)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        panet.records.harvest(url, tmp_path / "h.xml", progress=interrupt)
    started = batch.paths(tmp_path / "h.xml")["output_part"].read_text().split("</responseDate>")[0]
    time.sleep(1.1)  # the resumed harvest keeps the first run's responseDate
    summary = panet.records.harvest(url, tmp_path / "h.xml", resume=True)
    assert (summary.resumed_from, summary.read, summary.rejected) == (4, 9, 1)
    resumed = (tmp_path / "h.xml").read_text().split("</responseDate>")
    assert resumed[0] == started
    assert resumed[1] == (tmp_path / "full.xml").read_text().split("</responseDate>")[1]


def test_harvest_cli_set_prefix_export_and_errors(oai_repository, tmp_path, capsys):
    _, url = oai_repository
    code = main(["harvest", url, "-o", str(tmp_path / "n.ttl"), "--set", "user-neutrons", "--to", "ttl"])
    assert code == 0 and "read 3" in capsys.readouterr().out
    import rdflib

    graph = rdflib.Graph().parse(tmp_path / "n.ttl", format="turtle")
    datasets = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")))
    assert len(datasets) == 3
    code = main(["harvest", url, "-o", str(tmp_path / "dc.xml"), "--metadata-prefix", "oai_dc", "--json"])
    assert code == 1 and json.loads(capsys.readouterr().out)["rejected"] == 1
    assert main(["harvest", url, "-o", str(tmp_path / "x.xml"), "--metadata-prefix", "marc21"]) == 2
    assert "cannotDisseminateFormat" in capsys.readouterr().err
    assert main(["harvest", url, "-o", str(tmp_path / "e.xml"), "--set", "nothing"]) == 0  # noRecordsMatch
    empty = etree.parse(str(tmp_path / "e.xml")).getroot()  # a valid response: the server's noRecordsMatch
    assert empty.find(f"{OAI}ListRecords") is None and empty.find(OAI + "error").get("code") == "noRecordsMatch"
    assert main(["harvest", "http://127.0.0.1:9/oai", "-o", str(tmp_path / "y.xml")]) == 2
    assert "harvest failed" in capsys.readouterr().err and not (tmp_path / "y.xml").exists()
    assert sorted(p.name for p in tmp_path.glob(".y.xml*")) == []  # nothing half-made is left behind


# -- NeXus -------------------------------------------------------------------------------------


def _nexus(path: Path, definition=None, probe=None, title=None, source_type=None, entry_class=True) -> Path:
    import h5py

    with h5py.File(path, "w") as file:
        entry = file.create_group("entry")
        if entry_class:
            entry.attrs["NX_class"] = "NXentry"
        for key, value in (("definition", definition), ("title", title)):
            if value:
                entry[key] = value
        source = entry.create_group("instrument").create_group("source")
        source.attrs["NX_class"] = "NXsource"
        if probe:
            source["probe"] = probe
        if source_type:
            source["type"] = source_type
    return path


def test_nexus_application_definitions(tmp_path):
    folder = tmp_path / "nexus"
    (folder / "sub").mkdir(parents=True)
    _nexus(folder / "a.nxs", "NXsas", "x-ray", "buffer")
    _nexus(folder / "b.nxs", "NXsas", "neutron", "micelles")
    _nexus(folder / "c.h5", "NXsas", "x-ray", "GISAXS of thin films")  # the title is more specific
    _nexus(folder / "sub" / "d.nxs", "NXtomo", None, "bone", source_type="Synchrotron X-ray Source")
    _nexus(folder / "e.nxs", "NXunknown", "neutron", "run 5")
    _nexus(folder / "f.nxs", None, None, "calibration")
    (folder / "g.nxs").write_bytes(b"\x89HDF\r\n\x1a\n not really")
    with open(folder / "h.nxs", "wb") as file:
        import h5py

        h5py.File(file, "w").close()  # HDF5 without an NXentry
    summary = panet.records.annotate_file(folder, tmp_path / "out.jsonl")
    out = {Path(r["file"]).name: pids(r) for r in lines(tmp_path / "out.jsonl")}
    assert out == {
        "a.nxs": [SAXS],
        "b.nxs": [SANS],
        "c.h5": [GISAXS],
        "d.nxs": [XRAY_TOMO],
        "e.nxs": [],  # a definition panet does not know and a neutron source: no technique
        "f.nxs": [],
    }
    rejects = lines(tmp_path / "out.jsonl.rejects.jsonl")
    assert [Path(r["input"]).name for r in rejects] == ["g.nxs", "h.nxs"]
    assert "unreadable HDF5" in rejects[0]["reason"] and "NXentry" in rejects[1]["reason"]
    assert (summary.read, summary.annotated, summary.unchanged, summary.rejected) == (8, 4, 2, 2)


def test_nexus_table_names_current_techniques(onto):
    import csv

    from panet.records.nexus import TABLE, definition_table

    rows = list(csv.DictReader(line for line in TABLE.read_text().splitlines() if not line.startswith("#")))
    assert len(rows) >= 50 and len({r["definition"] for r in rows}) >= 40
    for row in rows:
        terms = [onto.term(key, kind="any") for key in row["panet"].split()]
        assert [t.label for t in terms] == row["label"].split("; "), row
        assert all(t.kind == "technique" for t in terms)
    assert definition_table()["NXsas"]["neutron"] == ("PaNET01189",)


# -- CSV, generic JSONL, exports, CLI ----------------------------------------------------------


def test_csv_records(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text('id,title,abstract\n1,SAXS study,"GISAXS, of\nthin films"\n2,nothing,here\n3,too,many,cells\n')
    summary = panet.records.annotate_file(source, tmp_path / "out.csv", fields=["title", "abstract"])
    import csv

    with open(tmp_path / "out.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    # "SAXS study" (title) and "GISAXS, of thin films" (abstract): the more specific one says which SAXS
    assert rows[0]["panet_techniques"] == f"grazing incidence small angle x-ray scattering <{GISAXS}>"
    assert rows[1]["panet_techniques"] == "" and len(rows) == 2
    (reject,) = lines(tmp_path / "out.csv.rejects.jsonl")
    assert reject["line"] == 5 and reject["input"] == ["3", "too", "many", "cells"]
    again = panet.records.annotate_file(tmp_path / "out.csv", tmp_path / "again.csv", fields=["title", "abstract"])
    assert again.annotated == 0 and (tmp_path / "again.csv").read_text() == (tmp_path / "out.csv").read_text()
    assert summary.read == 3


def test_generic_jsonl_needs_fields(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", [{"name": "x", "meta": {"method": "SAXS"}}])
    assert panet.records.detect_format(source) == "jsonl"
    assert main(["annotate-records", str(source), "-o", str(tmp_path / "out.jsonl")]) == 2
    assert "fields" in capsys.readouterr().err
    assert main(["annotate-records", str(source), "-o", str(tmp_path / "out.jsonl"), "--fields", "meta"]) == 0
    assert pids(lines(tmp_path / "out.jsonl")[0], "panet_techniques") == [SAXS]


def test_exports_load_in_rdflib_and_meet_the_dataset_shapes(tmp_path):
    import rdflib

    from panet.shacl import validate

    schema = rdflib.Namespace("http://schema.org/")
    for to, rdf_format in (("jsonld", "json-ld"), ("ttl", "turtle")):
        output = tmp_path / f"out.{to}"
        panet.records.annotate_file(DATA / "pan_datasets.json", output, to=to)
        graph = rdflib.Graph().parse(output, format=rdf_format)
        dataset = rdflib.URIRef("https://hdl.handle.net/20.500.12269/0052f856-9615-4f9a-8575-9e180071ff32")
        assert (dataset, rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")) in graph
        assert (dataset, schema.measurementTechnique, rdflib.URIRef(SAXS)) in graph
        assert graph.value(rdflib.URIRef(SAXS), schema.name) == rdflib.Literal("small angle x-ray scattering")
        assert (rdflib.URIRef(SAXS), schema.inDefinedTermSet, rdflib.URIRef(PANET + "PaNET.owl")) in graph
        assert len(set(graph.subjects(rdflib.RDF.type, schema.Dataset))) == 5
        assert (dataset, rdflib.URIRef("http://www.w3.org/ns/dcat#theme"), rdflib.URIRef(SAXS)) in graph
        report = validate(output)  # panet's own SHACL dataset profile
        failing = {r.focus for r in report.results if r.severity_name == "Violation"}
        assert failing == {rdflib.URIRef("https://hdl.handle.net/20.500.12269/empty-1")}  # no technique found


def test_cli_summary_exit_status_and_bad_input(tmp_path, capsys):
    assert main(["annotate-records", str(DATA / "scicat_datasets.json"), "-o", str(tmp_path / "o.json")]) == 0
    assert capsys.readouterr().out.startswith("read 3: ")
    source = write_jsonl(tmp_path / "in.jsonl", [{"pid": "a", "title": "SAXS"}, "{nope"])
    assert main(["annotate-records", str(source), "-o", str(tmp_path / "o.jsonl"), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["read"], report["annotated"], report["rejected"]) == (2, 1, 1)
    assert main(["annotate-records", str(tmp_path / "missing.json"), "-o", str(tmp_path / "x")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["annotate-records", str(source), "-o", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01 binary")
    assert main(["annotate-records", str(tmp_path / "blob.bin"), "-o", str(tmp_path / "x")]) == 2
    assert "blob.bin: a binary file" in capsys.readouterr().err


def test_format_detection(tmp_path):
    assert formats.detect(DATA / "pan_datasets.json") == "pan"
    assert formats.detect(DATA / "oai_dc_records.xml") == "datacite"
    assert formats.detect(_nexus(tmp_path / "x.bin", "NXsas")) == "nexus"  # by the HDF5 signature
    (tmp_path / "t.txt").write_text("a,b\n1,2\n")
    assert formats.detect(tmp_path / "t.txt") == "csv"
    with pytest.raises(RecordsError, match="unknown record format"):
        formats.get("marc")


# -- the PaN search API filter (issue 10) selects what was annotated ----------------------------


def test_pan_search_filter_selects_the_annotated_records(onto, tmp_path, capsys):
    panet.records.annotate_file(DATA / "pan_datasets.json", tmp_path / "out.json")
    records = json.loads((tmp_path / "out.json").read_text())

    def selected(key: str, descendants: bool = True) -> list[str]:
        scope = onto.pan_search_filter(key, descendants=descendants)["include"][0]["scope"]
        wanted = set(scope["where"]["pid"]["inq"])
        return [r["pid"].rsplit("/", 1)[1] for r in records if wanted & set(pids(r))]

    assert selected("small angle scattering") == ["0052f856-9615-4f9a-8575-9e180071ff32", "ess-loki-482", "arpes-77"]
    # 0052f856 says "small angle scattering" in a parameter, at ESRF BM29 (x-ray): the probe refines it to SAXS
    assert selected("small angle scattering", descendants=False) == ["arpes-77"]
    assert selected("x-ray probe") == ["0052f856-9615-4f9a-8575-9e180071ff32", "a1b2c3d4-powder", "arpes-77"]
    assert main(["pan-filter", "SAXS"]) == 0
    assert json.loads(capsys.readouterr().out) == onto.pan_search_filter("SAXS")
