"""Existing technique entries whose pid and name disagree, or that contradict their record
(panet.records.core: read_entry, EntryConflict), through the library, the real command line and
the service, on the real facility records of benchmarks/data/real with entries put in them."""

from __future__ import annotations

import copy
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from lxml import etree

import panet.records
from panet.cli import main
from panet.records import ConflictKind, batch
from panet.records.core import read_entry

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "benchmarks" / "data" / "real"
PANET = "http://purl.org/pan-science/PaNET/"
XRF, XRR, SAXS, SANS = PANET + "PaNET01177", PANET + "PaNET01149", PANET + "PaNET01188", PANET + "PaNET01189"
XRAY_PROBE, NEUTRON_PROBE = PANET + "PaNET01012", PANET + "PaNET00101"
NEUTRON_IMAGING = PANET + "PaNET01249"
ISSUE = {"pid": XRF, "name": "X-Ray Reflectivity (XRR)"}  # the example of issue 14
KERNEL4 = "{http://datacite.org/schema/kernel-4}"


def real(name: str) -> list[dict]:
    return json.loads((REAL / name).read_text(encoding="utf-8"))


def scicat(location: str) -> dict:
    """A real SciCat dataset of a facility (benchmarks/data/real/scicat_records.json)."""
    return copy.deepcopy(next(r for r in real("scicat_records.json") if r.get("creationLocation") == location))


def pan(pid: str) -> dict:
    """A real PaN search API dataset (benchmarks/data/real/pan_records.json)."""
    return copy.deepcopy(next(r for r in real("pan_records.json") if r["pid"] == pid))


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def pids(record: dict, key: str = "techniques") -> list[str]:
    return [t["pid"] for t in record.get(key) or ()]


# -- reading one entry ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pid", "name", "status", "pid_means", "name_means"),
    [
        (XRF, "X-Ray Reflectivity (XRR)", "conflict", XRF, XRR),  # the issue's example: label (acronym)
        (XRF, "XRR", "conflict", XRF, XRR),  # a name that is an acronym only
        (XRF, "  x-ray REFLECTOMETRY ", "conflict", XRF, XRR),  # a synonym, stripped and case-folded
        (SAXS, "neutron probe", "conflict", SAXS, NEUTRON_PROBE),  # the former label of another technique
        (XRAY_PROBE, "x-ray probe", "corrected", XRAY_PROBE, XRAY_PROBE),  # its own former label: a rename
        (SAXS, "SAXS", "corrected", SAXS, SAXS),  # its own acronym
        (SAXS, "Small Angle X-ray Scattering (SAXS)", "corrected", SAXS, SAXS),
        ("PaNET:PaNET01188", "small angle x-ray scattering", "corrected", SAXS, SAXS),
        ("20.500.12269/0002842", "x-ray reflectivity", "corrected", None, XRR),  # pid not PaNET: the name decides
        (SAXS, "my favourite beamtime", "corrected", SAXS, None),  # a name that denotes nothing: the pid decides
        (PANET + "PaNET01107", "small angle inelastic scattering", "corrected", PANET + "PaNET01107", None),
    ],
)
def test_read_entry(onto, pid, name, status, pid_means, name_means):
    reading = read_entry(onto, pid, name)
    assert reading.status == status
    assert (reading.pid_term and reading.pid_term.iri) == pid_means
    if name_means is not None:
        assert reading.name_term.iri == name_means


def test_equivalent_classes_are_one_technique(onto):
    """PaNET01107 'inelastic small angle scattering' ≡ PaNET01273 'small angle inelastic scattering'."""
    equivalent = onto.equivalents(PANET + "PaNET01107")
    if not equivalent:
        pytest.skip("this ontology build does not make them equivalent")
    name = next(iter(equivalent)).label
    assert read_entry(onto, PANET + "PaNET01107", name).status == "corrected"


