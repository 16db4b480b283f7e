"""SHACL validation: shipped shapes, messages, both engines, fallback, inputs."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, SH

import panet
from panet.errors import InputFileError, OptionError, PanetError
from panet.shacl import check, validate
from panet.shacl.generate import PANETSH, default_shapes, technique_shapes, under_shapes
from panet.shacl.inputs import shipped_shapes_file

PANET = Namespace("http://purl.org/pan-science/PaNET/")
EG = Namespace("http://purl.org/pan-science/PaNET/example-1#")
EX = Namespace("http://example.org/")
SHAPES_DIR = Path(__file__).resolve().parents[2] / "shapes"


def keys(report) -> Counter:
    return Counter(r.key for r in report.results)


def both(data, shapes=None, **options):
    """Fast and pyshacl reports on the SAME parsed graphs (blank nodes compare equal)."""
    onto = options.pop("onto")
    data_graph = data if isinstance(data, Graph) else validate_graph(data)
    shapes_graph = default_shapes(onto) if shapes is None else shapes
    fast = check(data_graph, shapes_graph, "fast", lambda: onto)
    reference = check(data_graph, shapes_graph, "pyshacl", lambda: onto)
    assert fast.engine == "fast"
    assert reference.engine == "pyshacl"
    assert keys(fast) == keys(reference)
    assert fast.conforms == reference.conforms
    assert [r.message for r in fast.results] == [r.message for r in reference.results]
    return fast


def validate_graph(turtle: str) -> Graph:
    return Graph().parse(
        data="@prefix schema: <http://schema.org/> . @prefix PaNET: <http://purl.org/pan-science/"
        "PaNET/> . @prefix ex: <http://example.org/> . @prefix eg: <http://purl.org/pan-science/PaNET/example-1#> . "
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix dcat: <http://www.w3.org/ns/dcat#> . "
        "@prefix dct: <http://purl.org/dc/terms/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .\n" + turtle,
        format="turtle",
    )


GOOD_RECORD = """ex:d a schema:Dataset ; schema:name "SAXS of lysozyme" ; schema:measurementTechnique PaNET:PaNET01188 ;
    schema:license <https://creativecommons.org/licenses/by/4.0/> ; schema:dateCreated "2024-05-01"^^xsd:date ."""


def copy(graph: Graph) -> Graph:
    """A copy with the same triples and prefixes."""
    found = Graph()
    for prefix, namespace in graph.namespaces():
        found.bind(prefix, namespace, override=True, replace=True)
    found += graph
    return found


def canonical(graph: Graph) -> Counter:
    """The triples with each blank node replaced by what hangs below it (rdflib's isomorphic()
    takes minutes on graphs with long RDF lists)."""

    def term(node):
        if isinstance(node, BNode) and graph.value(node, RDF.first) is not None:
            return ("()", tuple(term(item) for item in graph.items(node)))
        if isinstance(node, BNode):
            return ("_:", frozenset((p, term(o)) for p, o in graph.predicate_objects(node)))
        return node

    return Counter((s, p, term(o)) for s, p, o in graph if not isinstance(s, BNode))


# -- PaNET's own example -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def example(ontology_dir) -> Graph:
    return Graph().parse(ontology_dir / "examples" / "example-1.ttl")


