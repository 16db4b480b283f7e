"""The streaming batch: read records, annotate them (in worker processes when asked, order kept),
write the output and the rejects, and never lose or half-write anything.

* Output, rejects and the report (entries whose pid and name disagree or that contradict their
  record, `panet.records.core.EntryConflict`; their records are written) go to hidden ``.part``
  files beside their targets, renamed into place at the end: a target is either the complete
  result or untouched.
* After a chunk of records (at most every 0.25 s), the files are flushed and a checkpoint
  (records done, input position, bytes written, counts) replaces ``.<output>.resume.json`` atomically. ``resume=True``
  truncates the ``.part`` files to the checkpoint and goes on from there, so a run killed at any
  instant (even ``kill -9``) and resumed writes the same bytes as an uninterrupted run.
* Memory stays flat: records stream through; at most ``2 × processes`` chunks are in flight.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections import deque
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from panet.errors import RecordsError, RunFailed
from panet.records.core import ConflictKind, RecordResult, Status

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any, BinaryIO

    from panet.records.base import Framing, Item, Reader
    from panet.records.core import RecordAnnotator

__all__ = ["Summary", "paths", "run"]

CHUNK = 512  # records per unit of work
WORKER_CHUNK = 1024  # records per task of a worker process: fewer, larger messages between processes
CHECKPOINT_SECONDS = 0.25  # at most this long between checkpoints (each costs a file replace)
_STATE_VERSION = 3  # 2: a content hash of the input read; 3: the report file
_COUNTS = ("read", "annotated", "unchanged", "rejected", "added", "corrected", "unresolved")
_COUNTS += ("conflicts", "contradicting")


@dataclass
class Summary:
    """Counts of one batch run; ``read == annotated + unchanged + rejected``.

    ``annotated``: records written with terms added or entries corrected; ``unchanged``: written
    as they came; ``rejected``: in the rejects file with the reason. ``added``, ``corrected`` and
    ``unresolved`` count technique entries; so do ``conflicts`` (pid and name denote different
    techniques: the record's evidence chose, the entry was rewritten) and ``contradicting`` (the
    entry's technique contradicts the record's probe, or it names a specifier: left as it is),
    each a line of the ``report`` file. A reported record is written, never rejected.

    >>> str(Summary(read=2, annotated=2, corrected=1, conflicts=1, report="r.jsonl")).split("; ")[2]
    '1 entry conflicts, 0 entries contradicting their record (in r.jsonl)'
    """

    read: int = 0
    annotated: int = 0
    unchanged: int = 0
    rejected: int = 0
    added: int = 0
    corrected: int = 0
    unresolved: int = 0
    conflicts: int = 0
    contradicting: int = 0
    output: str = ""
    rejects: str = ""
    report: str = ""
    seconds: float = 0.0
    resumed_from: int = 0

    def __str__(self) -> str:
        line = (
            f"read {self.read:,}: {self.annotated:,} annotated, {self.unchanged:,} unchanged, "
            f"{self.rejected:,} rejected"
        )
        line += f"; {self.added:,} terms added, {self.corrected:,} entries corrected"
        if self.unresolved:
            line += f", {self.unresolved:,} not resolvable"
        if self.conflicts or self.contradicting:
            line += (
                f"; {self.conflicts:,} entry conflicts, {self.contradicting:,} entries contradicting their record "
                f"(in {self.report})"
            )
        if self.resumed_from:
            line += f"; resumed after record {self.resumed_from:,}"
        if self.seconds > 0:
            line += f"; {(self.read - self.resumed_from) / self.seconds:,.0f} records/s"
        if self.rejected:
            line += f"; rejects in {self.rejects}"
        return line

    def add(self, result: RecordResult) -> None:
        """Count one record's result."""
        self.read += 1
        if result.status is Status.REJECTED:
            self.rejected += 1
            return
        if result.status is Status.ANNOTATED:
            self.annotated += 1
        else:
            self.unchanged += 1
        self.added += result.added
        self.corrected += result.corrected
        self.unresolved += result.unresolved
        for conflict in result.conflicts:
            if conflict.kind is ConflictKind.PID_NAME:
                self.conflicts += 1
            else:
                self.contradicting += 1

    def merge(self, part: Summary) -> None:
        """Add the counts of ``part``, the summary of a chunk of records (annotated in a worker).

        >>> total = Summary(read=2, annotated=2, added=3)
        >>> total.merge(Summary(read=1, rejected=1))
        >>> total.read, total.rejected, total.added
        (3, 1, 3)
        """
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(part, name))

    def exit_status(self) -> int:
        """The command line's exit status: 0 when every record was written, 1 when some were rejected.

        >>> Summary(read=2, annotated=1, rejected=1).exit_status()
        1
        """
        return 1 if self.rejected else 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_COUNTS = tuple(f.name for f in fields(Summary) if f.type == "int" and f.name != "resumed_from")  # what `merge` adds


