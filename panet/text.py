"""Text normalisation shared by lookup, search and annotation.

Labels are compared after stripping, collapsing whitespace and case-folding; accents are
folded as a second chance (``Röntgen`` = ``Rontgen`` = ``Roentgen``).

>>> normalize("  Small  Angle X-ray Scattering ")
'small angle x-ray scattering'
>>> sorted(key_variants("Röntgen technique"))
['roentgen technique', 'rontgen technique', 'röntgen technique']
>>> search_form("X-Ray  diffraction")
'x ray diffraction'
"""

from __future__ import annotations

import unicodedata

__all__ = ["fold_accents", "key_variants", "normalize", "search_form"]

# German transliteration, applied before accent folding gives the second spelling.
_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_SEPARATORS = str.maketrans({"-": " ", "_": " ", "\u2010": " ", "\u2011": " ", "\u2013": " "})


def normalize(text: str) -> str:
    """Strip, collapse whitespace (any Unicode space), case-fold."""
    return " ".join(text.split()).casefold()


def fold_accents(text: str) -> str:
    """Drop combining marks after compatibility decomposition (``ö`` -> ``o``, ``µ`` -> ``μ``)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def key_variants(text: str) -> set[str]:
    """Every normalised spelling a lookup key may take for ``text``."""
    key = normalize(text)
    return {key, fold_accents(key), fold_accents(key.translate(_TRANSLITERATE))}


def search_form(text: str) -> str:
    """The form search compares: normalised, accents folded, hyphens and underscores as spaces."""
    return " ".join(fold_accents(text.casefold()).translate(_SEPARATORS).split())