def test_example_1_conforms_on_both_engines(onto, example):
    report = both(example, onto=onto)
    assert report.conforms
    assert validate(panet.shipped_path("examples/example-1.ttl")).conforms


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        # the individual typed with the specifier 'small angle scattering' instead of a technique
        (
            lambda g: g.set((EG.myARPEStechnique, RDF.type, PANET.PaNET2020072)),
            "eg:myARPEStechnique is typed PaNET:PaNET2020072: 'small angle scattering' (PaNET2020072) is a specifier; "
            "did you mean the technique PaNET01124?",
        ),
        # an unknown PaNET ID
        (
            lambda g: g.set((EG.myARPEStechnique, RDF.type, PANET.PaNET99999)),
            "eg:myARPEStechnique is typed PaNET:PaNET99999: <http://purl.org/pan-science/PaNET/PaNET99999> is not a "
            "term of PaNET",
        ),
        # the individual loses its types
        (
            lambda g: g.remove((EG.myARPEStechnique, RDF.type, None)),
            "eg:myARPEStechnique has no rdf:type",
        ),
        # the technique class itself instead of an individual
        (
            lambda g: g.set((EG.my_ARPES_data, EG.hasTechnique, PANET.PaNET01089)),
            "is the class 'angle resolved photoemission spectroscopy' (PaNET01089) itself",
        ),
        # a literal instead of an individual
        (lambda g: g.set((EG.my_ARPES_data, EG.hasTechnique, Literal("ARPES"))), '"ARPES" is a literal'),
    ],
)
def test_mutated_example_fails_with_the_expected_result(onto, example, mutation, expected):
    data = copy(example)
    mutation(data)
    report = both(data, onto=onto)
    assert not report.conforms
    [result] = report.results
    assert result.focus == EG.my_ARPES_data
    assert result.path == EG.hasTechnique
    assert result.component == SH.NodeConstraintComponent
    assert result.source_shape == PANETSH["TechniqueIndividual-hasTechnique"]
    assert result.severity == SH.Violation
    assert expected in result.message


def test_subclass_of_a_technique_is_a_technique_individual(onto, example):
    data = copy(example)
    data.set((EG.myARPEStechnique, RDF.type, EX.MyARPES))
    data.add((EX.MyARPES, URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"), PANET.PaNET01089))
    assert both(data, onto=onto).conforms


# -- technique references and the dataset profile ---------------------------------------------
def test_good_schema_org_record_conforms(onto):
    assert both(validate_graph(GOOD_RECORD), onto=onto).conforms


def test_specifier_message_names_the_technique(onto):
    report = both(validate_graph(GOOD_RECORD.replace("PaNET01188", "PaNET2020072")), onto=onto)
    messages = {r.component.rsplit("#")[-1]: r.message for r in report.results}
    assert messages["InConstraintComponent"] == (
        "'small angle scattering' (PaNET2020072) is a specifier; did you mean the technique PaNET01124?"
    )
    assert "at least one PaNET technique" in messages["QualifiedMinCountConstraintComponent"]
    assert all(r.severity == SH.Violation for r in report.results)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"SAXS"', "'SAXS' is text, not an IRI; did you mean PaNET01188 'small angle x-ray scattering'"),
        ('"small angle x-ray scatering"', "closest PaNET techniques: PaNET01188 'small angle x-ray scattering'"),
        (
            '"SAXS and WAXS on lysozyme"',
            "did you mean PaNET01188 'small angle x-ray scattering' <http://purl.org/pan-science/PaNET/PaNET01188>, "
            "PaNET",
        ),
        ('"http://purl.org/pan-science/PaNET/PaNET01188"', "is text, not an IRI: write the IRI <http://purl.org/"),
        ("<https://purl.org/pan-science/PaNET/PaNET01188>", "write <http://purl.org/pan-science/PaNET/PaNET01188>"),
        ("PaNET:PaNET99999", "is not a term of PaNET"),
        ("<http://example.org/technique>", "is not a PaNET IRI"),
        ('[ schema:name "SANS" ]', "'SANS' names a technique without its PaNET IRI"),
    ],
)
def test_wrong_technique_values_get_helpful_messages(onto, value, expected):
    report = both(validate_graph(GOOD_RECORD.replace("PaNET:PaNET01188", value)), onto=onto)
    reference = [r for r in report.results if r.component == SH.InConstraintComponent]
    assert len(reference) == 1
    assert expected in reference[0].message


