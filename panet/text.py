"""Text normalisation shared by lookup, search and annotation.

Labels are compared after stripping, collapsing whitespace and case-folding; accents are
folded as a second chance (``Röntgen`` = ``Rontgen`` = ``Roentgen``).

>>> normalize("  Small  Angle X-ray Scattering ")
'small angle x-ray scattering'
>>> sorted(key_variants("Röntgen technique"))
['roentgen technique', 'rontgen technique', 'röntgen technique']
>>> search_form("X-Ray  diffraction")
'x ray diffraction'
>>> fold_for_matching("In-situ (SAXS)")
('in situ |saxs|', None)
"""

from __future__ import annotations

import unicodedata

__all__ = ["HARD_BREAK", "fold_accents", "fold_for_matching", "key_variants", "normalize", "search_form"]

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


# -- folding for annotation ---------------------------------------------------------------
# Text is folded character by character: letters and digits to lower case without accents,
# "soft" separators (spaces, hyphens, underscores: they may sit inside a term name) to a
# space, invisible characters (combining accents, soft hyphens, zero-width spaces) to
# nothing, and every other character (punctuation, brackets, control characters) to
# HARD_BREAK, which no term name crosses.
HARD_BREAK = "|"
_SOFT = frozenset(" \t\n\r\v\f-_\u00a0\u2010\u2011\u2012\u2013\u2043\ufe63\uff0d")


# Greek letters that stand for a word in technique names ("γ-ray" = "gamma-ray"); µ/μ stays a letter.
_GREEK = {"\u03b3": "gamma", "\u0393": "gamma"}


def _fold_char(char: str) -> str:
    """The folded form of one character: ``""`` (dropped), one or a few characters.

    >>> _fold_char("γ"), _fold_char("É"), _fold_char("-")
    ('gamma', 'e', ' ')
    """
    if char in _GREEK:
        return _GREEK[char]
    if char in _SOFT or char.isspace():
        return " "
    if unicodedata.combining(char) or unicodedata.category(char) == "Cf":
        return ""  # a combining accent (NFD text), a soft hyphen, a zero-width space: invisible
    folded = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)).lower()
    if folded and folded.isalnum():
        return folded
    return HARD_BREAK


_FOLDED: dict[str, str] = {chr(i): _fold_char(chr(i)) for i in range(128)}
ASCII_FOLD = bytes(ord(_FOLDED[chr(i)]) for i in range(128)) + bytes(range(128, 256))  # bytes.translate is 3x faster


def fold_for_matching(text: str) -> tuple[str, list[int] | None]:
    """``text`` folded for matching, and where each folded character came from.

    The map is ``None`` when folding kept every character in place (always so for ASCII
    text); otherwise ``positions[k]`` is the index in ``text`` of folded character ``k``,
    with ``len(text)`` appended, so offsets found in the folded text map back exactly.

    >>> fold_for_matching("Röntgen µCT")
    ('rontgen μct', None)
    >>> fold_for_matching("Stra\u00dfe")[0], fold_for_matching("Ro\u0308ntgen")
    ('straße', ('rontgen', [0, 1, 3, 4, 5, 6, 7, 8]))
    """
    if text.isascii():
        return text.encode().translate(ASCII_FOLD).decode(), None
    folded = _FOLDED
    parts = []
    for char in text:
        part = folded.get(char)
        if part is None:
            part = folded[char] = _fold_char(char)  # memo; a race only recomputes the same value
        parts.append(part)
    result = "".join(parts)
    if len(result) == len(text) and all(len(part) == 1 for part in parts):
        return result, None
    positions = [i for i, part in enumerate(parts) for _ in part]
    positions.append(len(text))
    return result, positions
