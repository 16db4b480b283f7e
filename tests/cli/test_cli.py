"""The panet command line: output, --json keys, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from panet.cli import main

STABLE_KEYS = {"iri", "id", "curie", "label", "synonyms", "kind"}


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_term_text(capsys):
    code, out, _ = run(capsys, "term", "SAXS")
    assert code == 0
    assert "small angle x-ray scattering" in out and "http://purl.org/pan-science/PaNET/PaNET01188" in out
    assert "small angle scattering (PaNET01124)" in out  # a parent


def test_term_json_has_stable_keys(capsys):
    code, out, _ = run(capsys, "term", "panet:PaNET01124", "--json")
    data = json.loads(out)
    assert code == 0 and set(data) >= STABLE_KEYS
    assert data["id"] == "PaNET01124" and data["kind"] == "technique"
    assert {p["id"] for p in data["parents"]} == {"PaNET01037"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["term", "small angel scatering"], "no PaNET term matches 'small angel scatering'; closest labels"),
        (["term", "x-ray"], "is a specifier, not a technique"),
        (["term", "SAXS", "--ontology", "/nonexistent/PaNET.owl"], "/nonexistent/PaNET.owl: no such file"),
        (["descendants", "no such technique"], "no PaNET term matches"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.startswith("panet: error: ") and message in err
    assert err.count("\n") == 1


def test_unreadable_ontology_file_exits_2(capsys, tmp_path):
    path = tmp_path / "broken.owl"
    path.write_text("<rdf:RDF")
    code, _, err = run(capsys, "term", "SAXS", "--ontology", str(path))
    assert code == 2 and str(path) in err and err.count("\n") == 1


def test_kind_option_reaches_specifiers(capsys):
    code, out, _ = run(capsys, "term", "x-ray", "--kind", "specifier", "--json")
    assert code == 0 and json.loads(out)["id"] == "PaNET2020009"


def test_search(capsys):
    code, out, _ = run(capsys, "search", "saxs", "--json", "--limit", "3")
    hits = json.loads(out)
    assert code == 0 and len(hits) == 3
    assert hits[0]["id"] == "PaNET01188" and hits[0]["matched"] == "SAXS" and set(hits[0]) >= STABLE_KEYS
    code, out, _ = run(capsys, "search", "scattering")
    assert code == 0 and "scattering technique" in out


def test_search_without_results_exits_1(capsys):
    code, out, err = run(capsys, "search", "qqqqzzzz")
    assert code == 1 and out == "" and "no PaNET term matches" in err


def test_tree_shows_depth_and_other_parents(capsys):
    code, out, _ = run(capsys, "tree", "small angle scattering", "--depth", "1")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("small angle scattering PaNET01124")
    assert all(line.startswith("  ") and not line.startswith("    ") for line in lines[1:])
    saxs = next(line for line in lines if line.strip().startswith("small angle x-ray scattering "))
    assert "also under: x-ray scattering" in saxs


def test_tree_draws_a_shared_subtree_once(capsys):
    code, out, _ = run(capsys, "tree", "scattering technique")
    assert code == 0
    assert out.count("grazing incidence small angle x-ray scattering PaNET01162") >= 2
    assert "subtree shown above" in out


def test_tree_json(capsys):
    code, out, _ = run(capsys, "tree", "SAXS", "--json", "--depth", "1")
    tree = json.loads(out)
    assert code == 0 and tree["id"] == "PaNET01188"
    assert all("children" not in child for child in tree["children"])
    assert "http://purl.org/pan-science/PaNET/PaNET01184" in tree["parents"]


@pytest.mark.parametrize(("command", "count"), [("descendants", 94), ("ancestors", 2)])
def test_ancestors_and_descendants(capsys, command, count):
    code, out, _ = run(capsys, command, "x-ray probe technique", "--json")
    assert code == 0 and len(json.loads(out)) == count
    code, out, _ = run(capsys, command, "x-ray probe technique")
    assert len(out.splitlines()) == count


def test_installed_script_runs():
    done = subprocess.run(
        [sys.executable, "-m", "panet", "term", "SAXS", "--json"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["label"] == "small angle x-ray scattering"


@pytest.mark.parametrize("args", [["no-such-command"], ["term"], ["tree", "SAXS", "--depth", "-1"]])
def test_usage_errors_exit_2(capsys, args):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == "" and err


def test_ontology_option_takes_a_shipped_version(capsys):
    code, out, _ = run(capsys, "term", "PaNET01012", "--ontology", "v1.1.0", "--json")
    assert code == 0
    assert json.loads(out)["label"] == "x-ray probe"  # its v1.1.0 label
    code, _, err = run(capsys, "term", "SAXS", "--ontology", "9.9.9")
    assert code == 2
    assert "no shipped PaNET release '9.9.9'" in err