def paths(output: Path, rejects: Path | None = None, report: Path | None = None) -> dict[str, Path]:
    """Where a run writes: ``output``, ``rejects``, ``report`` and their ``.part`` files, and the checkpoint.

    >>> {k: p.name for k, p in paths(Path("out.jsonl")).items() if k in ("report", "state")}
    {'report': 'out.jsonl.report.jsonl', 'state': '.out.jsonl.resume.json'}
    """
    rejects = rejects or output.with_name(output.name + ".rejects.jsonl")
    report = report or output.with_name(output.name + ".report.jsonl")
    return {
        "output": output,
        "rejects": rejects,
        "report": report,
        "output_part": output.with_name(f".{output.name}.part"),
        "rejects_part": rejects.with_name(f".{rejects.name}.part"),
        "report_part": report.with_name(f".{report.name}.part"),
        "state": output.with_name(f".{output.name}.resume.json"),
    }


def run(
    job: RecordAnnotator,
    reader: Reader,
    output: Path,
    *,
    rejects: Path | None = None,
    report: Path | None = None,
    processes: int = 1,
    resume: bool = False,
    fingerprint: dict[str, Any] | None = None,
    progress: Callable[[Summary, int, int | None], None] | None = None,
) -> Summary:
    """Annotate every record ``reader`` yields with ``job``; see the module docstring.

    Errors: `panet.errors.RecordsError` for what the caller must change (a missing output
    folder, an unwritable rejects path, a changed input on resume); `panet.errors.RunFailed`
    when writing fails part way (disk full): the partial output and its checkpoint are kept
    for ``resume=True``."""
    where = paths(output, rejects, report)
    framing: Framing = reader if job.exporter is None else job.exporter
    fingerprint = json.loads(json.dumps(fingerprint or {}))  # as it reads back from the checkpoint
    summary = Summary(output=str(output), rejects=str(where["rejects"]), report=str(where["report"]))
    started = time.perf_counter()
    try:
        state, out, rej, rpt, items = _start(reader, where, fingerprint, summary, resume)
    except BaseException:
        reader.close()
        raise
    written = summary.annotated + summary.unchanged
    position = state["resume"] if state else None
    checkpoints = _Checkpoints(where, fingerprint, reader)
    try:
        items = _peek(items)  # an XML reader knows its envelope once it has seen the first record
        if state is None:
            _write(out, framing.header(), where["output"])
        checkpoints.save(summary, out, rej, rpt, position, wait=True)
        saved = time.perf_counter()
        separator = framing.separator()
        size = CHUNK if processes <= 1 else WORKER_CHUNK
        for end, done in _frozen(_mapped(job, items, processes, size, _annotated, separator)):
            summary.merge(done.summary)
            if done.data:
                if written:
                    _write(out, separator, where["output"])
                _write(out, done.data, where["output"])  # a chunk's records, not copied once more
                written += done.summary.annotated + done.summary.unchanged
            _write(rej, done.rejects, where["rejects"])
            if done.report:
                _write(rpt, done.report, where["report"])
            position = end
            if time.perf_counter() - saved >= CHECKPOINT_SECONDS:
                checkpoints.save(summary, out, rej, rpt, position)
                saved = time.perf_counter()
            if progress is not None:
                summary.seconds = time.perf_counter() - started
                progress(summary, reader.position(), reader.size)
        _end_document(out, framing, written, where["output"])
        _close(out, where["output"])
        _close(rej, where["rejects"])
        _close(rpt, where["report"])
        checkpoints.close()
    except BaseException as err:
        _stop(err, checkpoints, (out, rej, rpt), reader, where, resumed=state is not None)
        raise
    reader.close()
    _publish(where, output)
    summary.seconds = time.perf_counter() - started
    return summary


