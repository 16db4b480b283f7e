"""Exceptions raised by panet.

Every error carries one message that says what went wrong, where, and what to do.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os

__all__ = [
    "BadRecord",
    "DeprecatedTermWarning",
    "InputFileError",
    "MappingLoadError",
    "OntologyLoadError",
    "OptionError",
    "PanetError",
    "PanetWarning",
    "RecordsError",
    "RunFailed",
    "TermNotFound",
    "UnknownAxis",
    "UnknownVersion",
]


class PanetError(Exception):
    """Base class of every error panet raises on purpose. ``exit_status``: the command line's
    exit status for it (2: bad input or usage; `RunFailed` has 3)."""

    exit_status = 2


class InputFileError(PanetError):
    """A file panet was asked to read is unusable; the message names the file and line.

    >>> str(InputFileError("/tmp/x.owl", "the file is empty", line=3))
    '/tmp/x.owl, line 3: the file is empty'
    """

    def __init__(self, path: object, problem: str, *, line: int | None = None, column: int | None = None):
        self.path = str(path)
        self.problem = problem
        self.line = line
        self.column = column
        where = self.path
        if line is not None:
            where += f", line {line}"
            if column is not None:
                where += f", column {column}"
        super().__init__(f"{where}: {problem}")

    @classmethod
    def read_bytes(cls, path: str | os.PathLike[str], *, expected: str, hint: str = "") -> bytes:
        """The bytes of ``path``, or this error saying why not (missing, a folder, unreadable).

        >>> OntologyLoadError.read_bytes("/no/such.owl", expected="an ontology file")
        Traceback (most recent call last):
        panet.errors.OntologyLoadError: /no/such.owl: no such file
        """
        try:
            with open(path, "rb") as file:
                return file.read()
        except FileNotFoundError:
            raise cls(path, f"no such file; {hint}" if hint else "no such file") from None
        except IsADirectoryError:
            raise cls(path, f"is a directory, not {expected}") from None
        except OSError as err:
            raise cls(path, f"cannot be read ({err.strerror})") from None


class OntologyLoadError(InputFileError):
    """An ontology file could not be read (missing, empty, truncated, not RDF, unsafe XML).

    >>> str(OntologyLoadError("/tmp/x.owl", "the file is empty"))
    '/tmp/x.owl: the file is empty'
    """


class MappingLoadError(InputFileError):
    """A mapping file (SSSOM TSV or PaNET mapping CSV) could not be read at all."""


class OptionError(PanetError, ValueError):
    """An option has a value panet does not accept; the message lists the accepted ones."""


class TermNotFound(PanetError, KeyError):
    """No term matches a key. A ``KeyError``; the message lists the closest labels.

    >>> import panet
    >>> try:
    ...     panet.load().term("small angle x-ray scatering")
    ... except panet.TermNotFound as err:
    ...     print(err.suggestions[0])
    small angle x-ray scattering
    """

    def __init__(self, key: object, suggestions: tuple[str, ...] = (), hint: str = ""):
        self.key = key
        self.suggestions = tuple(suggestions)
        message = f"no PaNET term matches {key!r}"
        if hint:
            message += f"; {hint}"
        if self.suggestions:
            message += "; closest labels: " + ", ".join(repr(s) for s in self.suggestions)
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


class UnknownAxis(PanetError, ValueError):
    """A facet axis the ontology does not have.

    >>> str(UnknownAxis("probes", ("probe", "process")))
    "no facet axis 'probes'; axes: probe, process"
    """

    def __init__(self, axis: str, axes: tuple[str, ...]):
        self.axis = axis
        super().__init__(f"no facet axis {axis!r}; axes: {', '.join(axes)}")


class UnknownVersion(PanetError, ValueError):
    """A PaNET version panet does not ship.

    >>> str(UnknownVersion("1.1.1", ("1.0.0", "current")))
    "no shipped PaNET release '1.1.1'; shipped: 1.0.0, current"
    """

    def __init__(self, version: str, shipped: tuple[str, ...]):
        self.version = version
        super().__init__(f"no shipped PaNET release {version!r}; shipped: {', '.join(shipped)}")


class PanetWarning(UserWarning):
    """Base class of every warning panet issues."""


class DeprecatedTermWarning(PanetWarning):
    """A lookup returned a deprecated (obsolete) term; the message names its replacement, if any."""


class RecordsError(PanetError):
    """A batch of catalogue records cannot be read or written as asked (unknown format, unreadable
    file, a ``resume`` that does not match): the run stops before or without losing records.

    >>> str(RecordsError("/data/x.bin", "cannot tell the record format; pass format=FORMAT"))
    '/data/x.bin: cannot tell the record format; pass format=FORMAT'
    """

    def __init__(self, where: object, problem: str):
        self.where = str(where)
        self.problem = problem
        super().__init__(f"{where}: {problem}" if where else problem)


class RunFailed(RecordsError):
    """A batch run stopped part way for a reason outside the records (the disk is full, the output
    cannot be written, the OAI-PMH server went away): what was written so far is kept with its
    checkpoint, and the same call with ``resume=True`` (``--resume``) carries on. Exit status 3.

    >>> RunFailed("out.jsonl", "cannot write: No space left on device").exit_status
    3
    """

    exit_status = 3


class BadRecord(PanetError):
    """One record cannot be annotated (invalid JSON or XML, unreadable HDF5, wrong types).

    A batch writes it to the rejects file with this message as the reason and goes on.
    """