def test_specifier_entries(onto):
    """A specifier pid stands for the technique of its label; one without such a technique is flagged."""
    assert read_entry(onto, PANET + "PaNET2020072", None).term.iri == PANET + "PaNET01124"  # small angle scattering
    reading = read_entry(onto, PANET + "PaNET2020008", "EUV photon")
    assert (reading.status, reading.term, reading.specifier.iri) == ("unresolved", None, PANET + "PaNET2020008")
    assert read_entry(onto, None, "EUV photon").specifier.label == "EUV photon"


# -- the evidence decides ------------------------------------------------------------------------


def test_the_issue_example_on_a_real_scicat_record():
    record = scicat("ESS:CODA")
    record["techniques"] = [dict(ISSUE)]
    out = panet.records.annotate(record, format="scicat")
    assert out.record["techniques"] == [{"pid": XRF, "name": "x-ray fluorescence"}]  # nothing supports either
    (conflict,) = out.conflicts
    assert conflict.kind is ConflictKind.PID_NAME
    assert (conflict.pid_term.iri, conflict.name_term.iri, conflict.kept.iri) == (XRF, XRR, XRF)
    assert "nothing else in the record supports either" in conflict.reason
    assert record["techniques"] == [ISSUE]  # the caller's record is not modified

    record["description"] = "Specular x-ray reflectivity of the multilayer, 0.1 to 6 degrees."
    out = panet.records.annotate(record, format="scicat")
    assert out.record["techniques"] == [{"pid": XRR, "name": "x-ray reflectivity"}]  # the text says XRR
    (conflict,) = out.conflicts
    assert conflict.kept.iri == XRR and "the record's text gives the technique 'x-ray reflectivity'" in conflict.reason
    assert out.evidence == {XRR: ["existing entry", "text"]}


def test_the_instrument_decides_on_a_real_pan_record():
    record = pan("20.500.12269/panosc-dataset1")  # an ILL fixture dataset of LoKI (ESS)
    record["techniques"] = [{"pid": SAXS, "name": "small angle neutron scattering"}]
    out = panet.records.annotate(record, format="pan")
    assert pids(out.record) == [SANS]
    (conflict,) = out.conflicts
    assert conflict.kept.iri == SANS and "instrument" in conflict.reason


def test_the_probe_decides_when_no_technique_does():
    record = pan("20.500.12269/panosc-dataset4")  # HEIMDAL (ESS), a neutron diffractometer
    record["techniques"] = [
        {"pid": XRAY_PROBE, "name": "neutron probe"}
    ]  # the pid of one probe group, the other's name
    out = panet.records.annotate(record, format="pan")
    (conflict,) = out.conflicts
    assert conflict.kept.iri == NEUTRON_PROBE
    assert "the record's probe is neutron (its instrument HEIMDAL at ESS)" in conflict.reason


def test_a_more_specific_name_in_the_text_wins_over_a_broader_pid():
    record = scicat("/PSI/SLS/TOMCAT")
    record["techniques"] = [{"pid": PANET + "PaNET01124", "name": "SAXS"}]  # small angle scattering's pid
    record["datasetName"] = "SAXS of a bone sample"
    out = panet.records.annotate(record, format="scicat")
    (conflict,) = out.conflicts
    assert conflict.kept.iri == SAXS and "gives the technique 'small angle x-ray scattering'" in conflict.reason


def test_no_conflict_for_renames_and_non_panet_pids():
    record = pan("20.500.12269/0052f856-9615-4f9a-8575-9e180071ff32nicos_00000482.hdf")  # a real entry
    assert record["techniques"] == [{"pid": "20.500.12269/0002842", "name": "small-angle neutron scattering"}]
    out = panet.records.annotate(record, format="pan")
    assert out.conflicts == [] and pids(out.record) == [SANS]
    record["techniques"] = [{"pid": XRAY_PROBE, "name": "x-ray probe"}]
    out = panet.records.annotate(record, format="pan")
    assert out.conflicts == [] and out.record["techniques"][0]["name"] == "x-ray probe technique"


# -- entries contradicting their record ----------------------------------------------------------