def _start(
    reader: Reader, where: dict[str, Path], fingerprint: dict[str, Any], summary: Summary, resume: bool
) -> tuple[dict[str, Any] | None, BinaryIO, BinaryIO, BinaryIO, Iterator[Item]]:
    """A new run's ``.part`` files, or a resumed run's (its checkpoint read, the input verified
    and the counts restored): ``(checkpoint or None, output, rejects, report, the records to do)``."""
    state = _load_state(where, fingerprint) if resume else None
    if state is None:
        out, rej, rpt = _create(where)
        return None, out, rej, rpt, reader.items()
    for name in _COUNTS:
        setattr(summary, name, state["counts"][name])
    summary.resumed_from = summary.read
    _verify_input(reader, state, fingerprint)
    out = _reopen(where["output_part"], state["output_bytes"])
    rej = _reopen(where["rejects_part"], state["rejects_bytes"])
    rpt = _reopen(where["report_part"], state["report_bytes"])
    return state, out, rej, rpt, reader.items(state["records"], state["resume"])


def _end_document(out: BinaryIO, framing: Framing, written: int, name: Path) -> None:
    """The output's footer; with no record written, the format's own empty document instead."""
    if written:
        _write(out, framing.footer(written), name)
        return
    out.seek(0)  # only the header so far
    out.truncate()
    _write(out, framing.empty(), name)


def _stop(
    err: BaseException,
    checkpoints: _Checkpoints,
    files: tuple[BinaryIO, ...],
    reader: Reader,
    where: dict[str, Path],
    resumed: bool,
) -> None:
    """After a failure: close everything; keep the ``.part`` files and checkpoint when the run can
    be resumed (`RunFailed`, an interruption), remove them when it cannot."""
    with contextlib.suppress(Exception):
        checkpoints.close()  # the last checkpoint is on disk before anything is decided
    for file in files:
        with contextlib.suppress(OSError):  # a full disk fails the flush again: the first error counts
            file.close()
    reader.close()
    resumable = not isinstance(err, RecordsError) or isinstance(err, RunFailed)
    if not resumable or (not resumed and not where["state"].exists()):  # nothing to resume
        for name in ("output_part", "rejects_part", "report_part", "state"):
            where[name].unlink(missing_ok=True)


def _publish(where: dict[str, Path], output: Path) -> None:
    """Move the finished ``.part`` files into place and drop the checkpoint."""
    try:
        os.replace(where["rejects_part"], where["rejects"])
        os.replace(where["report_part"], where["report"])
        os.replace(where["output_part"], where["output"])
    except OSError as err:
        raise RunFailed(output, f"cannot move the result into place: {err.strerror}; rerun with resume=True") from None
    where["state"].unlink(missing_ok=True)


def _create(where: dict[str, Path]) -> tuple[BinaryIO, BinaryIO, BinaryIO]:
    """The three ``.part`` files of a new run, or the error naming the target that cannot be written."""
    from panet.files import check_output

    targets = ("output", "rejects", "report")
    for target in targets:
        check_output(where[target])
    opened: list[BinaryIO] = []
    try:
        where["state"].unlink(missing_ok=True)  # an older checkpoint no longer matches the .part files
        for target in targets:
            opened.append(open(where[f"{target}_part"], "wb"))  # noqa: SIM115  (kept on a crash for --resume)
    except OSError as err:
        for file in opened:
            file.close()
            Path(file.name).unlink(missing_ok=True)
        target = targets[len(opened)]
        raise RecordsError(where[target], f"cannot write the {target} file: {err.strerror}") from None
    return opened[0], opened[1], opened[2]


def _write(file: BinaryIO, data: bytes, target: Path) -> None:
    """Write ``data``; a failure (disk full, quota, I/O error) is `RunFailed`: resumable."""
    try:
        file.write(data)
    except OSError as err:
        raise RunFailed(target, _WRITE_FAILED.format(err.strerror)) from None


