"""The streaming batch: read records, annotate them (in worker processes when asked, order kept),
write the output and the rejects, and never lose or half-write anything.

* Output and rejects go to hidden ``.part`` files beside their targets, renamed into place at
  the end: a target is either the complete result or untouched.
* After a chunk of records (at most every 0.25 s), both files are flushed and a checkpoint
  (records done, input position, bytes written, counts) replaces ``.<output>.resume.json`` atomically. ``resume=True``
  truncates the ``.part`` files to the checkpoint and goes on from there, so a run killed at any
  instant (even ``kill -9``) and resumed writes the same bytes as an uninterrupted run.
* Memory stays flat: records stream through; at most ``2 × processes`` chunks are in flight.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path

from panet.errors import RecordsError
from panet.records.core import CHANGED, REJECTED, UNCHANGED

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from panet.records.base import Item, Reader
    from panet.records.core import RecordAnnotator

__all__ = ["Summary", "paths", "run"]

CHUNK = 512  # records per unit of work
CHECKPOINT_SECONDS = 0.25  # at most this long between checkpoints (each costs a file replace)
_STATE_VERSION = 1


@dataclass
class Summary:
    """Counts of one batch run; ``read == annotated + unchanged + rejected``.

    ``annotated``: records written with terms added or entries corrected; ``unchanged``: written
    as they came; ``rejected``: in the rejects file with the reason. ``added``, ``corrected`` and
    ``unresolved`` count technique entries.
    """

    read: int = 0
    annotated: int = 0
    unchanged: int = 0
    rejected: int = 0
    added: int = 0
    corrected: int = 0
    unresolved: int = 0
    output: str = ""
    rejects: str = ""
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
        if self.resumed_from:
            line += f"; resumed after record {self.resumed_from:,}"
        if self.seconds > 0:
            line += f"; {(self.read - self.resumed_from) / self.seconds:,.0f} records/s"
        if self.rejected:
            line += f"; rejects in {self.rejects}"
        return line

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def paths(output: Path, rejects: Path | None = None) -> dict[str, Path]:
    """Where a run writes: ``output``, ``rejects`` and their ``.part`` files, and the checkpoint.

    >>> {k: p.name for k, p in paths(Path("out.jsonl")).items()}["state"]
    '.out.jsonl.resume.json'
    """
    rejects = rejects or output.with_name(output.name + ".rejects.jsonl")
    return {
        "output": output,
        "rejects": rejects,
        "output_part": output.with_name(f".{output.name}.part"),
        "rejects_part": rejects.with_name(f".{rejects.name}.part"),
        "state": output.with_name(f".{output.name}.resume.json"),
    }


def run(
    job: RecordAnnotator,
    reader: Reader,
    output: Path,
    *,
    rejects: Path | None = None,
    processes: int = 1,
    resume: bool = False,
    fingerprint: dict[str, Any] | None = None,
    progress: Callable[[Summary, int, int | None], None] | None = None,
) -> Summary:
    """Annotate every record ``reader`` yields with ``job``; see the module docstring."""
    where = paths(output, rejects)
    framing = reader if job.exporter is None else job.exporter
    fingerprint = json.loads(json.dumps(fingerprint or {}))  # as it reads back from the checkpoint
    summary = Summary(output=str(output), rejects=str(where["rejects"]))
    state = _load_state(where, fingerprint) if resume else None
    started = time.perf_counter()
    if state is not None:
        for name in ("read", "annotated", "unchanged", "rejected", "added", "corrected", "unresolved"):
            setattr(summary, name, state["counts"][name])
        summary.resumed_from = summary.read
        reader.constants = state.get("constants") or getattr(reader, "constants", None)
        out = _reopen(where["output_part"], state["output_bytes"])
        rej = _reopen(where["rejects_part"], state["rejects_bytes"])
        items = reader.items(state["records"], state["resume"])
    else:
        if output.is_dir() or where["rejects"].is_dir():
            raise RecordsError(output if output.is_dir() else where["rejects"], "is a folder; name an output file")
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            where["state"].unlink(missing_ok=True)  # an older checkpoint no longer matches the .part files
            out = open(where["output_part"], "wb")  # noqa: SIM115  (closed below, kept on a crash for --resume)
            rej = open(where["rejects_part"], "wb")  # noqa: SIM115
        except OSError as err:
            raise RecordsError(output, f"cannot write the output: {err.strerror}") from None
        items = reader.items()
    written = summary.annotated + summary.unchanged
    position = state["resume"] if state else None
    try:
        items = _peek(items)  # an XML reader knows its envelope once it has seen the first record
        if state is None:
            out.write(framing.header())
        _save(where, fingerprint, summary, out, rej, position, reader)
        saved = time.perf_counter()
        separator = framing.separator()
        for results in _processed(job, items, processes, CHUNK):
            body: list[bytes] = []
            refused: list[bytes] = []
            for item, (status, data, added, corrected, unresolved) in results:
                summary.read += 1
                if status == REJECTED:
                    summary.rejected += 1
                    refused.append(_reject_line(item, data))
                    continue
                if written:
                    body.append(separator)
                body.append(data)
                written += 1
                summary.added += added
                summary.corrected += corrected
                summary.unresolved += unresolved
                if status == CHANGED:
                    summary.annotated += 1
                elif status == UNCHANGED:
                    summary.unchanged += 1
            out.write(b"".join(body))
            rej.write(b"".join(refused))
            position = results[-1][0].end
            if time.perf_counter() - saved >= CHECKPOINT_SECONDS:
                _save(where, fingerprint, summary, out, rej, position, reader)
                saved = time.perf_counter()
            if progress is not None:
                summary.seconds = time.perf_counter() - started
                progress(summary, reader.position(), reader.size)
        if written:
            out.write(framing.footer(written))
        else:  # only the header so far: the format's own document without records replaces it
            out.seek(0)
            out.truncate()
            out.write(framing.empty())
    except BaseException:
        out.close()
        rej.close()
        reader.close()
        if state is None and not where["state"].exists():  # failed before anything was written
            where["output_part"].unlink(missing_ok=True)
            where["rejects_part"].unlink(missing_ok=True)
        raise
    out.close()
    rej.close()
    reader.close()
    os.replace(where["rejects_part"], where["rejects"])
    os.replace(where["output_part"], where["output"])
    where["state"].unlink(missing_ok=True)
    summary.seconds = time.perf_counter() - started
    return summary


def _peek(items: Iterator[Item]) -> Iterator[Item]:
    """``items`` with its first element already read."""
    first = next(items, None)
    if first is None:
        return iter(())
    from itertools import chain

    return chain((first,), items)


def _chunks(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _processed(
    job: RecordAnnotator, items: Iterator[Item], processes: int, size: int
) -> Iterator[list[tuple[Item, tuple]]]:
    """Each chunk of items with its results, in input order."""
    if processes <= 1:
        for batch in _chunks(items, size):
            yield [(item, job.process(item.payload, item.number)) for item in batch]
        return
    import multiprocessing

    with multiprocessing.get_context().Pool(processes, _start_worker, (job,)) as pool:
        pending: deque = deque()
        for batch in _chunks(items, size):
            work = [(item.payload, item.number) for item in batch]
            pending.append((batch, pool.apply_async(_work, (work,))))
            if len(pending) >= 2 * processes:  # bounded: the reader never runs far ahead
                done, result = pending.popleft()
                yield list(zip(done, result.get(), strict=True))
        while pending:
            done, result = pending.popleft()
            yield list(zip(done, result.get(), strict=True))


_WORKER: dict[str, RecordAnnotator] = {}  # the job of this worker process


def _start_worker(job: RecordAnnotator) -> None:
    _WORKER["job"] = job


def _work(work: list[tuple[Any, int]]) -> list[tuple]:
    process = _WORKER["job"].process
    return [process(payload, number) for payload, number in work]


def _reject_line(item: Item, reason: str) -> bytes:
    from panet.records.jsonl import Unreadable, dump_json

    entry: dict[str, Any] = {**item.where(), "reason": reason}
    payload = item.payload
    if isinstance(payload, Unreadable):
        payload = payload.text
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8", errors="surrogateescape")
    entry["input"] = payload
    return dump_json(entry) + b"\n"


def _save(where: dict[str, Path], fingerprint: dict, summary: Summary, out, rej, position: Any, reader: Reader) -> None:
    """Flush both outputs, then record how far they go (atomically)."""
    out.flush()
    rej.flush()
    counts = {k: getattr(summary, k) for k in ("read", "annotated", "unchanged", "rejected")}
    counts.update(added=summary.added, corrected=summary.corrected, unresolved=summary.unresolved)
    state = {
        "version": _STATE_VERSION,
        "fingerprint": fingerprint,
        "records": summary.read,
        "resume": position,
        "output_bytes": out.tell(),
        "rejects_bytes": rej.tell(),
        "counts": counts,
        "constants": getattr(reader, "constants", None),
    }
    temporary = where["state"].with_name(where["state"].name + ".tmp")
    temporary.write_text(json.dumps(state))
    os.replace(temporary, where["state"])


def _load_state(where: dict[str, Path], fingerprint: dict) -> dict[str, Any] | None:
    """The checkpoint of an interrupted run of the same job, or None when there is none."""
    try:
        state = json.loads(where["state"].read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise RecordsError(
            where["state"], f"unreadable checkpoint ({err}); run without --resume to start over"
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
            "run without --resume to start over",
        )
    for part in ("output_part", "rejects_part"):
        if not where[part].exists():
            raise RecordsError(where[part], "the partial output is missing; run without --resume to start over")
    return state


def _reopen(path: Path, size: int):
    """``path`` opened for appending after its first ``size`` bytes (the rest is cut off)."""
    file = open(path, "r+b")  # noqa: SIM115
    if os.fstat(file.fileno()).st_size < size:
        file.close()
        raise RecordsError(path, "the partial output is shorter than its checkpoint; run without --resume")
    file.truncate(size)
    file.seek(size)
    return file
