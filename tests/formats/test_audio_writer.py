"""AudioWriter's files as they reach the disk: synced while they grow, the same bytes."""

from __future__ import annotations

import os
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from beatseq.errors import BeatseqError
from beatseq.formats import audio
from beatseq.formats.audio import AudioWriter

AUDIO = (np.random.default_rng(9).standard_normal((50_000, 2)) * 0.2).astype(np.float32)


def _write(path: Path, pause: float = 0.0) -> bytes:
    with AudioWriter(path, 44100, bit_depth="24") as writer:
        for block in np.array_split(AUDIO, 25):
            writer.write(block)
            time.sleep(pause)  # mixing the next block
    return path.read_bytes()


def test_a_growing_file_is_synced_on_a_thread_and_finished_before_it_closes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = _write(tmp_path / "plain.wav")
    syncs: list[dict[str, object]] = []

    def slow_sync(fd: int) -> None:
        sync = {"thread": threading.current_thread().name, "size": os.fstat(fd).st_size}
        syncs.append(sync)
        time.sleep(0.02)  # a slow disk: the writer goes on meanwhile
        os.fsync(fd)
        sync["done"] = True

    monkeypatch.setattr(audio, "WRITE_BACK", 30_000)
    monkeypatch.setattr(audio, "_sync_data", slow_sync)
    synced = _write(tmp_path / "synced.wav", pause=0.005)
    assert synced == plain
    assert len(syncs) >= 2  # one at a time, skipped while the last is still going
    assert all(s["thread"] == "write-behind" and s.get("done") for s in syncs)
    sizes = [s["size"] for s in syncs]
    assert sizes == sorted(sizes) and 0 < sizes[0] < len(plain)
    with wave.open(str(tmp_path / "synced.wav")) as read:
        assert read.getnframes() == len(AUDIO)


def test_a_sync_that_fails_on_the_way_fails_the_write_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the system reports a failed write once: to the sync that asked, not the last one
    target = tmp_path / "demo.wav"
    old = _write(target)
    calls = []

    def broken(fd: int) -> None:
        calls.append(fd)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(audio, "WRITE_BACK", 30_000)
    monkeypatch.setattr(os, "fdatasync", broken)
    with pytest.raises(BeatseqError, match=r"demo.wav: cannot write \(Input/output error\)"):
        _write(target, pause=0.005)
    assert calls
    assert target.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["demo.wav"]  # no temporary file left


def test_a_render_that_fails_keeps_its_own_error_and_starts_no_sync_after_it_unwinds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a failing sync must not hide why the render stopped (Ctrl-C, a mixing error), and
    # a block still arriving from the writing thread while it unwinds syncs nothing
    def broken(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(audio, "WRITE_BACK", 30_000)
    monkeypatch.setattr(os, "fdatasync", broken)
    target = tmp_path / "demo.wav"
    with pytest.raises(KeyboardInterrupt), AudioWriter(target, 44100, bit_depth="24") as writer:
        for block in np.array_split(AUDIO, 25):
            writer.write(block)
            time.sleep(0.005)
        raise KeyboardInterrupt
    assert not target.exists() and not list(tmp_path.iterdir())

    with open(tmp_path / "late.bin", "wb") as file:
        behind = audio._WriteBehind(file)
        behind.finish(None, None, None)
        behind.wrote(10 * audio.WRITE_BACK)
        assert behind._thread is None
