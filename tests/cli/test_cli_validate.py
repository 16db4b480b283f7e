"""``panet validate`` and ``panet shapes``: outputs, exit codes, errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import SH

from panet.cli import main

RECORD = """@prefix schema: <http://schema.org/> .
<http://example.org/d> a schema:Dataset ; schema:name "x" ;
    schema:measurementTechnique <http://purl.org/pan-science/PaNET/PaNET2020072> ."""


@pytest.fixture
def bad_record(tmp_path):
    path = tmp_path / "record.ttl"
    path.write_text(RECORD)
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_example_conforms_exit_0(capsys, ontology_dir):
    status, out, _ = run(capsys, "validate", str(ontology_dir / "examples" / "example-1.ttl"))
    assert status == 0
    assert out.startswith("Conforms")


def test_violations_exit_1_with_helpful_text(capsys, bad_record):
    status, out, _ = run(capsys, "validate", str(bad_record))
    assert status == 1
    assert "'small angle scattering' (PaNET2020072) is a specifier; did you mean the technique PaNET01124?" in out
    assert "Warning:" in out  # no licence


def test_fail_on_warning(capsys, tmp_path):
    path = tmp_path / "record.ttl"
    path.write_text(RECORD.replace("PaNET2020072", "PaNET01188"))
    assert run(capsys, "validate", str(path))[0] == 0  # only a licence warning
    assert run(capsys, "validate", str(path), "--fail-on", "warning")[0] == 1


def test_json_and_ttl_formats(capsys, bad_record):
    status, out, _ = run(capsys, "validate", str(bad_record), "--format", "json", "--engine", "pyshacl")
    data = json.loads(out)
    assert status == 1
    assert data["engine"] == "pyshacl"
    assert data["counts"]["Violation"] == 2
    status, out, _ = run(capsys, "validate", str(bad_record), "-f", "ttl")
    graph = Graph().parse(data=out, format="turtle")
    assert len(list(graph.subjects(None, SH.ValidationResult))) == 3


def test_unreadable_input_exit_2_names_file_and_line(capsys, tmp_path):
    path = tmp_path / "broken.ttl"
    path.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    status, out, err = run(capsys, "validate", str(path))
    assert status == 2
    assert out == ""
    assert err.startswith(f"panet: error: {path}, line 2, column 11:")
    assert "Traceback" not in err


def test_missing_file_and_missing_context(capsys, tmp_path):
    status, _, err = run(capsys, "validate", str(tmp_path / "nope.ttl"))
    assert (status, "no such file" in err) == (2, True)
    records = tmp_path / "records.json"
    records.write_text('[{"pid": "a"}]')
    status, _, err = run(capsys, "validate", str(records))
    assert (status, "pass a context" in err) == (2, True)
    status, out, _ = run(capsys, "validate", str(records), "--context", "pan-search")
    assert status == 1
    assert "needs a title" in out


def test_custom_shapes_option(capsys, bad_record, tmp_path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix schema: <http://schema.org/> .\n"
        "[] sh:targetClass schema:Dataset ; sh:property [ sh:path schema:name ; sh:maxCount 0 ] .\n"
    )
    status, out, _ = run(capsys, "validate", str(bad_record), "--shapes", str(shapes))
    assert status == 1
    assert "Allows at most 0 value(s)." in out
    assert "specifier" not in out


def test_shapes_under_writes_a_file(capsys, tmp_path, bad_record):
    out_file = tmp_path / "saxs.ttl"
    status, _, err = run(capsys, "shapes", "--under", "small angle scattering", "-o", str(out_file))
    assert status == 0
    assert "wrote" in err
    graph = Graph().parse(out_file)
    assert len(list(graph.items(next(graph.objects(None, SH["in"]))))) == 22
    good = tmp_path / "good.ttl"
    good.write_text(RECORD.replace("PaNET2020072", "PaNET01188"))
    assert run(capsys, "validate", str(good), "--shapes", str(out_file))[0] == 0
    status, out, _ = run(capsys, "validate", str(bad_record), "--shapes", str(out_file))
    assert status == 1
    assert "is a specifier" in out


def test_shapes_for_a_shipped_version(capsys, tmp_path):
    out_file = tmp_path / "v110.ttl"
    assert run(capsys, "shapes", "--version", "1.1.0", "-o", str(out_file))[0] == 0
    text = out_file.read_text()
    assert "PaNET 1.1.0" in text
    assert "PaNET00107" not in text  # positron probe technique came later
    status, _, err = run(capsys, "shapes", "--version", "9.9.9")
    assert status == 2
    assert "no shipped PaNET release '9.9.9'" in err


def test_shapes_default_output_is_profile_and_techniques(capsys):
    status, out, _ = run(capsys, "shapes")
    assert status == 0
    assert "panetsh:SchemaDataset" in out
    assert "panetsh:TechniqueIRI" in out


def test_console_script_exit_status(tmp_path, bad_record):
    done = subprocess.run(
        [sys.executable, "-m", "panet", "validate", str(bad_record), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert json.loads(done.stdout)["conforms"] is False


def test_gzipped_files_are_read_and_binary_files_named(tmp_path, capsys):
    import gzip

    turtle = (Path(__file__).parents[1] / "data" / "records.ttl").read_bytes()
    (tmp_path / "records.ttl.gz").write_bytes(gzip.compress(turtle))
    (tmp_path / "records.ttl").write_bytes(turtle)
    reports = []
    for name in ("records.ttl.gz", "records.ttl"):
        reports.append((main(["validate", str(tmp_path / name), "-f", "json"]), json.loads(capsys.readouterr().out)))
    assert reports[0] == reports[1] and reports[0][1]["results"]
    (tmp_path / "ds.jsonl.zip").write_bytes(b"PK\x03\x04" + b"\0" * 40)
    (tmp_path / "blob.bin").write_bytes(b"\0\1\2\3" * 40)
    for name, problem in (("ds.jsonl.zip", "a zip archive"), ("blob.bin", "a binary file")):
        assert main(["validate", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and name in err and problem in err and "CSV" not in err


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_a_date_typed_as_datetime_is_flagged_when_read_from_a_file(tmp_path, capsys, engine):
    (tmp_path / "ill.ttl").write_text(
        """@prefix schema: <http://schema.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <https://doi.org/10.1/x> a schema:Dataset ; schema:name "SAXS of casein" ; schema:identifier "10.1/x" ;
          schema:license <https://creativecommons.org/licenses/by/4.0/> ;
          schema:measurementTechnique <http://purl.org/pan-science/PaNET/PaNET01188> ;
          schema:dateCreated "2023-01-05"^^xsd:dateTime .""",
        encoding="utf-8",
    )
    assert main(["validate", str(tmp_path / "ill.ttl"), "--engine", engine, "-f", "json"]) == 0  # a warning
    (result,) = json.loads(capsys.readouterr().out)["results"]
    assert result["path"].endswith("dateCreated")
    assert result["value"] == {"@value": "2023-01-05", "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}
