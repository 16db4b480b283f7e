"""Safe XML: panet never resolves external entities, whoever wrote the file.

Shared by the ontology reader (`panet.formats.rdf`) and the record readers
(`panet.records.datacite`, `panet.records.oaipmh`).

>>> declares_external_entity(b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')
True
>>> declares_external_entity(b'<!DOCTYPE r [<!ENTITY owl "http://www.w3.org/2002/07/owl#">]><r/>')
False
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree

__all__ = ["EXTERNAL_ENTITY_PROBLEM", "declares_external_entity", "parser"]

# An entity declaration with SYSTEM or PUBLIC loads a file or URL: refused before parsing.
_EXTERNAL_ENTITY = re.compile(rb"<!ENTITY\s+%?\s*[^\s>]+\s+(?:SYSTEM|PUBLIC)\b", re.IGNORECASE)
_DOCTYPE_WINDOW = 65536  # a DOCTYPE comes before the root element, so near the start

EXTERNAL_ENTITY_PROBLEM = (
    "the XML declares an external entity (SYSTEM/PUBLIC); refused, panet never resolves external entities"
)


def declares_external_entity(data: bytes) -> bool:
    """True when ``data`` (a whole document, or its first bytes) declares a SYSTEM/PUBLIC entity."""
    return b"<!DOCTYPE" in data[:_DOCTYPE_WINDOW] and _EXTERNAL_ENTITY.search(data) is not None


def parser(**options: object) -> etree.XMLParser:
    """An lxml parser that loads no DTD, resolves no entity and never touches the network."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, **options)
