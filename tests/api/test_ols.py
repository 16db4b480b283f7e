"""The OLS-compatible API, against the real server: contract tests written from OLS4's v1
controllers and its API tester (paging by ``_links.next``, double-encoded IRIs, field names),
and the ols-py client library, whose pydantic models validate every response."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from ols_py.client import Ols4Client

SAXS = "http://purl.org/pan-science/PaNET/PaNET01188"
SAS = "http://purl.org/pan-science/PaNET/PaNET01124"
TECHNIQUE_ROOT = "http://purl.org/pan-science/PaNET/PaNET00001"
TERM_FIELDS = {  # V1Term's JSON names
    "iri", "lang", "description", "synonyms", "annotation", "label", "ontology_name", "ontology_prefix",
    "ontology_iri", "is_obsolete", "term_replaced_by", "is_defining_ontology", "has_children", "is_root",
    "short_form", "obo_id", "in_subset", "obo_definition_citation", "obo_xref", "obo_synonym", "is_preferred_root",
    "_links",
}  # fmt: skip


def double(iri: str) -> str:
    return quote(quote(iri, safe=""), safe="")


@pytest.fixture(scope="module")
def api(live_server) -> str:
    return live_server + "/ols/api"


@pytest.fixture(scope="module")
def ols(api) -> Ols4Client:
    return Ols4Client(api)


def get_all(url: str, params: dict | None = None) -> list[dict]:
    """OLS4's API tester's ``ols3GetAll``: follow ``_links.next`` and collect ``_embedded``."""
    entries: list[dict] = []
    page = httpx.get(url, params=params).json()
    while "_embedded" in page:
        (items,) = page["_embedded"].values()
        entries += items
        if "next" not in page["_links"]:
            break
        page = httpx.get(page["_links"]["next"]["href"]).json()
    return entries


def test_ontologies_with_ols_py(ols, onto):
    listing = ols.get_ontologies()
    assert [o.ontologyId for o in listing.embedded.ontologies] == ["panet"]
    assert listing.page.totalElements == 1
    panet = ols.get_ontology("panet")  # ols-py asks for "/ontologies/panet/"
    assert panet.numberOfTerms == len(onto)
    assert panet.numberOfProperties == 6
    assert panet.status == "LOADED"
    assert str(panet.links.terms.href).endswith("/ols/api/ontologies/panet/terms")


def test_ontology_id_is_case_insensitive_and_unknown_is_404(api):
    assert httpx.get(api + "/ontologies/PaNET").json()["ontologyId"] == "panet"
    response = httpx.get(api + "/ontologies/efo")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_term_by_double_encoded_iri(api, ols, onto):
    body = httpx.get(f"{api}/ontologies/panet/terms/{double(SAXS)}").json()
    assert set(body) == TERM_FIELDS
    assert body["label"] == "small angle x-ray scattering"
    assert body["synonyms"] == ["SAXS"]
    assert body["short_form"] == "PaNET01188"
    assert body["obo_id"] == "PaNET01188"  # OLS's rule: no "_digits" suffix, so the short form
    assert body["ontology_name"] == "panet"
    assert body["ontology_iri"] == "http://purl.org/pan-science/PaNET/PaNET.owl"
    assert body["is_obsolete"] is False
    assert body["has_children"] is True
    assert body["is_root"] is False
    assert body["annotation"] == {"definition source": ["https://en.wikipedia.org/wiki/Small-angle_X-ray_scattering"]}
    assert body["_links"]["self"]["href"].endswith(f"/ols/api/ontologies/panet/terms/{double(SAXS)}?lang=en")
    term = ols.get_term("panet", SAXS)  # validated by ols-py's Term model
    assert term.label == body["label"]


def test_term_with_a_definition(api, onto):
    defined = next(t for t in onto.terms() if t.definition)
    body = httpx.get(f"{api}/ontologies/panet/terms/{double(defined.iri)}").json()
    assert body["description"] == [defined.definition]


def test_single_encoded_iri_works_too(api):
    assert httpx.get(f"{api}/ontologies/panet/terms/{quote(SAXS, safe='')}").json()["iri"] == SAXS


def test_unknown_iri_is_404(api):
    response = httpx.get(f"{api}/ontologies/panet/terms/{double('http://purl.org/pan-science/PaNET/PaNET99999')}")
    assert response.status_code == 404


def test_links_follow_ols_rules(api):
    root = httpx.get(f"{api}/ontologies/panet/terms/{double(TECHNIQUE_ROOT)}").json()
    assert root["is_root"] is True
    assert "parents" not in root["_links"]
    assert "children" in root["_links"]
    leaf = httpx.get(f"{api}/ontologies/panet/terms/{double('http://purl.org/pan-science/PaNET/PaNET01200')}").json()
    assert leaf["has_children"] is False
    assert "children" not in leaf["_links"]
    assert "ancestors" in leaf["_links"]
    for rel in ("parents", "ancestors"):  # every advertised link answers
        assert httpx.get(leaf["_links"][rel]["href"]).status_code == 200


def test_all_terms_by_following_next_links(api, onto):
    terms = get_all(api + "/ontologies/panet/terms", {"size": 200})
    assert [t["iri"] for t in terms] == [t.iri for t in onto.terms()]
    assert len({t["iri"] for t in terms}) == 510


def test_hal_page_shape(api):
    body = httpx.get(api + "/ontologies/panet/terms", params={"page": 1, "size": 100}).json()
    assert body["page"] == {"size": 100, "totalElements": 510, "totalPages": 6, "number": 1}
    assert set(body["_links"]) == {"first", "prev", "self", "next", "last"}
    assert "page=5" in body["_links"]["last"]["href"]
    assert len(body["_embedded"]["terms"]) == 100
    last = httpx.get(body["_links"]["last"]["href"]).json()
    assert len(last["_embedded"]["terms"]) == 10
    assert "next" not in last["_links"]
    beyond = httpx.get(api + "/ontologies/panet/terms", params={"page": 9, "size": 100}).json()
    assert "_embedded" not in beyond  # Spring HATEOAS leaves out an empty _embedded
    assert beyond["page"]["totalElements"] == 510


def test_page_size_is_capped_at_1000(api):
    assert httpx.get(api + "/ontologies/panet/terms", params={"size": 5000}).json()["page"]["size"] == 1000


@pytest.mark.parametrize(
    "params", [{"iri": SAXS}, {"short_form": "PaNET01188"}, {"obo_id": "PaNET01188"}, {"id": "panet:PaNET01188"}]
)
def test_terms_filtered_by_identifier(api, ols, params):
    body = httpx.get(api + "/ontologies/panet/terms", params=params).json()
    assert [t["iri"] for t in body["_embedded"]["terms"]] == [SAXS]
    assert [str(t.iri) for t in ols.get_terms("panet", params=params).embedded.terms] == [SAXS]
    everywhere = httpx.get(api + "/terms", params=params).json()
    assert [t["iri"] for t in everywhere["_embedded"]["terms"]] == [SAXS]


def test_a_label_is_not_an_identifier(api):
    assert httpx.get(api + "/ontologies/panet/terms", params={"id": "SAXS"}).status_code == 404


@pytest.mark.parametrize(
    ("relation", "method"),
    [
        ("parents", "parents"),
        ("children", "children"),
        ("ancestors", "ancestors"),
        ("descendants", "descendants"),
        ("hierarchicalParents", "parents"),
        ("hierarchicalChildren", "children"),
        ("hierarchicalAncestors", "ancestors"),
        ("hierarchicalDescendants", "descendants"),
    ],
)
def test_relatives_match_the_reasoned_hierarchy(api, onto, relation, method):
    expected = sorted(t.iri for t in getattr(onto, method)(SAS))
    by_path = get_all(f"{api}/ontologies/panet/terms/{double(SAS)}/{relation}", {"size": 7})
    assert [t["iri"] for t in by_path] == expected
    by_id = get_all(f"{api}/ontologies/panet/{relation}", {"id": SAS})
    assert [t["iri"] for t in by_id] == expected


def test_relatives_with_ols_py(ols, onto):
    parents = ols.get_term_parents("panet", SAXS).embedded.terms
    assert {str(t.iri) for t in parents} == {t.iri for t in onto.parents(SAXS)}
    children = ols.get_term_children("panet", SAS, params={"size": 100}).embedded.terms
    assert {str(t.iri) for t in children} == {t.iri for t in onto.children(SAS)}
    ancestors = ols.get_term_ancestors("panet", "PaNET01188", params={"size": 100})
    assert ancestors.page.totalElements == len(onto.ancestors(SAXS))


def test_roots(api, onto):
    roots = get_all(api + "/ontologies/panet/terms/roots")
    assert [t["iri"] for t in roots] == [t.iri for t in onto.roots()]


def test_properties_and_individuals(api, onto):
    properties = get_all(api + "/ontologies/panet/properties")
    assert {p["iri"]: p["label"] for p in properties} == onto.properties
    one = httpx.get(properties[0]["_links"]["self"]["href"]).json()
    assert one["iri"] == properties[0]["iri"]
    empty = httpx.get(api + "/ontologies/panet/individuals").json()
    assert empty["page"]["totalElements"] == 0
    assert "_embedded" not in empty


def test_search_with_ols_py(ols):
    result = ols.search("saxs")
    assert result.response.docs[0].iri == SAXS
    assert result.response.docs[0].type == "class"
    assert result.response.docs[0].ontology_name == "panet"
    assert result.response.numFound >= len(result.response.docs)


def test_search_default_fields_and_facets(api):
    body = httpx.get(api + "/search", params={"q": "small angle scattering"}).json()
    doc = body["response"]["docs"][0]
    assert set(doc) == {"id", "iri", "short_form", "obo_id", "label", "ontology_name", "ontology_prefix",
                        "description", "type"}  # fmt: skip
    assert doc["iri"] == SAS  # the technique before the specifier with the same label
    assert doc["id"] == f"panet:class:{SAS}"
    assert body["responseHeader"]["status"] == 0
    assert body["facet_counts"]["facet_fields"]["ontologyId"] == ["panet", str(body["response"]["numFound"])]


def test_search_parameters(api, onto):
    def search(**params):
        return httpx.get(api + "/search", params=params).json()["response"]

    assert [d["iri"] for d in search(q="SAXS", exact="true")["docs"]] == [SAXS]
    assert search(q="saxs", ontology="efo,go")["numFound"] == 0
    assert search(q="saxs", ontology="efo,PaNET")["numFound"] > 0
    assert search(q="saxs", type="property")["numFound"] == 0
    assert [d["iri"] for d in search(q="PaNET01188", queryFields="short_form")["docs"]] == [SAXS]
    assert search(q="SAXS", queryFields="label")["numFound"] < search(q="SAXS", queryFields="label,synonym")["numFound"]
    under = search(q="scattering", childrenOf=SAS, rows=1000)["docs"]
    assert under
    assert {d["iri"] for d in under} <= {t.iri for t in onto.descendants(SAS)}
    assert SAS in {d["iri"] for d in search(q="scattering", allChildrenOf=SAS, inclusive="true", rows=1000)["docs"]}
    leaves = search(q="scattering", isLeaf="true", rows=1000)["docs"]
    assert all(not onto.children(d["iri"]) for d in leaves)
    assert search(q="difraction")["numFound"] == 0  # Solr has no typo tolerance; neither does this API
    fields = search(q="saxs", fieldList="iri,label,synonym")["docs"][0]
    assert fields == {"iri": SAXS, "label": "small angle x-ray scattering", "synonym": ["SAXS"]}


def test_search_pages_with_rows_and_start(api):
    first = httpx.get(api + "/search", params={"q": "scattering", "rows": 5}).json()["response"]
    second = httpx.get(api + "/search", params={"q": "scattering", "rows": 5, "start": 5}).json()["response"]
    assert second["start"] == 5
    assert len(first["docs"]) == len(second["docs"]) == 5
    assert not {d["iri"] for d in first["docs"]} & {d["iri"] for d in second["docs"]}


def test_select_and_suggest(api):
    select = httpx.get(api + "/select", params={"q": "saxs"}).json()
    assert select["response"]["docs"][0]["iri"] == SAXS
    assert select["highlighting"][f"panet:class:{SAXS}"] == {"synonym_autosuggest": ["<b>SAXS</b>"]}
    suggest = httpx.get(api + "/suggest", params={"q": "small angle x"}).json()
    completions = [d["autosuggest"] for d in suggest["response"]["docs"]]
    assert completions[0] == "small angle x-ray scattering"
    assert suggest["response"]["numFound"] >= len(completions)


def test_missing_q_is_a_problem(api):
    response = httpx.get(api + "/search")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
