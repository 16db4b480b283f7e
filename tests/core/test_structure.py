"""The shape of the library (issue 15): a core that loads no capability, capabilities as module
functions, deprecated `Ontology` members that still work, one rule for "path or version?", one
JSON form of a term."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import httpx
import pytest

import panet
from panet import draw, facets, loopback, mappings, sparql, versions
from panet.annotate import annotator_for
from panet.cli import main
from panet.errors import UnknownVersion
from panet.shipped import find, resolve_ontology, shipped_file

CAPABILITIES = (
    "panet.annotate",
    "panet.changes",
    "panet.draw",
    "panet.facets",
    "panet.jsonld",
    "panet.loopback",
    "panet.mappings",
    "panet.records",
    "panet.search",
    "panet.shacl",
    "panet.sparql",
    "panet.versions",
    "panet.cli",
    "panet.api",
)


def test_lookup_and_hierarchy_load_no_capability():
    code = (
        "import sys, panet; onto = panet.load(); onto.term('SAXS'); onto.descendants('SAXS'); "
        "onto.term('x-ray probe'); print(' '.join(sorted(m for m in sys.modules if m.startswith('panet'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert "panet.ontology" in loaded and "panet.loader" in loaded
    assert not {m for m in loaded if m.startswith(CAPABILITIES)}


# (member, arguments, the function it moved to, that function's arguments after onto)
MOVED = [
    ("history", ("SAXS",), versions.history, ("SAXS",)),
    ("facets", ("SANS",), facets.facets, ("SANS",)),
    ("facet_axes", (), facets.axes, ()),
    ("pan_search_filter", ("SAXS",), loopback.pan_search_filter, ("SAXS",)),
    ("mapped", ("wfl:1425",), mappings.mapped, ("wfl:1425",)),
    ("mappings_for", ("SAXS",), mappings.mappings_for, ("SAXS",)),
]


@pytest.mark.parametrize(("member", "args", "function", "function_args"), MOVED, ids=[m[0] for m in MOVED])
def test_deprecated_members_warn_and_forward(onto, member, args, function, function_args):
    with pytest.warns(DeprecationWarning, match=rf"Ontology\.{member} is deprecated; use {function.__module__}\."):
        old = getattr(onto, member)(*args)
    new = function(onto, *function_args)
    assert (old.to_dict() if hasattr(old, "to_dict") else old) == (new.to_dict() if hasattr(new, "to_dict") else new)


def test_deprecated_members_with_other_signatures(onto):
    with pytest.warns(DeprecationWarning, match="panet.facets.techniques_with"):
        old = onto.techniques_with(probe="neutron", process="small angle scattering")
    assert old == facets.techniques_with(onto, {"probe": "neutron", "process": "small angle scattering"})
    with pytest.warns(DeprecationWarning, match="panet.annotate.annotator_for"):
        assert onto.annotator(kinds=("specifier",)) is annotator_for(onto, {"kinds": ("specifier",)})
    with pytest.warns(DeprecationWarning, match="panet.draw.draw"):
        assert onto.plot("SAXS", 1).nodes == draw.draw(onto, "SAXS", 1).nodes
    with pytest.warns(DeprecationWarning, match=r"onto\.former_labels\(\)"):
        assert versions.former_labels(onto) is onto.former_labels()
    query = "ASK { panet:PaNET01188 rdfs:subClassOf panet:PaNET01124 }"
    with pytest.warns(DeprecationWarning, match="panet.sparql.query"):
        assert bool(onto.sparql(query)) is bool(sparql.query(onto, query)) is True


def test_shortcuts_do_not_warn(onto):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert onto.search("saxs")[0].term.id == "PaNET01188"
        assert onto.annotate("SAXS")[0].term.id == "PaNET01188"


def test_memo_builds_once_per_key(onto):
    calls = []
    first = onto.memo(("tests", "memo"), lambda o: calls.append(o) or len(o))
    assert onto.memo(("tests", "memo"), lambda o: calls.append(o) or -1) == first == len(onto)
    assert calls == [onto]
    assert panet.load(version="1.1.0").memo(("tests", "memo"), len) != first  # per ontology, not per process


def test_index_is_typed(onto):
    index = onto.index
    i = index.ids["PaNET01188"]
    assert index.terms[i][1] == "small angle x-ray scattering"
    assert {onto.terms(include_obsolete=True)[p].id for p in index.parents[i]} == {t.id for t in onto.parents("SAXS")}
    assert type(index).from_dict(index.to_dict()).to_dict() == index.to_dict()


def test_resolve_ontology_one_rule(tmp_path, monkeypatch):
    assert resolve_ontology() == shipped_file()
    assert resolve_ontology("1.1.0") == resolve_ontology("v1.1.0") == find("1.1.0").path
    assert resolve_ontology(version="latest") == find("1.3.0").path
    for unknown in ("1.1.9", "v9"):
        with pytest.raises(UnknownVersion):
            resolve_ontology(unknown)
    with pytest.raises(TypeError):
        resolve_ontology("x.owl", version="1.1.0")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "1.1.0").write_bytes(Path(shipped_file()).read_bytes())  # a file wins over a version
    assert resolve_ontology("1.1.0") == "1.1.0"
    assert resolve_ontology("my.owl") == "my.owl"


def test_load_takes_a_version_as_path():
    assert panet.load("v1.1.0").version == "1.1.0"


def test_library_errors_name_parameters_the_cli_names_flags(onto, capsys):
    with pytest.raises(panet.TermNotFound, match="pass kind='specifier'") as caught:
        onto.term("x-ray")
    assert "--" not in str(caught.value)
    assert main(["term", "x-ray"]) == 2
    assert "pass --kind specifier" in capsys.readouterr().err


def test_term_json_is_the_same_in_the_cli_and_the_service(capsys, live_server):
    for key in ("SAXS", "x-ray probe"):  # a former label carries "match"
        assert main(["term", key, "--json"]) == 0
        from_cli = json.loads(capsys.readouterr().out)
        from_api = httpx.get(f"{live_server}/terms/{key}", timeout=30).json()
        assert from_cli == from_api
    assert from_cli["match"] == "former label"


def test_classify_file_refuses_a_template_output(tmp_path):
    from panet.reasoner import classify_file

    with pytest.raises(panet.OptionError, match=r"write RDF: \.ttl"):
        classify_file(shipped_file("PaNET.csv"), tmp_path / "out.csv")
    assert not os.path.exists(tmp_path / "out.csv")