def test_an_x_ray_technique_on_a_neutron_instrument_is_flagged_not_removed():
    record = pan("20.500.12269/panosc-dataset1")  # LoKI
    record["techniques"] = [{"pid": SAXS, "name": "small angle x-ray scattering"}]
    out = panet.records.annotate(record, format="pan")
    assert pids(out.record) == [SAXS, SANS]  # kept, and the instrument's technique added
    (flag,) = out.conflicts
    assert flag.kind is ConflictKind.PROBE and flag.kept.iri == SAXS
    assert flag.reason == (
        "the probe of 'small angle x-ray scattering' is x-ray, the record's is neutron "
        "(its instrument LoKI at ESS): left as it is"
    )


def test_a_conflict_kept_by_the_pid_can_contradict_the_record_too():
    record = pan("20.500.12269/panosc-dataset3")  # FREIA (ESS), a neutron reflectometer
    record["techniques"] = [{"pid": SAXS, "name": "X-ray fluorescence (XRF)"}]  # XRF: no probe in PaNET
    out = panet.records.annotate(record, format="pan")
    assert [(c.kind, c.kept.iri) for c in out.conflicts] == [(ConflictKind.PID_NAME, SAXS), (ConflictKind.PROBE, SAXS)]
    assert pids(out.record) == [SAXS, PANET + "PaNET01239"]  # and FREIA's neutron reflectometry


def test_the_probe_of_an_x_ray_beamline_supports_an_x_ray_technique():
    record = scicat("/PSI/SLS/MX")  # beamline PXI of the Swiss Light Source; x-ray fluorescence has no probe in PaNET
    record["techniques"] = [dict(ISSUE)]
    (conflict,) = panet.records.annotate(record, format="scicat").conflicts
    assert conflict.kept.iri == XRR and "the record's probe is x-ray (its instrument PXI at PSI)" in conflict.reason


def test_a_neutron_technique_on_an_x_ray_beamline_is_flagged():
    record = scicat("/PSI/SLS/TOMCAT")  # a tomography beamline of the Swiss Light Source
    record["techniques"] = [{"pid": NEUTRON_IMAGING, "name": "cold neutron imaging"}]
    out = panet.records.annotate(record, format="scicat")
    assert pids(out.record)[0] == NEUTRON_IMAGING
    assert [(c.kind, c.kept.iri) for c in out.conflicts] == [(ConflictKind.PROBE, NEUTRON_IMAGING)]
    assert "x-ray (its instrument TOMCAT at PSI)" in out.conflicts[0].reason


def test_a_technique_without_a_probe_or_a_record_without_one_is_not_flagged():
    record = scicat("ESS:CODA")  # a real entry, 'absorption and phase contrast nanotomography'; CODA: not in the table
    assert panet.records.annotate(record, format="scicat").conflicts == []
    record = pan("20.500.12269/panosc-dataset1")
    record["techniques"] = [{"pid": PANET + "PaNET01124", "name": "small angle scattering"}]  # either probe
    assert panet.records.annotate(record, format="pan").conflicts == []


def test_a_specifier_entry_is_flagged_and_left_as_it_is():
    record = scicat("/PSI/SLS/MX")
    record["techniques"] = [{"pid": PANET + "PaNET2020008", "name": "EUV photon"}]
    out = panet.records.annotate(record, format="scicat")
    assert out.record["techniques"][0] == {"pid": PANET + "PaNET2020008", "name": "EUV photon"}
    (flag,) = out.conflicts
    assert (flag.kind, flag.kept, flag.pid_term.label) == (ConflictKind.SPECIFIER, None, "EUV photon")
    assert len(out.unresolved) == 1 and all(t.kind == "technique" for t in out.techniques)


# -- every format that carries entries -----------------------------------------------------------


def _datacite(subject: str, value_uri: str, title: str | None = None) -> str:
    """A real DataCite record (benchmarks/data/real/datacite/dataset.xml) with a PaNET subject."""
    root = etree.parse(str(REAL / "datacite" / "dataset.xml")).getroot()
    subjects = root.find(f"{KERNEL4}subjects")
    element = etree.SubElement(subjects, f"{KERNEL4}subject", subjectScheme="PaNET", valueURI=value_uri)
    element.text = subject
    if title is not None:
        root.find(f"{KERNEL4}titles/{KERNEL4}title").text = title
    return etree.tostring(root, encoding="unicode")


