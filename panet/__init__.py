"""panet: the PaNET ontology (Photon and Neutron Experimental Techniques) as a fast library.

>>> import panet
>>> onto = panet.load()                  # the shipped current PaNET; no network
>>> onto.term("SAXS").label
'small angle x-ray scattering'

Submodules are imported on first use, so ``import panet`` costs almost nothing.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs 2 ms of import time; this idiom avoids it

__version__ = "0.1.0"

__all__ = [
    "Annotation",
    "Annotator",
    "DeprecatedTermWarning",
    "Hit",
    "InputFileError",
    "MappingLoadError",
    "Ontology",
    "OntologyLoadError",
    "OptionError",
    "PanetError",
    "Report",
    "Term",
    "TermNotFound",
    "UnknownVersion",
    "__version__",
    "diff",
    "load",
    "releases",
    "resolve_ontology",
    "shipped_path",
    "validate",
]

_LAZY = {
    "load": "panet.loader",
    "Ontology": "panet.ontology",
    "Term": "panet.term",
    "Hit": "panet.search",
    "TermNotFound": "panet.errors",
    "OntologyLoadError": "panet.errors",
    "PanetError": "panet.errors",
    "UnknownVersion": "panet.errors",
    "DeprecatedTermWarning": "panet.errors",
    "releases": "panet.shipped",
    "resolve_ontology": "panet.shipped",
    "diff": "panet.changes",
    "MappingLoadError": "panet.errors",
    "OptionError": "panet.errors",
    "Annotation": "panet.annotate",
    "Annotator": "panet.annotate",
    "InputFileError": "panet.errors",
    "shipped_path": "panet.loader",
    "validate": "panet.shacl",
    "Report": "panet.shacl.report",
}

if TYPE_CHECKING:
    from typing import Any

    from panet.annotate import Annotation, Annotator
    from panet.changes import diff
    from panet.errors import (
        DeprecatedTermWarning,
        InputFileError,
        MappingLoadError,
        OntologyLoadError,
        OptionError,
        PanetError,
        TermNotFound,
        UnknownVersion,
    )
    from panet.loader import load, shipped_path
    from panet.ontology import Ontology
    from panet.search import Hit
    from panet.shacl import validate
    from panet.shacl.report import Report
    from panet.shipped import releases, resolve_ontology
    from panet.term import Term


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'panet' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
