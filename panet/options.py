"""The values panet's options accept: one enum per option, shared by the library, the CLI and the service.

``Choice.parse`` turns a user's value into a member, or raises `panet.OptionError` with one message
that lists the valid values; the CLI and the REST API take their choices from the same enums, so
every layer accepts (and names) the same words.

>>> Kind.parse("Specifier")
<Kind.specifier: 'specifier'>
>>> Kind.parse("bogus")
Traceback (most recent call last):
panet.errors.OptionError: kind must be one of technique, specifier, any; not 'bogus'
"""

from __future__ import annotations

from enum import StrEnum

from panet.errors import OptionError

TYPE_CHECKING = False  # importing typing costs 2 ms of every command's start-up
if TYPE_CHECKING:
    from typing import Self

__all__ = [
    "Choice",
    "Engine",
    "Expand",
    "JsonContext",
    "Kind",
    "RecordFormat",
    "RecordOutput",
    "ReportFormat",
    "ResultFormat",
    "Severity",
    "ShapesChoice",
    "TermKind",
    "TreeFormat",
]


class Choice(StrEnum):
    """An option's valid values; subclasses name the option in `option`."""

    @classmethod
    def option(cls) -> str:
        """The option's name in messages (the class name in lower case unless overridden).

        >>> TreeFormat.option()
        'format'
        """
        return cls.__name__.lower()

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """The valid values, in declaration order.

        >>> Engine.values()
        ('fast', 'pyshacl')
        """
        return tuple(member.value for member in cls)

    @classmethod
    def parse(cls, value: object) -> Self:
        """``value`` (a member or a string, any case, surrounding spaces ignored) as a member.

        >>> Severity.parse(" Warning ")
        <Severity.warning: 'warning'>
        """
        if isinstance(value, cls):
            return value
        found = cls._value2member_map_.get(value.strip().casefold()) if isinstance(value, str) else None
        if found is None:
            raise OptionError(f"{cls.option()} must be one of {', '.join(cls.values())}; not {value!r}")
        return found  # type: ignore[return-value]


class Kind(Choice):
    """Which terms a lookup or list considers; ``any`` is both (the same as no filter for lists)."""

    technique = "technique"
    specifier = "specifier"
    any = "any"

    @classmethod
    def filter(cls, value: object) -> str | None:
        """A list's kind filter: None (both kinds) for None or ``any``, else the kind's name.

        >>> Kind.filter("any") is None, Kind.filter("technique")
        (True, 'technique')
        """
        if value is None:
            return None
        kind = cls.parse(value)
        return None if kind is cls.any else kind.value


class TermKind(Choice):
    """A kind of PaNET term (what the annotator looks for)."""

    technique = "technique"
    specifier = "specifier"

    @classmethod
    def option(cls) -> str:
        return "kind"


class Expand(Choice):
    """What an annotation reports besides the term found."""

    none = "none"
    ancestors = "ancestors"


class TreeFormat(Choice):
    """``panet tree``: indented text, JSON, or a picture."""

    text = "text"
    json = "json"
    dot = "dot"
    svg = "svg"
    png = "png"

    @classmethod
    def option(cls) -> str:
        return "format"


class Engine(Choice):
    """The SHACL engine: panet's fast one, or pyshacl (the reference)."""

    fast = "fast"
    pyshacl = "pyshacl"


class ReportFormat(Choice):
    """A SHACL validation report's format."""

    text = "text"
    json = "json"
    ttl = "ttl"

    @classmethod
    def option(cls) -> str:
        return "format"


class Severity(Choice):
    """A SHACL severity, lowest last (``--fail-on``)."""

    violation = "violation"
    warning = "warning"
    info = "info"


class RecordFormat(Choice):
    """A catalogue-records file's format."""

    pan = "pan"
    scicat = "scicat"
    datacite = "datacite"
    jsonl = "jsonl"
    csv = "csv"
    nexus = "nexus"
    icat = "icat"  # python-icat dump files, XML or YAML

    @classmethod
    def option(cls) -> str:
        return "format"


class RecordOutput(Choice):
    """Annotated records: in the input's format, or schema.org/DCAT as JSON-LD or Turtle."""

    same = "same"
    jsonld = "jsonld"
    ttl = "ttl"

    @classmethod
    def option(cls) -> str:
        return "to"


class ResultFormat(Choice):
    """A SPARQL answer's format; ``auto``: TSV for rows, Turtle for graphs."""

    auto = "auto"
    json = "json"
    xml = "xml"
    csv = "csv"
    tsv = "tsv"
    turtle = "turtle"
    ntriples = "ntriples"
    jsonld = "jsonld"

    @classmethod
    def option(cls) -> str:
        return "format"


class ShapesChoice(Choice):
    """The shipped shapes a validation uses: the dataset profile with the technique shapes, or
    the technique shapes only (the service's ``shapes=``; the CLI's ``--profile/--no-profile``)."""

    default = "default"
    techniques = "techniques"

    @classmethod
    def option(cls) -> str:
        return "shapes"


class JsonContext(Choice):
    """The shipped JSON-LD contexts plain JSON records are read with (`panet.shacl.inputs.CONTEXTS`).

    >>> JsonContext.parse("pan-search").value
    'pan-search'
    """

    pan_search = "pan-search"
    scicat = "scicat"
    schema_org = "schema.org"

    @classmethod
    def option(cls) -> str:
        return "context"
