"""Every command, given bad input, says so in one ``panet: error:`` line and exits 2; ``-o`` follows
one rule everywhere (panet.files); help, version and shell completion work."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from panet.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]
RECORD = '{"pid": "a", "title": "SAXS of films"}\n'


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_error_line(code: int, out: str, err: str) -> None:
    assert code == 2, err
    assert out == ""
    assert err.startswith("panet: error: ") and err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err


@pytest.fixture
def files(tmp_path) -> dict[str, str]:
    records = tmp_path / "records.jsonl"
    records.write_text(RECORD)
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    return {
        "records": str(records),
        "binary": str(binary),
        "broken": str(broken),
        "missing": str(tmp_path / "nope.ttl"),
        "no_folder": str(tmp_path / "no" / "such" / "out.txt"),
        "folder": str(tmp_path),
        "csv": str(ROOT / "ontology" / "PaNET.csv"),
    }


# (command, arguments with {placeholders} from `files`): bad input of every kind, for every command
BAD_INPUT = [
    ("term", ["small angel scatering"]),
    ("term", ["SAXS", "--kind", "bogus"]),
    ("term", ["SAXS", "--ontology", "{broken}"]),
    ("term", ["SAXS", "--ontology", "{folder}"]),
    ("term", []),
    ("search", ["saxs", "--limit", "0"]),
    ("search", ["saxs", "--kind", "bogus"]),
    ("search", ["saxs", "--limit", "many"]),
    ("tree", ["SAXS", "--depth", "-1"]),
    ("tree", ["SAXS", "--format", "gif"]),
    ("tree", ["no such technique"]),
    ("tree", ["SAXS", "-o", "{no_folder}"]),
    ("tree", ["SAXS", "--format", "svg", "-o", "{folder}"]),
    ("ancestors", ["no such technique"]),
    ("descendants", ["no such technique"]),
    ("annotate", ["SAXS", "--kind", "any"]),
    ("annotate", ["SAXS", "--expand", "all"]),
    ("annotate", ["SAXS", "--mappings", "{missing}"]),
    ("annotate-records", ["{missing}", "-o", "{folder}/out.jsonl"]),
    ("annotate-records", ["{records}", "-o", "{no_folder}"]),
    ("annotate-records", ["{records}", "-o", "{records}"]),
    ("annotate-records", ["{records}", "-o", "{folder}/out.jsonl", "--format", "marc"]),
    ("annotate-records", ["{records}", "-o", "{folder}/out.jsonl", "--to", "xml"]),
    ("annotate-records", ["{records}", "-o", "{folder}/out.jsonl", "--processes", "-1"]),
    ("annotate-records", ["{records}"]),
    ("harvest", ["http://127.0.0.1:9/oai", "-o", "{no_folder}"]),
    ("harvest", ["http://127.0.0.1:9/oai", "-o", "{folder}/h.xml"]),
    ("harvest", ["ftp://example.org/oai", "-o", "{folder}/h.xml"]),
    ("validate", ["{missing}"]),
    ("validate", ["{broken}"]),
    ("validate", ["{broken}", "--engine", "turbo"]),
    ("validate", ["{broken}", "--fail-on", "error"]),
    ("validate", ["{broken}", "--version", "1.1.0", "--ontology", "{csv}"]),
    ("shapes", ["-o", "{no_folder}"]),
    ("shapes", ["--version", "9.9.9"]),
    ("facets", []),
    ("facets", ["--where", "probe"]),
    ("facets", ["SAXS", "--where", "probe=neutron"]),
    ("releases", ["--bogus"]),
    ("diff", ["v9.9.9", "current"]),
    ("diff", ["current"]),
    ("classify", ["{csv}", "-o", "{no_folder}"]),
    ("classify", ["{csv}", "-o", "{csv}"]),
    ("classify", ["{csv}", "-o", "{folder}/x.csv"]),
    ("classify", ["{missing}", "-o", "{folder}/x.ttl"]),
    ("pan-filter", ["no such technique"]),
    ("pan-filter", ["x-ray"]),
    ("sparql", ["SELECT ?x WHERE { ?x"]),
    ("sparql", ["SELEC ?x"]),
    ("sparql", ["CLEAR ALL"]),
    ("sparql", ["SELECT * { ?s ?p ?o }", "--format", "html"]),
    ("sparql", ["SELECT * { ?s ?p ?o }", "--endpoint", "http://127.0.0.1:9/sparql"]),
    ("sparql", ["SELECT * { ?s ?p ?o }", "--endpoint", "not-a-url"]),
    ("serve", ["--port", "70000"]),
    ("serve", ["--version", "1.1.0", "--ontology", "{csv}"]),
    ("serve", ["--ontology", "{missing}"]),
    ("serve", ["--catalogue", "{missing}", "--port", "0"]),
    ("catalogue", ["build", "{missing}", "-o", "{folder}/c.sqlite"]),
    ("catalogue", ["build", "{csv}", "-o", "{no_folder}"]),
    ("catalogue", ["build", "{csv}", "-o", "{folder}/c.sqlite", "--format", "xls"]),
    ("catalogue", ["rebuild", "{csv}", "-o", "{folder}/c.sqlite"]),
    (None, ["no-such-command"]),
    (None, ["--completion", "tcsh"]),
]


def test_every_command_has_bad_input_cases():
    assert {command for command, _ in BAD_INPUT} - {None} == set(COMMANDS)


@pytest.mark.parametrize(("command", "arguments"), BAD_INPUT, ids=lambda v: v if isinstance(v, str) else None)
def test_bad_input_is_one_error_line_and_exit_2(capsys, files, command, arguments):
    args = [re.sub(r"\{(\w+)\}", lambda m: files.get(m[1], m[0]), a) for a in arguments]
    assert_one_error_line(*run(capsys, *([command] if command else []), *args))
    assert not list(Path(files["folder"]).glob(".*.part*"))  # no temporary file left behind


def test_ran_but_found_problems_is_exit_1(capsys, tmp_path):
    code, out, err = run(capsys, "search", "qqqqzzzz")
    assert (code, out) == (1, "") and err == "panet: no PaNET term matches 'qqqqzzzz'\n"
    record = tmp_path / "record.ttl"
    record.write_text(
        "@prefix schema: <http://schema.org/> .\n<http://example.org/d> a schema:Dataset ; schema:name 'x' ;\n"
        "    schema:measurementTechnique <http://purl.org/pan-science/PaNET/PaNET01188> .\n"
    )
    code, out, _ = run(capsys, "validate", str(record))
    assert code == 0 and "Warning" in out  # warnings only: below the default --fail-on violation
    assert run(capsys, "validate", str(record), "--fail-on", "warning")[0] == 1


def test_help_lists_exit_statuses_and_has_no_type_placeholders(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "ran but found problems" in out and set(COMMANDS) <= set(out.split())
    for command in COMMANDS:
        code, out, _ = run(capsys, command, "--help")
        assert code == 0 and out.startswith(f"usage: panet {command}")
        assert "<bool>" not in out and "<list" not in out
        assert not re.search(r"\S [.,;:](\s|$)", out)  # no stray space before punctuation ("Record format .")
        assert "exit status:\n  0  done\n" in out
        assert ("\n  1  " in out) == (command in {"search", "validate", "annotate-records", "harvest", "catalogue"})


def test_version(capsys):
    import panet

    code, out, _ = run(capsys, "--version")
    assert (code, out) == (0, f"panet {panet.__version__}\n")


@pytest.mark.parametrize("shape", ["text", "json"])
def test_tree_writes_output_file(capsys, tmp_path, shape):
    output = tmp_path / f"tree.{shape}"
    code, out, _ = run(capsys, "tree", "SAXS", "--depth", "1", "--format", shape, "-o", str(output))
    assert code == 0 and out == ""
    text = output.read_text()
    if shape == "json":
        assert json.loads(text)["id"] == "PaNET01188"
    else:
        assert text.startswith("small angle x-ray scattering PaNET01188\n")
    assert [p.name for p in tmp_path.iterdir()] == [output.name]  # renamed into place, nothing else


def test_output_replaces_an_existing_file_atomically(capsys, tmp_path):
    output = tmp_path / "shapes.ttl"
    output.write_text("old")
    assert run(capsys, "shapes", "--under", "SAXS", "-o", str(output))[0] == 0
    assert output.read_text().startswith("@prefix") and [p.name for p in tmp_path.iterdir()] == ["shapes.ttl"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_unwritable_output_is_one_line(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert_one_error_line(*run(capsys, "tree", "SAXS", "-o", str(locked / "t.txt")))


def test_unwritable_output_under_proc_is_one_line(capsys):
    assert_one_error_line(*run(capsys, "tree", "SAXS", "-o", "/proc/panet-test/t.txt"))


def test_serve_on_a_busy_port_is_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "panet", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert_one_error_line(done.returncode, done.stdout, done.stderr)
    assert "cannot listen on" in done.stderr


def test_library_validates_kind(onto):
    from panet import OptionError

    assert [h.term.id for h in onto.search("saxs", kind="any", limit=1)] == ["PaNET01188"]
    assert len(onto.terms(kind="any")) == len(onto.terms())
    for call in (lambda: onto.terms(kind="bogus"), lambda: onto.term("SAXS", kind="bogus")):
        with pytest.raises(OptionError, match="kind must be one of technique, specifier, any; not 'bogus'"):
            call()
    with pytest.raises(ValueError, match="technique, specifier, any"):
        onto.search("saxs", kind="bogus")


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("panet te", "term"),
        ("panet term SAXS --ki", "--kind"),
        ("panet term SAXS --kind sp", "specifier"),
        ("panet validate x.ttl --fail-on w", "warning"),
        ("panet --completion f", "fish"),
    ],
)
def test_bash_completion(line, expected):
    script = subprocess.run(
        [sys.executable, "-m", "panet", "--completion", "bash"], capture_output=True, text=True, check=True
    ).stdout
    words = line.split(" ")
    probe = f'{script}\nCOMP_WORDS=({" ".join(words)}); COMP_CWORD={len(words) - 1}; _panet; echo "${{COMPREPLY[@]}}"'
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [expected]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_other_shells_completion_scripts(capsys, shell):
    code, out, _ = run(capsys, "--completion", shell)
    assert code == 0 and "term" in out and "technique specifier any" in out
    found = shutil.which(shell)
    if found:  # the script at least parses in that shell
        assert subprocess.run([found, "-n", "-c", out], capture_output=True, check=False).returncode == 0