def test_datacite_subject_is_not_its_own_evidence():
    out = panet.records.annotate(_datacite(ISSUE["name"], XRF), format="datacite")
    assert [t.iri for t in out.techniques] == [XRF]  # not XRR too, from the subject's own text
    root = etree.fromstring(out.record.encode())
    (subject,) = [s for s in root.iter(f"{KERNEL4}subject") if s.get("subjectScheme") == "PaNET"]
    assert (subject.text, subject.get("valueURI")) == ("x-ray fluorescence", XRF)
    assert [c.kept.iri for c in out.conflicts] == [XRF]
    out = panet.records.annotate(_datacite(ISSUE["name"], XRF, "X-ray reflectivity of thin films"), format="datacite")
    assert [c.kept.iri for c in out.conflicts] == [XRR] and [t.iri for t in out.techniques] == [XRR]


def _csv(cell: str, title: str) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerows([["id", "title", "panet_techniques"], ["r1", title, cell]])
    return text.getvalue().encode()


FORMATS = [  # (format, the issue's example as a record of it, text fields, output file suffix)
    ("pan", json.dumps([{"pid": "d1", "title": "run 7", "techniques": [ISSUE]}]), (), "json"),
    ("scicat", json.dumps({**scicat("ESS:CODA"), "techniques": [ISSUE]}), (), "json"),
    ("jsonl", json.dumps({"id": "d1", "title": "run 7", "panet_techniques": [ISSUE]}) + "\n", ("title",), "jsonl"),
    ("csv", _csv(f"{ISSUE['name']} <{XRF}>", "run 7"), ("title",), "csv"),
    ("datacite", _datacite(ISSUE["name"], XRF), (), "xml"),
]


@pytest.mark.parametrize(("format", "body", "fields", "suffix"), FORMATS)
def test_every_format_with_entries_reports_through_annotate_stream(format, body, fields, suffix):
    (result,) = panet.records.annotate_stream(body, format=format, fields=fields)
    assert result.status.value == "annotated"
    (line,) = result.report()
    assert line["kind"] == "pid-name" and line["record"] == 1 and line["id"]
    assert line["entry"] == {"pid": XRF, "name": ISSUE["name"]}
    assert (line["pid_means"]["iri"], line["name_means"]["label"], line["kept"]["iri"]) == (
        XRF,
        "x-ray reflectivity",
        XRF,
    )
    assert b"x-ray fluorescence" in result.data and ISSUE["name"].encode() not in result.data


