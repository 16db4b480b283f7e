"""Loading: shipped files, formats, versions, cache and unreadable input."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import rdflib

import panet
from panet.formats import is_panet_iri

RELEASES = {"v1.0.0": 374, "v1.1.0": 375, "v1.3.0": 505}


def test_shipped_ontology_has_only_panet_classes(onto):
    assert len(onto) == 510
    assert all(is_panet_iri(t.iri) for t in onto)
    assert "https://www.wikidata.org/wiki/Q133900" not in onto
    assert "http://xmlns.com/foaf/0.1/Person" not in onto


def test_techniques_and_specifiers_are_counted_as_profiled(onto):
    assert len(onto.terms("technique")) == 380
    assert len(onto.terms("specifier")) == 130
    assert {t.id for t in onto.terms("specifier")} == {t.id for t in onto if t.id.startswith("PaNET20")}


def test_labels_are_stripped(onto):
    for term_id in ("PaNET01250", "PaNET01327"):
        label = onto.term(term_id).label
        assert label == label.strip()
    assert onto.term("x-ray birefringence imaging ").id == "PaNET01327"


def test_no_altlabel_is_lost(onto, reasoned_graph):
    skos_alt = rdflib.URIRef("http://www.w3.org/2004/02/skos/core#altLabel")
    expected = {(str(s), str(o).strip()) for s, o in reasoned_graph.subject_objects(skos_alt)}
    ours = {(t.iri, s) for t in onto for s in t.synonyms}
    assert ours == expected
    assert len(ours) == 164
    assert len({iri for iri, _ in ours}) == 141


def test_version_comes_from_versioninfo_and_checksum_from_bytes(onto, ontology_dir):
    assert onto.version == "1.3.0-48-g7011e6b"
    digest = hashlib.sha256((ontology_dir / "PaNET_reasoned.owl").read_bytes()).hexdigest()
    assert onto.checksum == f"sha256:{digest}"


@pytest.mark.parametrize(("release", "size"), RELEASES.items())
def test_release_files_load_with_the_version_of_their_tag(ontology_dir, release, size):
    old = panet.load(ontology_dir / "releases" / release / "PaNET.owl")
    assert len(old) == size
    assert old.version == release[1:]  # v1.1.0's versionInfo says 1.0.0-3-g6a0b629-dirty
    assert old.term("x-ray probe").id == "PaNET01012"


def test_unreasoned_build_gets_the_closure(onto, ontology_dir):
    direct = panet.load(ontology_dir / "PaNET.owl")
    assert len(direct.descendants("PaNET01012")) == 94
    assert {t.iri: direct.ancestors(t) for t in direct} == {t.iri: onto.ancestors(t) for t in onto}


def test_turtle_loads_the_same_terms(onto, reasoned_graph, tmp_path):
    path = tmp_path / "PaNET.ttl"
    reasoned_graph.serialize(path, format="turtle")
    turtle = panet.load(path)
    assert [t.to_dict() for t in turtle] == [t.to_dict() for t in onto]
    assert len(turtle.descendants("PaNET01012")) == 94


def test_format_is_sniffed_without_a_suffix(ontology_dir, tmp_path):
    path = tmp_path / "panet-download"
    shutil.copy(ontology_dir / "releases" / "v1.1.0" / "PaNET.owl", path)
    assert len(panet.load(path)) == 375


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not readable"),
        (b"this is a shopping list, not an ontology\n", "not readable"),
        (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "no RDF"),
    ],
)
def test_unreadable_files_raise_one_clear_error(tmp_path, content, problem):
    path = tmp_path / "broken.owl"
    path.write_bytes(content)
    with pytest.raises(panet.OntologyLoadError, match=problem) as caught:
        panet.load(path)
    assert str(path) in str(caught.value)


def test_truncated_file_names_file_and_line(ontology_dir, tmp_path):
    data = (ontology_dir / "PaNET_reasoned.owl").read_bytes()
    path = tmp_path / "truncated.owl"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(panet.OntologyLoadError) as caught:
        panet.load(path)
    assert caught.value.path == str(path)
    assert caught.value.line is not None and caught.value.line > 100


def test_rdf_without_panet_classes_is_refused(tmp_path):
    path = tmp_path / "other.ttl"
    path.write_text("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n<http://example.org/A> a owl:Class .\n")
    with pytest.raises(panet.OntologyLoadError, match="no PaNET classes"):
        panet.load(path)


@pytest.mark.parametrize("missing", ["does-not-exist.owl", ""])
def test_missing_file_or_directory(tmp_path, missing):
    with pytest.raises(panet.OntologyLoadError, match=r"no such file|directory"):
        panet.load(tmp_path / missing)


def test_xml_external_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    path = tmp_path / "xxe.owl"
    path.write_text(
        f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "{secret.as_uri()}"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"
         xmlns:owl="http://www.w3.org/2002/07/owl#">
  <owl:Class rdf:about="http://purl.org/pan-science/PaNET/PaNET01188">
    <rdfs:label>&xxe;</rdfs:label>
  </owl:Class>
</rdf:RDF>
"""
    )
    with pytest.raises(panet.OntologyLoadError, match="external entity"):
        panet.load(path)


