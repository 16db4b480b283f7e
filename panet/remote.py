"""`Endpoint`: query a remote SPARQL endpoint (SPARQLWrapper), with PaNET's hierarchy
brought along.

A catalogue's triple store rarely holds PaNET itself, so "datasets measured with small angle
scattering, or any technique under it" cannot be asked there with ``rdfs:subClassOf*``.
`Endpoint.datasets_with_technique` expands the technique locally (the term, its equivalents
and all descendants from the reasoned hierarchy) and sends them as a ``VALUES`` block, so
the remote store only has to match IRIs.

>>> import panet
>>> from panet.remote import Endpoint
>>> values = Endpoint("http://localhost:8000/sparql").technique_values("SAXS")  # no request is made
>>> values[:70]
'VALUES ?technique { <http://purl.org/pan-science/PaNET/PaNET01162> <ht'
>>> values.count("<")          # SAXS and its 9 descendants
10
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from panet.errors import PanetError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from panet.ontology import Key, Ontology

__all__ = ["TECHNIQUE_PREDICATES", "Endpoint", "RemoteError"]

# How catalogue records link a dataset to its technique: schema.org (both spellings of its
# namespace, as panet's records export and other tools write it) and DCAT's theme.
TECHNIQUE_PREDICATES = (
    "https://schema.org/measurementTechnique",
    "http://schema.org/measurementTechnique",
    "http://www.w3.org/ns/dcat#theme",
)


class RemoteError(PanetError):
    """The endpoint could not be reached or refused the query."""


class Endpoint:
    """A SPARQL endpoint at ``url``, queried with SPARQLWrapper (GET, then the result format
    by content negotiation). ``onto`` (default: the shipped PaNET) expands techniques."""

    def __init__(self, url: str, onto: Ontology | None = None, timeout: float = 30.0) -> None:
        self.url = url
        self.timeout = timeout
        self._onto = onto

    @property
    def onto(self) -> Ontology:
        if self._onto is None:
            from panet.loader import load

            self._onto = load()
        return self._onto

    def _wrapper(self, query: str) -> Any:
        from SPARQLWrapper import SPARQLWrapper

        import panet

        wrapper = SPARQLWrapper(self.url, agent=f"panet/{panet.__version__}")
        wrapper.setTimeout(int(self.timeout))
        wrapper.setOnlyConneg(True)
        wrapper.setQuery(query)
        return wrapper

    def _send(self, wrapper: Any) -> Any:
        from urllib.error import URLError

        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        try:
            return wrapper.query()
        except SPARQLWrapperException as err:
            raise RemoteError(f"{self.url}: {err}".strip()) from None
        except (URLError, OSError) as err:
            raise RemoteError(f"{self.url}: cannot reach the endpoint ({err})") from None

    def select(self, query: str) -> list[dict[str, str]]:
        """Rows of a SELECT query: variable -> value (IRI or literal text); unbound ones left out."""
        from SPARQLWrapper import JSON

        wrapper = self._wrapper(query)
        wrapper.setReturnFormat(JSON)
        result = self._send(wrapper).convert()
        return [{name: cell["value"] for name, cell in row.items()} for row in result["results"]["bindings"]]

    def raw(self, query: str, accept: str) -> tuple[bytes, str]:
        """The endpoint's answer as it sent it: (body, content type)."""
        wrapper = self._wrapper(query)
        wrapper.addCustomHttpHeader("Accept", accept)
        response = self._send(wrapper).response
        return response.read(), response.headers.get("Content-Type", "")

    def technique_values(self, key: Key, descendants: bool = True, variable: str = "technique") -> str:
        """A ``VALUES ?technique { … }`` block: the term, its equivalents and (by default) every
        descendant, in IRI order. Labels resolve to techniques, never to specifiers."""
        onto = self.onto
        term = onto.term(key)
        terms = {term, *onto.equivalents(term)}
        if descendants:
            terms |= onto.descendants(term)
        return f"VALUES ?{variable} {{ " + " ".join(f"<{t.iri}>" for t in sorted(terms)) + " }"

    def datasets_with_technique(
        self, key: Key, descendants: bool = True, predicates: Sequence[str] = TECHNIQUE_PREDICATES
    ) -> list[str]:
        """IRIs of the datasets the endpoint links (by one of ``predicates``) to the technique
        ``key`` or, with ``descendants``, to any technique under it; sorted, distinct."""
        values = " ".join(f"<{p}>" for p in predicates)
        query = (
            "SELECT DISTINCT ?dataset WHERE {\n"
            f"  {self.technique_values(key, descendants)}\n"
            f"  VALUES ?predicate {{ {values} }}\n"
            "  ?dataset ?predicate ?technique .\n"
            "} ORDER BY ?dataset"
        )
        return [row["dataset"] for row in self.select(query)]
