"""Synth voices as sounds: one note of a `Synth`, rendered whole with numpy.

A synth note is made the way the mixer plays a sample: rendered once into a buffer
(cached by the bank that asks), then added at its exact frame with its level. That
keeps offline renders and live playback identical and costs about what a sample
costs. What is particular to synths is the hand-over between notes:

- a new note starts at phase zero (a sine from zero: no click) with the attack and
  the pitch punch;
- a slid note (legato) continues the note it slides from: the same phase, the same
  point on the amplitude envelope, no new punch, and the pitch gliding from the old
  note to the new one over the synth's glide time. The note it continues stops exactly
  where it starts, so the join is seamless (see `NoteSpec.after`).

Levels (velocity, gain, pan) are the mixer's; this module makes unit-level sound.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

from beatseq.model.synth import Synth

FLOOR_DB = -80.0
"""A note ends when its envelope has fallen this far."""


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
    """The note this one slides from (legato), or None for a new note."""
    phase: float = 0.0
    """Starting phase in radians (a slid note carries on the old note's)."""
    elapsed: int = 0
    """Frames of envelope already gone (a slid note carries on the old note's)."""

    def after(self, rendered: RenderedNote, at: int, note: float, gate: int | None) -> NoteSpec:
        """The spec of `note` sliding in `at` frames after this note started."""
        return NoteSpec(
            note=note,
            gate=gate,
            glide_from=self.note,
            phase=float(rendered.phase_at(at)),
            elapsed=self.elapsed + at,
        )


@dataclass(frozen=True, eq=False)
class RenderedNote:
    data: np.ndarray
    """float32 (1, frames), unit level."""
    phases: np.ndarray
    """The oscillator's phase at each frame, wrapped to [0, 2 pi) (float64)."""

    def phase_at(self, frame: int) -> float:
        """The phase at `frame` (continuing the last one past the end)."""
        if frame < self.phases.shape[0]:
            return float(self.phases[frame])
        return float(self.phases[-1])  # the note had died away: any phase is silent


def render_note(synth: Synth, spec: NoteSpec, sample_rate: int) -> RenderedNote:
    """One note of an 808-style synth, from its start until it has died away."""
    rate = float(sample_rate)
    decay_frames = synth.decay * rate
    # the envelope falls 60 dB per `decay`: it reaches the floor this many frames in
    total = math.ceil(decay_frames * -FLOOR_DB / 60.0) - spec.elapsed
    release_frames = None
    if synth.release is not None and spec.gate is not None:
        release_frames = synth.release / 1000.0 * rate
        total = min(total, spec.gate + math.ceil(release_frames * -FLOOR_DB / 60.0))
    total = max(total, 1)
    n = np.arange(total, dtype=np.float64)

    # pitch, in semitones above the note, then frequency and phase
    offset = np.zeros(total)
    if spec.glide_from is not None:
        glide = max(1.0, synth.glide / 1000.0 * rate)
        offset += (spec.glide_from - spec.note) * np.clip(1.0 - n / glide, 0.0, 1.0)
    elif synth.punch > 0:
        tau = synth.punch_time / 1000.0 * rate
        offset += synth.punch * np.exp(-n / tau)
    hz = note_hz(spec.note) * np.exp2(offset / 12.0)
    step = 2.0 * math.pi * hz / rate
    phase = np.empty(total)
    phase[0] = spec.phase
    np.cumsum(step[:-1], out=phase[1:])
    phase[1:] += spec.phase
    phases = np.mod(phase, 2.0 * math.pi)

    wave = np.sin(phase)
    if synth.tone > 0:
        wave += synth.tone * (0.5 * np.sin(2.0 * phase) + 0.25 * np.sin(3.0 * phase))
        wave /= 1.0 + 0.75 * synth.tone

    envelope = np.power(10.0, -3.0 * (spec.elapsed + n) / decay_frames)
    if spec.glide_from is None and synth.attack > 0:
        attack = synth.attack / 1000.0 * rate
        envelope *= np.minimum(1.0, n / attack)
    if release_frames is not None and spec.gate is not None:
        after = np.maximum(0.0, n - spec.gate)
        envelope *= np.power(10.0, -3.0 * after / release_frames)
    signal = wave * envelope
    if synth.drive > 0:  # after the envelope: loud starts grind, the tail cleans up
        gain = 1.0 + 9.0 * synth.drive
        signal = np.tanh(gain * signal) / math.tanh(gain)
    data = signal.astype(np.float32).reshape(1, -1)
    data.setflags(write=False)
    return RenderedNote(data=data, phases=phases)


class SynthBank:
    """A synth instrument's notes, by key, each rendered once when it is planned.

    The mixer plays a key's buffer as it plays a sample; `voices.plan_hits` asks for
    keys (`new_note`, `slide`) as it walks the timeline. Key 0 is the instrument's own
    note, struck (what an audition plays). Equal notes share a key and a buffer; the
    bank outlives edits in the live engine, so nothing is rendered twice.
    """

    channels = 1

    def __init__(self, synth: Synth, note: float, sample_rate: int):
        self.synth = synth
        self.sample_rate = sample_rate
        self._keys: dict[NoteSpec, int] = {}
        self._specs: list[NoteSpec] = []
        self._notes: list[RenderedNote] = []
        self._lock = threading.Lock()
        self.key(NoteSpec(note))

    def key(self, spec: NoteSpec) -> int:
        with self._lock:
            found = self._keys.get(spec)
            if found is None:
                self._notes.append(render_note(self.synth, spec, self.sample_rate))
                self._specs.append(spec)
                found = self._keys[spec] = len(self._specs) - 1
            return found

    def new_note(self, note: float, gate: int) -> int:
        """A note struck on its own."""
        return self.key(NoteSpec(note, self._gate(gate)))

    def slide(self, key: int, at: int, note: float, gate: int) -> int:
        """`note` sliding in `at` frames after the note of `key` started."""
        return self.key(self._specs[key].after(self._notes[key], at, note, self._gate(gate)))

    def data(self, key: int) -> np.ndarray:
        return self._notes[key].data

    def frames(self, key: int) -> int:
        return int(self._notes[key].data.shape[1])

    def _gate(self, gate: int) -> int | None:
        # the written length only shapes a note that has a release
        return gate if self.synth.release is not None else None
