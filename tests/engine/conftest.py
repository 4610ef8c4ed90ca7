"""Fixtures for engine tests: sounds synthesised in code, songs that play them."""

from __future__ import annotations

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
