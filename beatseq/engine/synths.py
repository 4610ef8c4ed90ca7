"""Synth voices as sounds: one note of a `Synth`, rendered whole with numpy, and the
bank that keeps a track's notes.

A synth note is made the way the mixer plays a sample: rendered once into a buffer
(cached by the bank that asks), then added at its exact frame with its level. That
keeps offline renders and live playback identical and costs about what a sample
costs. `render_note` picks the kind's renderer from a table: the 808 is here, the
FM keys in `beatseq.engine.fm`, the subtractive synth in `beatseq.engine.subtractive`.

What is particular to the 808 (mono) is the hand-over between notes:

- a new note starts at phase zero (a sine from zero: no click) with the attack and
  the pitch punch;
- a slid note (legato) continues the note it slides from: the same phase, the same
  point on the amplitude envelope, no new punch, and the pitch gliding from the old
  note to the new one over the synth's glide time. The note it continues stops exactly
  where it starts, so the join is seamless (see `NoteSpec.after`).

Polyphonic kinds start every note afresh; their timbre may follow velocity, which
then is part of the note's key (in layers of VELOCITY_LAYER). Levels (velocity, gain,
pan) are the mixer's; this module makes unit-level sound.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import numpy as np

from beatseq.engine.fm import frames_keys, render_keys
from beatseq.engine.subtractive import frames_sub, render_sub
from beatseq.engine.synthnote import (
    AUDITION_GATE_S,
    FLOOR_DB,
    NoteSpec,
    RenderedNote,
    note_hz,
    semitone_offsets,
)
from beatseq.model.synth import SYNTH_RANGES, Bass808, Synth

__all__ = ["FLOOR_DB", "NoteSpec", "RenderedNote", "SynthBank", "note_hz", "render_note"]

VELOCITY_LAYER = 8
"""Velocities that shape a note's timbre alike: 1-8, 9-16, ... (levels are exact)."""
PUNCH_SPAN = 60.0
"""Time constants of the 808's pitch punch worked out: after them it is below 1e-20
semitones (e^-60 of at most 24), which moves no float64 frequency."""


def render_note(synth: Synth, spec: NoteSpec, sample_rate: int) -> RenderedNote:
    """One note of `synth`, from its start until it has died away."""
    render: Callable[[Any, NoteSpec, int], RenderedNote] = RENDERERS[synth.kind]
    return render(synth, spec, sample_rate)


def frames_808(synth: Bass808, spec: NoteSpec, sample_rate: int) -> int:
    """How long `render_808` makes the note: until its envelope reaches the floor."""
    rate = float(sample_rate)
    # the envelope falls 60 dB per `decay`: it reaches the floor this many frames in
    total = math.ceil(synth.decay * rate * -FLOOR_DB / 60.0) - spec.elapsed
    if synth.release is not None and spec.gate is not None:
        release_frames = synth.release / 1000.0 * rate
        total = min(total, spec.gate + math.ceil(release_frames * -FLOOR_DB / 60.0))
    return max(total, 1)


def render_808(
    synth: Bass808, spec: NoteSpec, sample_rate: int, frames: int | None = None
) -> RenderedNote:
    """One note of an 808-style synth, from its start until it has died away, or its
    first `frames` only: every step is frame by frame or a running sum, so they are
    the whole note's first frames, bit for bit."""
    rate = float(sample_rate)
    decay_frames = synth.decay * rate
    release_frames = None
    if synth.release is not None and spec.gate is not None:
        release_frames = synth.release / 1000.0 * rate
    total = frames_808(synth, spec, sample_rate)
    if frames is not None:
        total = max(1, min(total, frames))
    n = np.arange(total, dtype=np.float64)
    phase = _phase_808(synth, spec, sample_rate, total)
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
    return RenderedNote(data=data)


def _phase_808(synth: Bass808, spec: NoteSpec, sample_rate: int, frames: int) -> np.ndarray:
    """The 808's oscillator phase (radians, unwrapped) over the note's first `frames`:
    the pitch in semitones above the note (glide, punch), then frequency, summed."""
    rate = float(sample_rate)
    offset = semitone_offsets(spec, synth.glide, rate, frames)
    if spec.glide_from is None and synth.punch > 0:
        tau = synth.punch_time / 1000.0 * rate
        # past PUNCH_SPAN time constants the punch is under 1e-20 semitones: 2 ** (it
        # / 12) is exactly 1, as where there is none
        span = min(frames, math.ceil(PUNCH_SPAN * tau))
        offset[:span] += synth.punch * np.exp(-np.arange(span, dtype=np.float64) / tau)
    hz = np.full(frames, note_hz(spec.note))
    bent = int(np.flatnonzero(offset)[-1]) + 1 if offset.any() else 0  # (after: 2 ** 0)
    hz[:bent] *= np.exp2(offset[:bent] / 12.0)
    step = 2.0 * math.pi * hz / rate
    phase = np.empty(frames)
    phase[0] = spec.phase
    np.cumsum(step[:-1], out=phase[1:])
    phase[1:] += spec.phase
    return phase


def phase_at(synth: Synth, spec: NoteSpec, sample_rate: int, frame: int) -> float:
    """Where the oscillator of a note of `synth` is `frame` frames in, wrapped to
    [0, 2 pi): what a note slid into from it starts from. Worked out from the spec
    alone (only the frames up to there), so a slide is planned without waiting for
    the note before it to render. Only the 808 carries its phase over (0 otherwise);
    past the note's end, the phase it ended on (it had died away: any is silent)."""
    if not isinstance(synth, Bass808):
        return 0.0
    frames = min(frame, frames_808(synth, spec, sample_rate) - 1) + 1
    return float(np.mod(_phase_808(synth, spec, sample_rate, frames)[-1], 2.0 * math.pi))