def test_profile_severities(onto):
    record = """ex:d a schema:Dataset ; schema:name 42 ; schema:measurementTechnique PaNET:PaNET01188 ;
        schema:license "CC-BY" ; schema:dateCreated "2024-05-01" .
        _:anon a schema:Dataset ; schema:name "no id" ; schema:measurementTechnique PaNET:PaNET01188 ."""
    report = both(validate_graph(record), onto=onto)
    found = {(r.source_shape.rsplit("#")[-1], r.severity_name) for r in report.results}
    assert found == {
        ("SchemaDataset-titleText", "Violation"),
        ("SchemaDataset-licenseIRI", "Warning"),
        ("SchemaDataset-dateCreated", "Warning"),
        ("SchemaDataset", "Violation"),  # a blank node without schema:identifier
        ("SchemaDataset-license", "Warning"),
    }


def test_dcat_dataset_theme_from_another_vocabulary_is_fine(onto):
    record = """ex:d a dcat:Dataset ; dct:title "x"@en ; dct:license <https://creativecommons.org/licenses/by/4.0/> ;
        dcat:theme PaNET:PaNET01188, <http://publications.europa.eu/resource/authority/data-theme/TECH> ;
        dct:issued "2024"^^xsd:gYear ."""
    assert both(validate_graph(record), onto=onto).conforms
    wrong = both(validate_graph(record.replace("PaNET:PaNET01188", "PaNET:PaNET2020072")), onto=onto)
    assert {r.component for r in wrong.results} == {SH.OrConstraintComponent, SH.QualifiedMinCountConstraintComponent}
    assert "is a specifier" in wrong.results[0].message


def test_shipped_techniques_file_matches_the_shipped_ontology(onto):
    shipped = Graph().parse(SHAPES_DIR / "techniques.ttl")
    assert canonical(shipped) == canonical(technique_shapes(onto)), (
        "regenerate: panet shapes --no-profile -o shapes/techniques.ttl"
    )
    techniques = set(shipped.items(shipped.value(PANETSH.TechniqueIRI, SH["in"])))
    assert techniques == {URIRef(t.iri) for t in onto.terms("technique")}
    assert URIRef(onto.term("PaNET00100").iri) in techniques  # 'photon probe technique' (outside PaNET00001)
    assert not any(str(t).startswith(str(PANET.PaNET20)) for t in techniques)


def test_shapes_are_generated_for_the_loaded_version(onto):
    old = panet.load(version="1.0.0")
    generated = technique_shapes(old)
    listed = set(generated.items(generated.value(PANETSH.TechniqueIRI, SH["in"])))
    assert len(listed) == len(old.terms("technique")) != len(onto.terms("technique"))
    # a technique added after 1.0.0 (positron probe technique) fails against 1.0.0's shapes
    record = validate_graph(GOOD_RECORD.replace("PaNET01188", "PaNET00107"))
    assert both(record, onto=onto).conforms
    assert not both(record, default_shapes(old), onto=old).conforms


def test_deprecated_techniques_are_refused(tmp_path, onto):
    graph = Graph().parse(panet.shipped_path())
    graph.add((PANET.PaNET01188, OWL.deprecated, Literal(True)))
    graph.add((PANET.PaNET01188, URIRef("http://purl.obolibrary.org/obo/IAO_0100001"), PANET.PaNET01124))
    path = tmp_path / "deprecated.ttl"
    graph.serialize(path, format="turtle")
    changed = panet.load(path)
    report = both(validate_graph(GOOD_RECORD), default_shapes(changed), onto=changed)
    messages = [r.message for r in report.results if r.component == SH.InConstraintComponent]
    assert messages == [
        "'small angle x-ray scattering' (PaNET01188) is deprecated; use <http://purl.org/pan-science/PaNET/PaNET01124>."
    ]


def test_technique_under_template(onto):
    shapes = under_shapes(onto, "small angle scattering")
    good = validate_graph("ex:d schema:measurementTechnique PaNET:PaNET01188, PaNET:PaNET01124 .")
    assert both(good, shapes, onto=onto).conforms
    bad = both(validate_graph("ex:d schema:measurementTechnique PaNET:PaNET01216 ."), shapes, onto=onto)
    [result] = bad.results
    assert result.message == (
        "'x-ray diffraction' (PaNET01216) is a technique, but not under 'small angle scattering' (PaNET01124)."
    )
    with pytest.raises(PanetError, match="is a specifier"):
        under_shapes(onto, "PaNET2020072")


