"""Facility instruments and beamlines -> PaNET techniques: the shipped table ``instruments.csv``
(its header documents the columns; each row names its public source) and the user's own rows.

A record that names its instrument (SciCat ``creationLocation``/``instrumentId``, PaN ``instrument``,
NeXus ``instrument/name`` or an NXinstrument group's name) gets the instrument's techniques: the
technique of a single-technique instrument, or, for a multi-technique one, the candidates that the
record's text confirms (`panet.records.core`).

>>> table = InstrumentTable.shipped()
>>> [(i.facility, i.name, i.techniques) for i in table.find(["/PSI/SLS/TOMCAT"])]
[('PSI', 'TOMCAT', ('PaNET01208',))]
>>> [i.name for i in table.find(["DMC at SINQ"])], [i.name for i in table.find(["MX"])]
(['DMC'], [])
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

from panet.errors import RecordsError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["COLUMNS", "DOI_PREFIXES", "FACILITY_NAMES", "Instrument", "InstrumentTable", "doi_prefix"]

TABLE = Path(__file__).with_name("instruments.csv")
COLUMNS = ("facility", "instrument", "aliases", "panet", "probe")  # required; label and source are optional
PROBES = frozenset({"x-ray", "neutron", "muon", "ultraviolet", "infrared", "visible light", "electron", "positron"})
# How records name a facility (folded words); a facility's own name always counts.
FACILITY_NAMES = {
    "ESS": ("ess", "european spallation source"),
    "ILL": ("ill", "institut laue langevin"),
    "ISIS": ("isis",),
    "PSI": ("psi", "sinq", "sls", "swiss light source", "paul scherrer institut", "smus"),
    "DLS": ("dls", "diamond", "diamond light source"),
    "APS": ("aps", "advanced photon source"),
    "ESRF": ("esrf",),
    "PETRA III": ("petra iii", "petra", "desy", "petra3"),
    "MAX IV": ("max iv", "maxiv", "max iv laboratory"),
    "SOLEIL": ("soleil",),
    "ALBA": ("alba",),
    "Elettra": ("elettra",),
    "BESSY II": ("bessy", "bessy ii", "hzb"),
    "European XFEL": ("european xfel", "euxfel", "xfel"),
    "SESAME": ("sesame",),
    "MLZ": ("mlz", "frm ii", "frm2", "heinz maier leibnitz"),
    "SNS": ("sns", "ornl", "spallation neutron source"),
    "HFIR": ("hfir", "ornl"),
    "ANSTO": ("ansto", "opal", "acns"),
    "Australian Synchrotron": ("australian synchrotron", "ansto"),
    "IPNS": ("ipns",),
}
# DOI prefixes under which a facility registers its own data (proposal and dataset DOIs): a record
# identified by one of them comes from that facility. Facts from the facilities' data DOIs
# (10.5291/ILL-DATA.…, 10.5286/ISIS.E.…, 10.15151/ESRF-ES-…, 10.16907/…, MAX IV's 10.48391/…, DESY
# public data's 10.60717/… and 10.60883/…).
DOI_PREFIXES = {
    "10.5291": "ILL",
    "10.5286": "ISIS",
    "10.15151": "ESRF",
    "10.16907": "PSI",
    "10.48391": "MAX IV",
    "10.60717": "PETRA III",
    "10.60883": "PETRA III",
}
_DOI = re.compile(r"(?:doi:|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9})/", re.IGNORECASE)
_SEGMENTS = re.compile(r"[/:,;()\[\]|]+")
_SPACES = re.compile(r"[\s_\-]+")
_MAX_WORDS = 4  # an instrument name has at most this many words ("Magnetism Reflectometer", "MX BL14.1")


@dataclass(frozen=True, slots=True)
class Instrument:
    """One instrument: ``techniques`` are PaNET IDs; ``probe`` as in NeXus NXsource/probe."""

    facility: str
    name: str
    aliases: tuple[str, ...]
    techniques: tuple[str, ...]
    probe: str
    source: str = ""


def _key(name: str) -> str:
    """How names compare: case-folded, hyphens, underscores and spaces as one space."""
    return " ".join(_SPACES.sub(" ", name.casefold()).split())


class InstrumentTable:
    """Instruments indexed by their names; user rows override shipped rows of the same
    facility and instrument.

    >>> table = InstrumentTable.shipped()
    >>> [i.name for i in table.find(["d22"], facility="ILL")], [i.name for i in table.find(["EMU"])]
    (['D22'], [])
    """

    def __init__(self, instruments: Iterable[Instrument]) -> None:
        rows: dict[tuple[str, str], Instrument] = {}
        for instrument in instruments:
            rows[_key(instrument.facility), _key(instrument.name)] = instrument
        self.instruments = tuple(rows.values())
        self._index: dict[str, list[Instrument]] = {}
        for instrument in self.instruments:
            for name in {instrument.name, *instrument.aliases}:
                self._index.setdefault(_key(name), []).append(instrument)
        self._facilities: dict[str, set[str]] = {}
        for facility, names in FACILITY_NAMES.items():
            for name in names:
                self._facilities.setdefault(name, set()).add(facility)
        for instrument in self.instruments:
            self._facilities.setdefault(_key(instrument.facility), set()).add(instrument.facility)
        self._facility_probes: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self.instruments)

    @classmethod
    @functools.cache
    def shipped(cls) -> InstrumentTable:
        """The table shipped with panet (``instruments.csv``)."""
        return cls(read_rows(TABLE))

    def facility_probe(self, facility: str) -> str:
        """The probe every instrument of ``facility`` uses ("" when they use several, or none is known):
        what a record of that facility measured with, whatever its instrument.

        >>> table = InstrumentTable.shipped()
        >>> table.facility_probe("ILL"), table.facility_probe("ESRF"), table.facility_probe("PSI")
        ('neutron', 'x-ray', '')
        """
        probes = self._facility_probes.get(facility)
        if probes is None:
            probes = self._facility_probes[facility] = {i.probe for i in self.instruments if i.facility == facility}
        return next(iter(probes)) if len(probes) == 1 else ""

    def probe_of_identifier(self, identifier: object) -> str:
        """The probe of the facility whose DOI prefix (`DOI_PREFIXES`) ``identifier`` has, or "".

        >>> InstrumentTable.shipped().probe_of_identifier("10.5291/ILL-DATA.8-02-1023")
        'neutron'
        """
        facility = DOI_PREFIXES.get(doi_prefix(identifier))
        return self.facility_probe(facility) if facility else ""

    def with_rows(self, path: str | Path) -> InstrumentTable:
        """This table plus the rows of the user's CSV file ``path`` (same columns; theirs win).
        A malformed row is a `RecordsError` naming the file, the line and the field.

        >>> len(InstrumentTable.shipped().with_rows(TABLE)) == len(InstrumentTable.shipped())
        True
        """
        return InstrumentTable([*self.instruments, *read_rows(Path(path))])

    def find(
        self, names: Iterable[str], facility: str | None = None, generic: frozenset[str] = frozenset()
    ) -> list[Instrument]:
        """The instruments ``names`` mention (paths such as ``/DESY/PETRA III/P08``, phrases such as
        ``SANS at SINQ``). A name that is in ``generic`` (PaNET's own names), that has at most two
        characters or that several facilities use counts only when its facility is named too (in
        ``names`` or ``facility``)."""
        names = [name for name in names if name]
        phrases = [_key(segment) for name in names for segment in _SEGMENTS.split(name) if segment.strip()]
        phrases += [_key(_SEGMENTS.sub(" ", name)) for name in names if _SEGMENTS.search(name)]  # /PSI/SLS/MX
        if facility:
            phrases.append(_key(facility))
        context: set[str] = set()
        hits: list[tuple[str, list[Instrument]]] = []
        for phrase in phrases:
            words = phrase.split()
            for size in range(min(len(words), _MAX_WORDS), 0, -1):
                for start in range(len(words) - size + 1):
                    key = " ".join(words[start : start + size])
                    context |= self._facilities.get(key, set())
                    rows = self._index.get(key)
                    if rows:
                        hits.append((key, rows))
        found: dict[tuple[str, str], Instrument] = {}
        for key, rows in hits:
            shared = len({row.facility for row in rows}) > 1
            chosen = rows
            if key in generic or len(key) <= 2 or shared or key in self._facilities:
                chosen = [row for row in rows if row.facility in context]
                if len({row.facility for row in chosen}) != 1:
                    continue
            for row in chosen:
                found.setdefault((row.facility, row.name), row)
        return list(found.values())


def doi_prefix(identifier: object) -> str:
    """The DOI prefix of an identifier ("10.5291" of "10.5291/ILL-DATA.8-02-1023", of "doi:…" and of
    "https://doi.org/…"), or "".

    >>> doi_prefix("https://doi.org/10.48391/b0c36bb8"), doi_prefix("20.500.12269/x"), doi_prefix(None)
    ('10.48391', '', '')
    """
    match = _DOI.match(identifier.strip()) if isinstance(identifier, str) else None
    return match[1] if match else ""


def read_rows(path: Path) -> list[Instrument]:
    """The instruments of a CSV file in the shipped table's columns (``#`` lines are comments).

    >>> [(i.facility, i.name, i.techniques, i.probe) for i in read_rows(TABLE) if i.name == "LoKI"]
    [('ESS', 'LoKI', ('PaNET01189',), 'neutron')]
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise RecordsError(path, f"cannot read the instrument table: {err}") from None
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if not line.lstrip().startswith("#")]
    lines = [(number, line) for number, line in lines if line.strip()]
    if not lines:
        raise RecordsError(path, f"no instrument rows; the columns are {','.join(COLUMNS)},label,source")
    numbers = [number for number, _ in lines]
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in lines)))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise RecordsError(f"{path}, line {numbers[0]}", f"missing column(s) {', '.join(missing)}")
    instruments = []
    for row, number in zip(reader, numbers[1:], strict=False):
        instruments.append(_instrument(row, f"{path}, line {number}"))
    return instruments


def _instrument(row: dict[str, str | None], where: str) -> Instrument:
    """One row of an instrument table; `RecordsError` naming ``where`` and the field when malformed."""

    missing = next((name for name in COLUMNS if row.get(name) is None), None)
    if missing:
        raise RecordsError(where, f"field {missing!r}: missing (the row has too few columns)")

    def field(name: str) -> str:
        return (row.get(name) or "").strip()

    facility, name, probe = field("facility"), field("instrument"), field("probe").lower()
    if not facility or not name:
        raise RecordsError(where, f"field {'facility' if not facility else 'instrument'!r}: empty")
    ids = tuple(field("panet").split())
    bad = [i for i in ids if not re.fullmatch(r"PaNET\d{5}", i)]
    if not ids or bad:
        found = " ".join(bad) or "empty"
        raise RecordsError(where, f"field 'panet': {found}: give PaNET technique IDs such as PaNET01189")
    if probe and probe not in PROBES:
        raise RecordsError(where, f"field 'probe': {probe!r}: one of {', '.join(sorted(PROBES))}, or empty")
    aliases = tuple(a.strip() for a in field("aliases").split(";") if a.strip())
    return Instrument(facility, name, aliases, ids, probe, (row.get("source") or "").strip())