def test_internal_entities_still_work(tmp_path):
    path = tmp_path / "entities.owl"
    path.write_text(
        """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY panet "http://purl.org/pan-science/PaNET/"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"
         xmlns:owl="http://www.w3.org/2002/07/owl#">
  <owl:Class rdf:about="&panet;PaNET01188"><rdfs:label>small angle x-ray scattering</rdfs:label></owl:Class>
</rdf:RDF>
"""
    )
    assert panet.load(path).term("SMALL ANGLE X-RAY SCATTERING").id == "PaNET01188"


def _tiny(label: str) -> str:
    return f"""@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<http://purl.org/pan-science/PaNET/PaNET01188> a owl:Class ; rdfs:label "{label}" .
"""


def test_index_cache_is_keyed_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("PANET_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "tiny.ttl"
    path.write_text(_tiny("first label"))
    assert panet.load(path).term("PaNET01188").label == "first label"
    assert len(list((tmp_path / "cache").iterdir())) == 1

    from panet import formats

    def no_parsing(*args, **kwargs):
        raise AssertionError("a cached index must not be parsed again")

    monkeypatch.setattr(formats, "parse", no_parsing)
    assert panet.load(path).term("PaNET01188").label == "first label"

    monkeypatch.undo()
    monkeypatch.setenv("PANET_CACHE_DIR", str(tmp_path / "cache"))
    path.write_text(_tiny("second label"))
    assert panet.load(path).term("PaNET01188").label == "second label"


@pytest.mark.parametrize("setting", ["", "unwritable"])
def test_load_works_without_a_usable_cache(tmp_path, monkeypatch, setting):
    if setting:
        blocker = tmp_path / "a-file"
        blocker.write_text("not a directory")
        setting = str(blocker / "cache")
    monkeypatch.setenv("PANET_CACHE_DIR", setting)
    path = tmp_path / "tiny.ttl"
    path.write_text(_tiny("cache-less"))
    assert panet.load(path).term("cache-less").id == "PaNET01188"


def test_shipped_files_and_licence_are_in_the_package():
    from panet.loader import shipped_path

    for name in ("PaNET_reasoned.owl", "PaNET.owl", "PaNET.csv", "LICENSE-PaNET", "SOURCE.md"):
        assert shipped_path(name).is_file(), name
    assert "Attribution 4.0" in shipped_path("LICENSE-PaNET").read_text()
    assert isinstance(shipped_path(), Path)


@pytest.mark.parametrize(
    ("name", "version"),
    [("PaNET.csv", "1.3.0-48-g7011e6b"), ("PaNET.owl", "1.3.0-48-g7011e6b"), ("releases/v1.2.0/PaNET.csv", "1.2.0")],
)
def test_shipped_files_know_their_version(name, version):
    from panet.loader import shipped_path

    assert panet.load(shipped_path(name)).version == version