# -- reports -------------------------------------------------------------------------------------
def test_report_graph_json_and_text(onto):
    record = validate_graph(GOOD_RECORD.replace("PaNET:PaNET01188", "PaNET:PaNET2020072"))
    report = validate(record)
    g = report.graph
    [node] = g.subjects(RDF.type, SH.ValidationReport)
    assert g.value(node, SH.conforms) == Literal(False)
    results = list(g.objects(node, SH.result))
    assert len(results) == len(report.results) == 2
    assert {g.value(r, SH.sourceConstraintComponent) for r in results} == {
        SH.InConstraintComponent,
        SH.QualifiedMinCountConstraintComponent,
    }
    data = json.loads(report.to_json())
    assert data["conforms"] is False
    assert data["counts"] == {"Violation": 2, "Warning": 0, "Info": 0}
    assert data["results"][0]["path"] == "schema:measurementTechnique"
    assert "is a specifier" in report.text()


def test_report_graph_keeps_complex_paths():
    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S sh:targetNode ex:a ; sh:property [ sh:path ( ex:p [ sh:inversePath ex:q ] ) ; sh:minCount 1 ] .""",
        format="turtle",
    )
    report = validate(Graph(), shapes)
    [result] = report.results
    assert result.to_dict()["path"] == "(ex:p/^ex:q)"
    path = report.graph.value(next(report.graph.subjects(RDF.type, SH.ValidationResult)), SH.resultPath)
    assert isinstance(path, BNode)
    assert len(list(report.graph.items(path))) == 2
    assert result.message == "Needs at least 1 value(s)."


# -- fallback to pyshacl ----------------------------------------------------------------------
def test_constraint_outside_the_subset_hands_the_whole_validation_to_pyshacl():
    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:S sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:minCount 2 ] ;
            sh:sparql [ sh:select "SELECT $this ?value WHERE { $this ex:p ?value FILTER (strlen(?value) < 3) }" ;
                        sh:prefixes [ sh:declare [ sh:prefix "ex" ;
                                                   sh:namespace "http://example.org/"^^xsd:anyURI ] ] ] .""",
        format="turtle",
    )
    data = Graph().parse(data='<http://example.org/a> <http://example.org/p> "ab" .', format="turtle")
    report = validate(data, shapes)
    assert report.engine == "pyshacl"
    assert "sh:sparql" in report.fallback
    assert {r.component for r in report.results} == {SH.SPARQLConstraintComponent, SH.MinCountConstraintComponent}
    assert "handed this validation to pyshacl" in report.text()
    assert json.loads(report.to_json())["fallback"] == report.fallback


# -- inputs --------------------------------------------------------------------------------------
def test_unparseable_data_names_file_and_line(tmp_path):
    path = tmp_path / "broken.ttl"
    path.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b ;\n")
    with pytest.raises(InputFileError) as caught:
        validate(path)
    assert caught.value.path == str(path)
    assert caught.value.line == 3
    assert "not readable as turtle" in str(caught.value)


def test_unparseable_shapes_name_file_and_line(tmp_path):
    path = tmp_path / "shapes.ttl"
    path.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n\n<x> sh:minCount .\n")
    with pytest.raises(InputFileError) as caught:
        validate(panet.shipped_path("examples/example-1.ttl"), shapes=path)
    assert caught.value.line == 3


def test_bad_json_names_line_and_column(tmp_path):
    path = tmp_path / "records.json"
    path.write_text('[{"pid": "a",\n  "title": }]')
    with pytest.raises(InputFileError) as caught:
        validate(path, context="pan-search")
    assert (caught.value.line, caught.value.column) == (2, 12)


def test_xml_external_entities_are_refused(tmp_path):
    path = tmp_path / "data.rdf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="x">'
        "&e;</rdf:Description></rdf:RDF>"
    )
    with pytest.raises(InputFileError, match="document type declaration"):
        validate(path)