def _close(file: BinaryIO, target: Path) -> None:
    try:
        file.close()  # flushes: a full disk may only show now
    except OSError as err:
        raise RunFailed(target, _WRITE_FAILED.format(err.strerror)) from None


def _verify_input(reader: Reader, state: dict[str, Any], fingerprint: dict[str, Any]) -> None:
    """Refuse to resume over an input whose content differs from what the interrupted run read."""
    read = state.get("input") or {}
    if not read.get("digest"):
        return
    if reader.digest(read["bytes"]) != read["digest"]:
        raise RecordsError(
            fingerprint.get("input") or "the input",
            f"changed since the interrupted run (its first {read['bytes']:,} bytes differ); "
            "run without resume=True to start over",
        )


def _peek(items: Iterator[Item]) -> Iterator[Item]:
    """``items`` with its first element already read."""
    first = next(items, None)
    if first is None:
        return iter(())
    from itertools import chain

    return chain((first,), items)


def _frozen(results: Iterator[Any]) -> Iterator[Any]:
    """``results``, produced with the objects alive now (the ontology, the compiled engine: most
    of the heap) out of the garbage collector's sight: its full collections then walk only what
    the records left (a few per cent of a batch's time). They are handed back at the end."""
    import gc

    gc.freeze()
    try:
        yield from results
    finally:
        gc.unfreeze()


def _chunks(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _processed(job: RecordAnnotator, items: Iterator[Item], processes: int, size: int) -> Iterator[list[RecordResult]]:
    """The results of each chunk of items, in input order (`panet.records.annotate_stream`)."""
    for _, results in _mapped(job, items, processes, size, _results):
        yield results


def _mapped(job: RecordAnnotator, items: Iterator[Item], processes: int, size: int, task: Callable, *args: Any):
    """``(end, task(job, chunk, *args))`` for each chunk of ``items``, in input order, ``end`` being
    where the reader resumes after the chunk; in ``processes`` worker processes when more than one.
    A chunk goes to a worker as plain tuples and comes back as whatever ``task`` makes of it: both
    are pickled in C, not record by record through dataclass methods."""
    if processes <= 1:
        for batch in _chunks(items, size):
            yield batch[-1].end, task(job, batch, *args)
        return
    import multiprocessing

    with multiprocessing.get_context().Pool(processes, _start_worker, (job,)) as pool:
        pending: deque = deque()
        for batch in _chunks(items, size):
            rows = [(item.number, item.payload, item.line, item.offset) for item in batch]
            pending.append((batch[-1].end, pool.apply_async(_in_worker, (task, rows, *args))))
            if len(pending) >= 2 * processes:  # bounded: the reader never runs far ahead
                end, result = pending.popleft()
                yield end, result.get()
        while pending:
            end, result = pending.popleft()
            yield end, result.get()


_WORKER: dict[str, RecordAnnotator] = {}  # the job of this worker process


def _start_worker(job: RecordAnnotator) -> None:
    import gc

    _WORKER["job"] = job
    gc.freeze()  # the job's ontology and engine: long-lived, not walked by every full collection (`_frozen`)


def _in_worker(task: Callable, rows: list[tuple], *args: Any) -> Any:
    from panet.records.base import Item

    return task(_WORKER["job"], [Item(*row) for row in rows], *args)


def _results(job: RecordAnnotator, batch: list[Item]) -> list[RecordResult]:
    process = job.process
    return [process(item) for item in batch]


def _report_lines(result: RecordResult) -> bytes:
    from panet.records.jsonl import dump_json

    return b"".join(dump_json(line) + b"\n" for line in result.report())


@dataclass
class _Done:
    """A chunk of records annotated, ready to write: its records joined by the output's separator,
    its rejects-file lines, its report lines (entry conflicts), and its counts."""

    summary: Summary
    data: bytes
    rejects: bytes
    report: bytes


def _annotated(job: RecordAnnotator, batch: list[Item], separator: bytes) -> _Done:
    summary = Summary()
    body: list[bytes] = []
    refused: list[bytes] = []
    reported: list[bytes] = []
    process, count = job.process, summary.add
    for item in batch:
        result = process(item)
        count(result)
        if result.status is Status.REJECTED:
            refused.append(_reject_line(result))
        else:
            body.append(result.data)
            if result.conflicts:
                reported.append(_report_lines(result))
    return _Done(summary, separator.join(body), b"".join(refused), b"".join(reported))


def _reject_line(result: RecordResult) -> bytes:
    from panet.records.jsonl import dump_json

    try:
        return dump_json(result.reject()) + b"\n"
    except (TypeError, ValueError):  # a record given in memory that is not JSON
        return dump_json({**result.reject(), "input": repr(result.input)}) + b"\n"


class _Checkpoints:
    """Writes the checkpoints of one run on a background thread, so that hashing the input read so
    far (sha256, ~0.4 s per 200 MB here) overlaps with annotating the next records. One thread:
    they are written in order, each hashing only what was read since the one before; an error
    writing one surfaces at the next call, or at `close`."""

    def __init__(self, where: dict[str, Path], fingerprint: dict, reader: Reader) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.where = where
        self.fingerprint = fingerprint
        self.reader = reader
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="panet-checkpoint")
        self.failure: RunFailed | None = None

    def save(
        self, summary: Summary, out: BinaryIO, rej: BinaryIO, rpt: BinaryIO, position: Any, *, wait: bool = False
    ) -> None:
        """Flush the outputs, then record how far they go (atomically, on the thread) with a
        content hash of the input read so far (``--resume`` refuses an input that changed)."""
        if self.failure is not None:
            raise self.failure
        try:
            out.flush()
            rej.flush()
            rpt.flush()
        except OSError as err:
            raise RunFailed(self.where["output"], _WRITE_FAILED.format(err.strerror)) from None
        counts = {k: getattr(summary, k) for k in _COUNTS}
        state = {
            "version": _STATE_VERSION,
            "fingerprint": self.fingerprint,
            "records": summary.read,
            "resume": position,
            "output_bytes": out.tell(),
            "rejects_bytes": rej.tell(),
            "report_bytes": rpt.tell(),
            "counts": counts,
            "input": {"bytes": self.reader.position()},
        }
        written = self.executor.submit(self._write, state)
        if wait:
            written.result()

    def _write(self, state: dict[str, Any]) -> None:
        if self.failure is not None:
            return
        state["input"]["digest"] = self.reader.digest(state["input"]["bytes"])
        target = self.where["state"]
        temporary = target.with_name(target.name + ".tmp")
        try:
            temporary.write_text(json.dumps(state))
            os.replace(temporary, target)
        except OSError as err:
            temporary.unlink(missing_ok=True)
            self.failure = RunFailed(target, "cannot write the checkpoint: " + _WRITE_FAILED.format(err.strerror))
            raise self.failure from None

    def close(self) -> None:
        """Wait for the checkpoints being written; raise what went wrong with one."""
        self.executor.shutdown(wait=True)
        if self.failure is not None:
            raise self.failure


