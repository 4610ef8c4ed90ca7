"""Atomic file writes: a temporary file in the same folder, flushed, then renamed.

A crash or a full disk mid-write leaves the old file as it was, never half a file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from beatseq.errors import BeatseqError


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """A temporary path to write to; on success it replaces `path` in one rename."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise BeatseqError("cannot write: the folder does not exist", file=str(target))
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=suffix or ".tmp")
    os.close(fd)
    temp = Path(temp_name)
    try:
        yield temp
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        if target.exists():
            with contextlib.suppress(OSError):
                os.chmod(temp, target.stat().st_mode & 0o7777)
        else:
            os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, target)
    except OSError as err:
        raise BeatseqError(f"cannot write ({err.strerror})", file=str(target)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write `data` to `path` atomically (text is written as UTF-8)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as temp, open(temp, "wb") as handle:
        _write(handle, payload)


def _write(handle: IO[bytes], payload: bytes) -> None:
    handle.write(payload)
    handle.flush()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