def test_plain_json_needs_a_context(tmp_path):
    path = tmp_path / "records.json"
    path.write_text('[{"pid": "a"}]')
    with pytest.raises(InputFileError, match="plain JSON without @context"):
        validate(path)


def test_remote_json_ld_context_is_never_fetched(tmp_path):
    path = tmp_path / "record.jsonld"
    path.write_text('{"@context": "https://example.org/context.jsonld", "@id": "http://example.org/a"}')
    with pytest.raises(InputFileError, match="never fetches"):
        validate(path)


def test_schema_org_json_ld_uses_the_shipped_context(onto, tmp_path):
    path = tmp_path / "record.jsonld"
    path.write_text(
        json.dumps(
            {
                "@context": "https://schema.org/",
                "@type": "Dataset",
                "@id": "http://example.org/d",
                "name": "SAXS of lysozyme",
                "measurementTechnique": {"@id": "http://purl.org/pan-science/PaNET/PaNET01188"},
                "license": {"@id": "https://creativecommons.org/licenses/by/4.0/"},
            }
        )
    )
    report = validate(path)
    assert report.conforms, report.text()


def test_pan_search_api_records(onto, tmp_path):
    records = [
        {
            "pid": "20.500.12269/0001",
            "title": "Open beam",
            "creationDate": "2019-08-02T12:03:28.000Z",
            "techniques": [{"pid": "http://purl.org/pan-science/PaNET/PaNET01189", "name": "SANS"}],
        },
        {
            "pid": "20.500.12269/0002",
            "title": "Vanadium",
            "techniques": [{"pid": "http://purl.org/pan-science/PaNET/PaNET2020072", "name": "small angle scattering"}],
        },
    ]
    path = tmp_path / "datasets.json"
    path.write_text(json.dumps(records))
    report = validate(path, context="pan-search")
    violations = report.violations
    assert {str(r.focus) for r in violations} == {"https://hdl.handle.net/20.500.12269/0002"}
    assert any("is a specifier" in r.message for r in violations)
    assert report.count("Warning") == 2  # no licence on either record
    assert keys(report) == keys(check(report.data_graph, report.shapes_graph, "pyshacl", lambda: onto))


def test_scicat_records(tmp_path):
    record = {
        "pid": "20.500.12269/abc",
        "datasetName": "Scan 12",
        "creationTime": "2021-03-01T10:00:00Z",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "techniques": [{"pid": "PaNET01188", "name": "SAXS"}],
    }
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(record))
    report = validate(path, context="scicat")
    messages = [r.message for r in report.violations]
    assert "write <http://purl.org/pan-science/PaNET/PaNET01188>" in messages[0]
    record["techniques"][0]["pid"] = "http://purl.org/pan-science/PaNET/PaNET01188"
    path.write_text(json.dumps(record))
    assert not validate(path, context="scicat").violations


def test_shipped_files_are_in_the_package():
    for name in (
        "dataset.ttl",
        "techniques.ttl",
        "pan-search.jsonld",
        "scicat.jsonld",
        "schema-org.jsonld",
        "README.md",
    ):
        assert Path(shipped_shapes_file(name)).is_file(), name


def test_default_shapes_are_the_shipped_files(onto):
    shipped = Graph()
    for name in ("dataset.ttl", "techniques.ttl"):
        shipped.parse(SHAPES_DIR / name)
    assert canonical(shipped) == canonical(default_shapes(onto))


def test_engine_name_is_checked():
    with pytest.raises(OptionError, match="engine must be one of"):
        validate(Graph(), engine="turbo")


def test_invalid_shapes_graph_is_one_clear_error():
    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S sh:targetNode ex:a ; sh:minCount 1 .""",
        format="turtle",
    )
    for engine in ("fast", "pyshacl"):
        with pytest.raises(PanetError, match="pyshacl cannot use the shapes graph: MinCountConstraintComponent"):
            validate(Graph(), shapes, engine=engine)


def test_recursive_shapes_fall_back_to_pyshacl():
    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:node ex:S ] .""",
        format="turtle",
    )
    report = validate(Graph(), shapes)
    assert report.engine == "pyshacl"
    assert "recursive" in report.fallback