_WRITE_FAILED = "cannot write: {}; free space or fix the cause, then rerun with resume=True"


def _load_state(where: dict[str, Path], fingerprint: dict) -> dict[str, Any] | None:
    """The checkpoint of an interrupted run of the same job, or None when there is none."""
    try:
        state = json.loads(where["state"].read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise RecordsError(
            where["state"], f"unreadable checkpoint ({err}); run without resume=True to start over"
        ) from None
    if state.get("version") != _STATE_VERSION or state.get("fingerprint") != fingerprint:
        changed = sorted(
            k
            for k in set(fingerprint) | set(state.get("fingerprint") or {})
            if fingerprint.get(k) != state["fingerprint"].get(k)
        )
        raise RecordsError(
            where["output"],
            "the interrupted run had other input or options (" + ", ".join(changed) + "); "
            "run without resume=True to start over",
        )
    for part in ("output_part", "rejects_part", "report_part"):
        if not where[part].exists():
            raise RecordsError(where[part], "the partial output is missing; run without resume=True to start over")
    return state


def _reopen(path: Path, size: int):
    """``path`` opened for appending after its first ``size`` bytes (the rest is cut off)."""
    file = open(path, "r+b")  # noqa: SIM115
    if os.fstat(file.fileno()).st_size < size:
        file.close()
        raise RecordsError(path, "the partial output is shorter than its checkpoint; run without resume=True")
    file.truncate(size)
    file.seek(size)
    return file
