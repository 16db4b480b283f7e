"""Validating panet's XML outputs against the official XML Schemas kept in tests/data/xsd/.

One `lxml.etree.XMLSchema` imports OAI-PMH 2.0, oai_dc (with Simple Dublin Core), oai_datacite 1.1
and DataCite kernel-4, so an OAI-PMH response is checked down to its metadata (the OAI-PMH
``<metadata>`` wildcard is ``processContents="strict"``). Schema documents are read from the local
copies only: the resolver maps the absolute locations they name to local files and refuses any
other address, and the parser has ``no_network=True``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

XSD = Path(__file__).parent / "data" / "xsd"
SCHEMAS = {  # namespace -> the local schema document
    "http://www.openarchives.org/OAI/2.0/": XSD / "oai-pmh" / "OAI-PMH.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc/": XSD / "oai-pmh" / "oai_dc.xsd",
    "http://schema.datacite.org/oai/oai-1.1/": XSD / "datacite" / "oai-1.1" / "oai.xsd",
    "http://datacite.org/schema/kernel-4": XSD / "datacite" / "kernel-4" / "metadata.xsd",
}
LOCATIONS = {  # absolute schema locations named inside the copies -> the local copy
    "http://www.w3.org/2001/03/xml.xsd": XSD / "datacite" / "kernel-4" / "include" / "xml.xsd",
    "http://www.w3.org/2001/xml.xsd": XSD / "datacite" / "kernel-4" / "include" / "xml.xsd",
    "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": XSD / "oai-pmh" / "simpledc20021212.xsd",
}


class RefusedLocation(Exception):
    """A schema document named an address that is neither a local copy nor mapped to one."""


class LocalOnly(etree.Resolver):
    """Resolves schema locations to the files under tests/data/xsd; refuses everything else."""

    def resolve(self, url, pubid, context):
        local = LOCATIONS.get(url)
        if local is None:
            path = Path(unquote(url.removeprefix("file://")))
            if path.is_absolute() and path.resolve().is_relative_to(XSD.resolve()) and path.is_file():
                local = path
        if local is None:
            raise RefusedLocation(f"schema location {url!r} is not a local copy in {XSD}")
        return self.resolve_filename(str(local), context)


def _parser() -> etree.XMLParser:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(LocalOnly())
    return parser


@cache
def schema() -> etree.XMLSchema:
    """The XML Schema of OAI-PMH responses and the oai_dc, oai_datacite and DataCite kernel-4 formats."""
    imports = "".join(
        f'<xs:import namespace="{ns}" schemaLocation="{path.resolve().as_uri()}"/>' for ns, path in SCHEMAS.items()
    )
    driver = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
    return etree.XMLSchema(etree.fromstring(driver, _parser(), base_url=(XSD / "driver.xsd").as_uri()))


def problems(document: bytes | str) -> list[str]:
    """What the schemas say against ``document`` (empty when valid); not well-formed is a problem too."""
    if isinstance(document, str):
        document = document.encode("utf-8")
    try:
        tree = etree.fromstring(document, etree.XMLParser(no_network=True, resolve_entities=False))
    except etree.XMLSyntaxError as err:
        return [f"not well-formed: {err}"]
    checker = schema()
    if checker.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in checker.error_log]