def test_https_schema_org_data_is_checked_too(onto, tmp_path):
    https = GOOD_RECORD.replace("schema:", "shs:").replace("PaNET01188", "PaNET2020072")
    path = tmp_path / "https.ttl"
    path.write_text(
        "@prefix shs: <https://schema.org/> . @prefix PaNET: <http://purl.org/pan-science/PaNET/> . "
        "@prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n" + https
    )
    report = panet.validate(path, ontology=onto)
    assert not report.conforms
    assert any("is a specifier; did you mean the technique PaNET01124?" in r.message for r in report.results)
    path.write_text(path.read_text().replace("PaNET2020072", "PaNET01188"))
    assert panet.validate(path, ontology=onto).conforms


def test_missing_or_folder_input_is_one_clear_error(onto, tmp_path):
    with pytest.raises(InputFileError, match="no such file") as missing:
        validate(tmp_path / "nope.ttl", ontology=onto)
    assert missing.value.path == str(tmp_path / "nope.ttl")
    with pytest.raises(InputFileError, match="is a directory, not an RDF or JSON file"):
        validate(tmp_path, ontology=onto)


# -- pyoxigraph input ------------------------------------------------------------------------------
@pytest.fixture
def canary():
    """A loopback HTTP server that records every request (a JSON-LD context fetch would be one)."""
    import http.server
    import threading

    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.end_headers()
            self.wfile.write(b'{"@context": {"name": "http://schema.org/name"}}')

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


def test_json_ld_contexts_are_never_loaded(canary, tmp_path):
    from panet.shacl.data import DataGraph

    base, hits = canary
    context_file = tmp_path / "context.jsonld"
    context_file.write_text('{"@context": {"name": "http://schema.org/name"}}')
    scoped = {"@context": {"p": {"@id": "http://example.org/p", "@context": f"{base}/scoped"}}}
    documents = [
        {"@context": f"{base}/top", "@id": "http://example.org/a", "name": "x"},
        {"@context": context_file.as_uri(), "@id": "http://example.org/a", "name": "x"},
        {"@context": "context.jsonld", "@id": "http://example.org/a", "name": "x"},
        {"@context": {"@import": f"{base}/imported"}, "@id": "http://example.org/a"},
        {**scoped, "@id": "http://example.org/a", "p": {"@id": "http://example.org/b"}},
    ]
    for i, document in enumerate(documents):
        path = tmp_path / f"record-{i}.jsonld"
        path.write_text(json.dumps(document))
        with pytest.raises(InputFileError) as caught:
            validate(path)
        assert caught.value.path == str(path)
        with pytest.raises(SyntaxError):  # the parser itself has no document loader either
            DataGraph.parse(json.dumps(document), "json-ld", base_iri=path.as_uri())
    assert hits == []


def test_duplicate_triples_count_once(tmp_path):
    path = tmp_path / "data.ttl"
    path.write_text(
        "<http://example.org/a> <http://example.org/p> 1 .\n<http://example.org/a> <http://example.org/p> 1 .\n"
    )
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<http://example.org/S> sh:targetNode <http://example.org/a> ;\n"
        "  sh:property [ sh:path <http://example.org/p> ; sh:maxCount 1 ] ."
    )
    for engine in ("fast", "pyshacl"):
        assert validate([path, path], shapes=shapes, engine=engine).conforms


@pytest.mark.parametrize(
    ("suffix", "content", "line"),
    [
        (".nt", "<http://e/a> <http://e/b> <http://e/c> .\n<http://e/a> <http://e/b> .\n", 2),
        (
            ".rdf",
            '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n</rdf:RDFX>',
            3,
        ),
        (".jsonld", '{"@id": "http://e/a",\n "http://e/p": [1,\n 2', 3),
    ],
)
def test_every_syntax_error_names_file_and_line(tmp_path, suffix, content, line):
    path = tmp_path / f"broken{suffix}"
    path.write_text(content)
    with pytest.raises(InputFileError) as caught:
        validate(path)
    assert caught.value.path == str(path)
    assert caught.value.line == line
    assert "Parser error" not in str(caught.value)