PREFIXES: dict[str, Callable[[Any, NoteSpec, int, int], RenderedNote]] = {"808": render_808}
"""The kinds whose renderer can make a note's first frames alone, exactly as they are
in the whole note: a mono 808's notes are mostly cut by the next long before they die
away (in the shipped songs, about 70 % of each note was never heard)."""
RENDERERS: dict[str, Callable[[Any, NoteSpec, int], RenderedNote]] = {
    "808": render_808,
    "keys": render_keys,
    "sub": render_sub,
}
"""Each kind's renderer."""
LENGTHS: dict[str, Callable[[Any, NoteSpec, int], int]] = {
    "808": frames_808,
    "keys": frames_keys,
    "sub": frames_sub,
}
"""How many frames each kind's renderer makes of a note, known without rendering it."""


class SynthBank:
    """A synth instrument's notes, by key, each rendered once when it is planned.

    The mixer plays a key's buffer as it plays a sample; `voices.plan_hits` asks for
    keys (`new_note`, `slide`) as it walks the timeline. Key 0 is the instrument's own
    note, struck (what an audition plays). Equal notes share a key and a buffer; the
    bank outlives edits in the live engine, so nothing is rendered twice.
    """

    channels = 1

    def __init__(self, synth: Synth, note: float, sample_rate: int, pool: Executor | None = None):
        self.synth = synth
        self.pool = pool
        self.sample_rate = sample_rate
        self.voices = synth.voices
        """Notes that sound at once (1: mono, legato slides)."""
        ranges = SYNTH_RANGES[synth.kind]
        self.glides = "glide" in ranges
        """Whether a slid-into note glides from the note before (a polyphonic kind)."""
        self._layered = bool(getattr(synth, "velocity", 0.0)) and "velocity" in ranges
        self._keys: dict[NoteSpec, int] = {}
        self._specs: list[NoteSpec] = []
        self._notes: list[RenderedNote | Future[RenderedNote] | None] = []
        self._lengths: list[int] = []
        self._lock = threading.Lock()
        audition = round(AUDITION_GATE_S * sample_rate) if self.voices > 1 else None
        self.key(NoteSpec(note, audition, velocity=self._layer(100)))

    def key(self, spec: NoteSpec) -> int:
        with self._lock:
            found = self._keys.get(spec)
            if found is None:
                if self.pool is None:
                    note = render_note(self.synth, spec, self.sample_rate)
                    self._notes.append(note)
                    self._lengths.append(int(note.data.shape[1]))
                else:  # rendered on the pool once its hits are known (`render_ahead`)
                    self._notes.append(None)
                    self._lengths.append(
                        LENGTHS[self.synth.kind](self.synth, spec, self.sample_rate)
                    )
                self._specs.append(spec)
                found = self._keys[spec] = len(self._specs) - 1
            return found

    def render_ahead(self, key: int, frames: int) -> None:
        """Start rendering `key` on the pool, where hits play at most its first `frames`
        (a kind in PREFIXES renders only those; `data` then gives just them)."""
        if self.pool is not None and self._notes[key] is None:
            self._notes[key] = self.pool.submit(self._render, self._specs[key], frames)

    def _render(self, spec: NoteSpec, frames: int | None = None) -> RenderedNote:
        prefix = PREFIXES.get(self.synth.kind) if frames is not None else None
        if prefix is not None and frames is not None:
            note = prefix(self.synth, spec, self.sample_rate, frames)
            expected = min(frames, LENGTHS[self.synth.kind](self.synth, spec, self.sample_rate))
        else:
            note = render_note(self.synth, spec, self.sample_rate)
            expected = LENGTHS[self.synth.kind](self.synth, spec, self.sample_rate)
        if note.data.shape[1] != max(1, expected):
            raise AssertionError(
                f"a {self.synth.kind} note came out {note.data.shape[1]} frames, not {expected}"
            )
        return note

    def _note(self, key: int) -> RenderedNote:
        note = self._notes[key]
        if note is None:  # not rendered ahead: all of it, here
            note = self._notes[key] = self._render(self._specs[key])
        elif isinstance(note, Future):
            note = self._notes[key] = note.result()
        return note

    def new_note(
        self, note: float, gate: int, velocity: int = 100, glide_from: float | None = None
    ) -> int:
        """A note struck on its own (a polyphonic kind's may glide from `glide_from`)."""
        glide = glide_from if self.glides and self.voices > 1 else None
        return self.key(NoteSpec(note, self._gate(gate), glide, velocity=self._layer(velocity)))

    def slide(self, key: int, at: int, note: float, gate: int) -> int:
        """`note` sliding in `at` frames after the note of `key` started (mono kinds)."""
        spec = self._specs[key]
        phase = phase_at(self.synth, spec, self.sample_rate, at)
        return self.key(spec.after(phase, at, note, self._gate(gate)))

    def data(self, key: int) -> np.ndarray:
        """The note's samples (rendered ahead: at least the frames asked for)."""
        return self._note(key).data

    def frames(self, key: int) -> int:
        return self._lengths[key]

    @property
    def notes(self) -> int:
        """How many distinct notes have been rendered."""
        return len(self._notes)

    def _gate(self, gate: int) -> int | None:
        # the written length only shapes a note that has a release
        if self.voices == 1 and getattr(self.synth, "release", None) is None:
            return None
        return gate

    def _layer(self, velocity: int) -> int:
        if not self._layered:
            return 0
        return min(127, -(-velocity // VELOCITY_LAYER) * VELOCITY_LAYER)
