"""What every synth voice's renderer shares: the note it is asked for, what it gives
back, and the numpy pieces of pitch and envelope all kinds use.

A note is described completely by a `NoteSpec` (equal specs give equal samples, so a
bank renders each once) and comes back as a `RenderedNote`: unit-level float32
samples from its start until it has died away. The kinds' renderers live in
`beatseq.engine.synths` (808), `beatseq.engine.fm` (keys) and
`beatseq.engine.subtractive` (sub); the bank that caches them in `synths`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FLOOR_DB = -80.0
"""A note ends when its envelope has fallen this far."""
AUDITION_GATE_S = 0.5
"""How long a note with no written length (an audition) is held, for kinds with a gate."""
MIN_ATTACK_MS = 1.0
"""The shortest fade-in of a polyphonic voice's note: an attack of 0 still never clicks."""


def note_hz(note: float) -> float:
    """Frequency of a MIDI note number (A4 = 69 = 440 Hz; fractions are cents)."""
    return 440.0 * math.pow(2.0, (note - 69.0) / 12.0)


@dataclass(frozen=True)
class NoteSpec:
    """Everything that decides a note's samples (so equal specs share a buffer)."""

    note: float
    """MIDI note number (fractions are a fine tuning)."""
    gate: int | None = None
    """The note's written length in frames (what `release` counts from)."""
    glide_from: float | None = None
    """The note this one slides from (legato, or portamento), or None for a new note."""
    phase: float = 0.0
    """Starting phase in radians (a slid 808 note carries on the old note's)."""
    elapsed: int = 0
    """Frames of envelope already gone (a slid 808 note carries on the old note's)."""
    velocity: int = 0
    """The velocity layer the timbre follows (0 for kinds whose timbre ignores it)."""

    def after(self, phase: float, at: int, note: float, gate: int | None) -> NoteSpec:
        """The spec of `note` sliding in `at` frames after this note started, where
        this note's oscillator had reached `phase` (`synths.phase_at`)."""
        return NoteSpec(
            note=note,
            gate=gate,
            glide_from=self.note,
            phase=phase,
            elapsed=self.elapsed + at,
        )


@dataclass(frozen=True, eq=False)
class RenderedNote:
    data: np.ndarray
    """float32 (1, frames), unit level."""


def frames_to_floor(seconds_per_60db: float, rate: float) -> int:
    """Frames an exponential fall of 60 dB per `seconds_per_60db` takes to the floor."""
    return math.ceil(seconds_per_60db * rate * -FLOOR_DB / 60.0)


def semitone_offsets(spec: NoteSpec, glide_ms: float, rate: float, total: int) -> np.ndarray:
    """Semitones above the note at each frame: a slide starts at the old note and
    moves linearly (in semitones) to the new one over `glide_ms`."""
    offset = np.zeros(total)
    if spec.glide_from is not None:
        n = np.arange(total, dtype=np.float64)
        glide = max(1.0, glide_ms / 1000.0 * rate)
        offset += (spec.glide_from - spec.note) * np.clip(1.0 - n / glide, 0.0, 1.0)
    return offset


def adsr(
    total: int,
    gate: int,
    rate: float,
    attack_ms: float,
    decay_s: float,
    sustain: float,
    release_ms: float,
    every: int = 1,
) -> np.ndarray:
    """An envelope at frames 0, every, 2 * every ... before `total`: a linear attack to
    1, an exponential fall (60 dB of the way per `decay_s`) towards `sustain` while the
    gate is held, then from wherever it is at the gate an exponential release falling
    60 dB per `release_ms`."""
    n = np.arange(0, total, every, dtype=np.float64)
    attack = attack_ms / 1000.0 * rate
    fall = -3.0 * math.log(10.0) / (decay_s * rate)  # per frame, in e-folds

    def held(frames: np.ndarray) -> np.ndarray:
        out = np.maximum(frames - attack, 0.0)
        out *= fall
        np.exp(out, out=out)
        if sustain:
            out *= 1.0 - sustain
            out += sustain
        if attack > 0:
            rising = int(np.searchsorted(frames, attack))
            out[:rising] *= frames[:rising] / attack
        return out

    cut = int(np.searchsorted(n, gate))
    envelope = np.empty(n.shape[0])
    envelope[:cut] = held(n[:cut])
    if cut < n.shape[0]:
        level = float(held(np.array([float(gate)]))[0])
        release = -3.0 * math.log(10.0) / max(1.0, release_ms / 1000.0 * rate)
        after = envelope[cut:]
        np.subtract(n[cut:], gate, out=after)
        after *= release
        np.exp(after, out=after)
        after *= level
    return envelope
