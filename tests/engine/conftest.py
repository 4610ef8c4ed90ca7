"""Fixtures for engine tests: sounds synthesised in code, songs that play them."""

from __future__ import annotations

import contextlib
import math
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile

from beatseq.model import Instrument, Kit, Song


def write_sound(path: Path, data: np.ndarray, rate: int = 44100, subtype: str = "FLOAT") -> Path:
    soundfile.write(str(path), data, rate, subtype=subtype)
    return path


def click(path: Path, rate: int = 44100) -> Path:
    """A single-sample click: 1.0, then nothing."""
    return write_sound(path, np.array([1.0], dtype=np.float32), rate)


def with_sounds(song: Song, paths: dict[str, Path], **settings: object) -> Song:
    """The song with each instrument playing the given file (and settings)."""
    instruments = []
    for instrument in song.kit.instruments:
        path = paths.get(instrument.name)
        if path is not None:
            instrument = replace(instrument, sample=str(path), path=str(path), **settings)
        instruments.append(instrument)
    return replace(song, kit=Kit(tuple(instruments)))


@pytest.fixture
def clicks(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Make every instrument of a song a single-sample click."""

    def apply(song: Song, rate: int = 44100, **settings: object) -> Song:
        paths = {name: click(tmp_path / f"{name}.wav", rate) for name in song.kit.names}
        return with_sounds(song, paths, **settings)

    return apply


def onsets(audio: np.ndarray) -> list[int]:
    """Frames where a stem has sound, for click renders."""
    return [int(i) for i in np.nonzero(np.max(np.abs(audio), axis=1) > 1e-7)[0]]


__all__ = ["Instrument", "click", "onsets", "with_sounds", "write_sound"]


def live_against_render(song: Song, seconds: float = 3.0, compare: float = 2.2) -> float:
    """Play `song` on the manual engine for `seconds` and return the largest difference
    from its offline render over `compare` seconds (from the first onset of each), as a
    share of the render's peak: under 1e-3 is better than -60 dB."""
    from beatseq.engine import protocol as p
    from beatseq.engine.client import EngineClient
    from beatseq.engine.render import render_audio

    rate = 44100
    with tempfile.TemporaryDirectory() as folder:
        capture = Path(folder) / "capture.wav"
        engine = EngineClient(
            p.EngineOptions(audio="manual", capture=str(capture), buffer_size=256)
        )
        engine.start()
        try:
            engine.send(p.Load(song))
            engine.send(p.Play())
            engine.send(p.Advance(int(seconds * rate) // 256))
            frames = int(seconds * rate) - 256
            engine.wait_for(lambda r: isinstance(r, p.Status) and r.frames >= frames, 30)
        finally:
            engine.close()
        live, _ = soundfile.read(str(capture), dtype="float32")
    offline = render_audio(song, rate).mix
    start = onsets(live)[0]
    n = min(live.shape[0] - start, int(compare * rate))
    error = np.max(np.abs(live[start : start + n] - offline[onsets(offline)[0] :][:n]))
    return float(error / np.max(np.abs(offline)))


def clear_stale_jack() -> None:
    """Forget JACK servers that died without cleaning up (the test that kills its server
    leaves one each run). JACK keeps a registry of servers in /dev/shm with room for 8,
    and never reclaims dead ones: once full, no new server starts ("Too many servers
    already active"). Only done while no JACK server is running on the machine."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or _jackd_running():
        return
    for entry in shm.glob("jack*"):
        with contextlib.suppress(OSError):
            entry.unlink()


def _jackd_running() -> bool:
    for stat in Path("/proc").glob("[0-9]*/comm"):
        try:
            name = stat.read_text().strip()
        except OSError:
            continue
        if name in ("jackd", "jackdbus", "jackdmp"):
            return True
    return False


def frequency(x: np.ndarray, start: float, end: float, rate: int = 44100) -> float:
    """Fundamental over [start, end) seconds, from the time between upward zero
    crossings (interpolated), which a pure-ish tone gives to a fraction of a cent."""
    part = x[int(start * rate) : int(end * rate)].astype(np.float64)
    up = np.nonzero((part[:-1] < 0) & (part[1:] >= 0))[0]
    exact = up + part[up] / (part[up] - part[up + 1])
    return float((len(exact) - 1) / ((exact[-1] - exact[0]) / rate))


def cents(a: float, b: float) -> float:
    """How far `a` Hz is above `b` Hz, in cents."""
    return 1200 * math.log2(a / b)