@pytest.mark.parametrize(("format", "body", "fields", "suffix"), FORMATS)
def test_every_format_with_entries_reports_through_the_command_line(tmp_path, capsys, format, body, fields, suffix):
    source = tmp_path / f"in.{suffix}"
    source.write_bytes(body if isinstance(body, bytes) else body.encode())
    output = tmp_path / f"out.{suffix}"
    options = ["--fields", ",".join(fields)] if fields else []
    assert main(["annotate-records", str(source), "-o", str(output), "--format", format, *options, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["read"], summary["annotated"], summary["conflicts"], summary["contradicting"]) == (1, 1, 1, 0)
    (line,) = lines(tmp_path / f"out.{suffix}.report.jsonl")
    assert (line["record"], line["kind"], line["kept"]["label"]) == (1, "pid-name", "x-ray fluorescence")
    assert "x-ray fluorescence" in output.read_text(encoding="utf-8")


def test_nexus_files_carry_no_entries():
    pytest.importorskip("h5py")
    from panet.records import formats

    nexus = formats.get("nexus")
    assert type(nexus).entries is panet.records.Format.entries  # nothing to report: NeXus has no technique entries


# -- the batch: summary, report file, counts ----------------------------------------------------


def _batch_input(path: Path) -> Path:
    """Real records: the issue's example twice (once with supporting text), an x-ray entry on LoKI,
    a specifier entry, a clean record, and one that is rejected."""
    clean = pan("20.500.12269/panosc-dataset2")
    issue = {**pan("20.500.12269/BRIGHTNESS/MB0033"), "techniques": [dict(ISSUE)]}
    supported = {**pan("20.500.12269/BRIGHTNESS/MG0031"), "title": "XRR scan 4", "techniques": [dict(ISSUE)]}
    loki = {**pan("20.500.12269/panosc-dataset1"), "techniques": [{"pid": SAXS, "name": "SAXS"}]}
    specifier = {**pan("10.17199/BRIGHTNESS/MG0026"), "techniques": [{"pid": PANET + "PaNET2020008", "name": "EUV"}]}
    records = [clean, issue, supported, "[1, 2]", loki, specifier]
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def test_batch_summary_and_report_file(tmp_path, capsys):
    source = _batch_input(tmp_path / "in.jsonl")
    output = tmp_path / "out.jsonl"
    assert main(["annotate-records", str(source), "-o", str(output), "--json"]) == 1  # one rejected
    summary = json.loads(capsys.readouterr().out)
    assert (summary["read"], summary["rejected"], summary["conflicts"], summary["contradicting"]) == (6, 1, 2, 2)
    assert summary["read"] == summary["annotated"] + summary["unchanged"] + summary["rejected"]
    assert summary["report"] == str(tmp_path / "out.jsonl.report.jsonl")
    report = lines(tmp_path / "out.jsonl.report.jsonl")
    assert [(r["record"], r["line"], r["kind"]) for r in report] == [
        (2, 2, "pid-name"),
        (3, 3, "pid-name"),
        (5, 5, "probe"),
        (6, 6, "specifier"),
    ]
    assert [r["kept"] and r["kept"]["iri"] for r in report] == [XRF, XRR, SAXS, None]
    assert [r["id"] for r in report[:2]] == ["20.500.12269/BRIGHTNESS/MB0033", "20.500.12269/BRIGHTNESS/MG0031"]
    rejects = lines(tmp_path / "out.jsonl.rejects.jsonl")
    assert [r["record"] for r in rejects] == [4]  # reported records are written, not rejected
    written = lines(output)
    assert len(written) == 5 and pids(written[1]) == [XRF] and pids(written[2]) == [XRR]

    assert main(["annotate-records", str(source), "-o", str(tmp_path / "o2.jsonl")]) == 1
    line = capsys.readouterr().out
    assert f"2 entry conflicts, 2 entries contradicting their record (in {tmp_path / 'o2.jsonl.report.jsonl'})" in line


def test_report_option_and_an_empty_report(tmp_path, capsys):
    source = tmp_path / "in.json"
    source.write_text(json.dumps([pan("20.500.12269/panosc-dataset2")]), encoding="utf-8")
    mine = tmp_path / "conflicts.jsonl"
    assert main(["annotate-records", str(source), "-o", str(tmp_path / "out.json"), "--report", str(mine)]) == 0
    assert mine.read_text() == ""  # always written, empty when nothing is reported: never a stale one
    assert "entry conflicts" not in capsys.readouterr().out
    assert not (tmp_path / "out.json.report.jsonl").exists()
    code = main(["annotate-records", str(source), "-o", str(tmp_path / "o.json"), "--report", str(tmp_path / "no/r")])
    assert code == 2
    (error,) = capsys.readouterr().err.strip().splitlines()
    assert error.startswith("panet: error: ") and "folder does not exist" in error
    assert main(["annotate-records", str(source), "-o", str(tmp_path / "o.json"), "--report", str(source)]) == 2
    assert "panet: error:" in capsys.readouterr().err


def test_real_command_line(tmp_path):
    source = _batch_input(tmp_path / "in.jsonl")
    command = [sys.executable, "-m", "panet", "annotate-records", str(source), "-o", str(tmp_path / "out.jsonl")]
    done = subprocess.run(
        [*command, "--report", str(tmp_path / "r.jsonl")], check=False, capture_output=True, text=True
    )
    assert done.returncode == 1 and done.stderr == ""
    assert "2 entry conflicts, 2 entries contradicting their record" in done.stdout
    assert len(lines(tmp_path / "r.jsonl")) == 4
    helped = subprocess.run([*command[:4], "--help"], check=False, capture_output=True, text=True)
    assert "--report FILE" in helped.stdout


def test_report_with_processes_and_resume(tmp_path, monkeypatch):
    source = tmp_path / "in.jsonl"
    record = {**pan("20.500.12269/BRIGHTNESS/MB0033"), "techniques": [dict(ISSUE)]}
    source.write_text("".join(json.dumps({**record, "pid": f"r{i}"}) + "\n" for i in range(40)), encoding="utf-8")
    full = panet.records.annotate_file(source, tmp_path / "full.jsonl")
    two = panet.records.annotate_file(source, tmp_path / "two.jsonl", processes=2)
    assert full.conflicts == two.conflicts == 40
    report = (tmp_path / "full.jsonl.report.jsonl").read_bytes()
    assert (tmp_path / "two.jsonl.report.jsonl").read_bytes() == report and report.count(b"\n") == 40
    monkeypatch.setattr(batch, "CHUNK", 4)
    monkeypatch.setattr(batch, "CHECKPOINT_SECONDS", 0)

    def interrupt(summary, done, total):
        if summary.read >= 20:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        panet.records.annotate_file(source, tmp_path / "out.jsonl", progress=interrupt)
    assert batch.paths(tmp_path / "out.jsonl")["report_part"].exists()
    resumed = panet.records.annotate_file(source, tmp_path / "out.jsonl", resume=True)
    assert (resumed.resumed_from, resumed.conflicts) == (20, 40)
    assert (tmp_path / "out.jsonl.report.jsonl").read_bytes() == report


# -- the service ---------------------------------------------------------------------------------


def test_service_answers_with_the_report(live_server):
    records = [
        {**pan("20.500.12269/BRIGHTNESS/MB0033"), "techniques": [dict(ISSUE)]},
        {**pan("20.500.12269/panosc-dataset1"), "techniques": [{"pid": SAXS, "name": "SAXS"}]},
    ]
    with httpx.Client(base_url=live_server, timeout=60) as client:
        body = client.post("/annotate/records", json=records).json()
    assert (body["summary"]["conflicts"], body["summary"]["contradicting"]) == (1, 1)
    assert [(r["record"], r["kind"], r["kept"]["iri"]) for r in body["report"]] == [
        (1, "pid-name", XRF),
        (2, "probe", SAXS),
    ]
    assert pids(body["records"][0]) == [XRF]


def test_harvest_reports_too(tmp_path, capsys):
    from oai_server import Repository, serving

    resource = _datacite(ISSUE["name"], XRF)
    resource = resource[resource.index("<resource") :]
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-01-01T00:00:00Z</responseDate>'
        '<request verb="ListRecords">http://127.0.0.1/oai</request><ListRecords><record><header>'
        "<identifier>oai:example.org:1</identifier><datestamp>2026-01-01</datestamp></header><metadata>"
        '<oai_datacite xmlns="http://schema.datacite.org/oai/oai-1.1/"><schemaVersion>4</schemaVersion>'
        f"<payload>{resource}</payload></oai_datacite></metadata></record></ListRecords></OAI-PMH>",
        encoding="utf-8",
    )
    with serving(Repository({"oai_datacite": feed})) as url:
        report = tmp_path / "report.jsonl"
        assert main(["harvest", url, "-o", str(tmp_path / "h.xml"), "--report", str(report)]) == 0
    assert "1 entry conflicts, 0 entries contradicting their record" in capsys.readouterr().out
    (line,) = lines(report)
    assert (line["record"], line["id"], line["kept"]["iri"]) == (1, "10.5072/D3P26Q35R-Test", XRF)


def test_a_technique_broader_than_an_entry_is_not_added(onto):
    record = {
        "pid": "d1",
        "title": "photoelectron spectroscopy of a thin film",
        "techniques": [{"pid": onto.get("HAXPES").iri, "name": onto.get("HAXPES").label}],
    }
    out = panet.records.annotate(record, format="pan", ontology=onto)
    assert [t.label for t in out.techniques] == [onto.get("HAXPES").label]
    assert out.added == []