ILL_FORMED = {
    "two severities": ("sh:severity sh:Warning, sh:Info", "2 values of sh:severity"),
    "two deactivated": ("sh:deactivated true, false", "2 values of sh:deactivated"),
    "deactivated not boolean": ('sh:deactivated "yes"', 'sh:deactivated "yes", not true or false'),
    "deactivated 1": ('sh:deactivated "1"^^xsd:boolean', "not true or false"),
}


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
@pytest.mark.parametrize("case", ILL_FORMED, ids=list(ILL_FORMED))
def test_ill_formed_shapes_are_one_clear_error_on_both_engines(tmp_path, engine, case):
    from panet.shacl.compile import IllFormedShapes

    statement, problem = ILL_FORMED[case]
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        f"<http://example.org/S> sh:targetNode <http://example.org/a> ; sh:nodeKind sh:Literal ; {statement} ."
    )
    with pytest.raises(IllFormedShapes, match=problem):
        validate(Graph(), shapes=shapes, engine=engine)


def test_unique_lang_follows_the_w3c_suite_not_pyshacl(tmp_path):
    data = tmp_path / "data.ttl"
    data.write_text('<http://example.org/a> <http://example.org/p> "a"@en, "b"@en .')
    shapes = tmp_path / "shapes.ttl"
    for value, results in (("true", 1), ('"1"^^<http://www.w3.org/2001/XMLSchema#boolean>', 0)):
        shapes.write_text(
            "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
            f"<http://example.org/S> sh:targetNode <http://example.org/a> ; sh:path <http://example.org/p> ; "
            f"sh:uniqueLang {value} ."
        )
        report = validate(data, shapes=shapes)
        assert report.engine == "fast"
        assert len(report.results) == results
    assert len(validate(data, shapes=shapes, engine="pyshacl").results) == 1  # pyshacl reads "1" as true


def test_rdf_1_2_triple_terms_are_one_clear_error(tmp_path):
    path = tmp_path / "data.ttl"
    path.write_text(
        "@prefix schema: <http://schema.org/> .\n"
        '<http://example.org/d> a schema:Dataset ; schema:name <<( <http://example.org/a> schema:name "x" )>> .'
    )
    with pytest.raises(PanetError, match="triple terms are not supported"):
        validate(path)


def test_less_than_with_a_blank_node_is_a_result_where_pyshacl_stops(tmp_path):
    data = tmp_path / "data.ttl"
    data.write_text("<http://example.org/a> <http://example.org/p> 1 ; <http://example.org/q> [] .")
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<http://example.org/S> sh:targetNode <http://example.org/a> ; "
        "sh:property [ sh:path <http://example.org/p> ; sh:lessThan <http://example.org/q> ] ."
    )
    report = validate(data, shapes=shapes)
    assert [(r.component, r.value) for r in report.results] == [(SH.LessThanConstraintComponent, Literal(1))]
    with pytest.raises(PanetError, match="to compare a BlankNode"):
        validate(data, shapes=shapes, engine="pyshacl")


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_lexical_forms_are_kept_on_both_engines(tmp_path, engine):
    data = tmp_path / "data.ttl"
    data.write_text('<http://example.org/a> <http://example.org/p> "01"^^<http://www.w3.org/2001/XMLSchema#integer> .')
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<http://example.org/S> sh:targetNode <http://example.org/a> ; "
        "sh:property [ sh:path <http://example.org/p> ; sh:hasValue 1 ] ."
    )
    report = validate(data, shapes=shapes, engine=engine)
    assert [r.component for r in report.results] == [SH.HasValueConstraintComponent]  # "01" is not the term 1
