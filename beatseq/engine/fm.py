"""The keys voice: one note of an FM electric piano, rendered whole with numpy.

Two operator pairs, as in the DX7's E.PIANO patches:

- the body: a sine carrier at the note, phase-modulated by a sine at `ratio` times
  the note; the modulation index is `index` at full velocity (less for softer notes,
  by `velocity`) and falls 60 dB over `index_decay` seconds, so the attack is bright
  and the tail close to a sine;
- the tine: a carrier at the note modulated at 14 times it, its index and its level
  dying within a few hundred milliseconds (the bell of a struck tine); faded out
  where its sidebands would pass Nyquist.

The amplitude rises over `attack`, falls 60 dB per `decay` seconds while held (faster
for higher notes), and after the written length falls 60 dB per `release` ms. Every
note starts afresh; slides are ignored (an electric piano does not glide). Levels are
the mixer's; `beatseq.engine.synths` picks this renderer and caches its notes.
"""

from __future__ import annotations

import math

import numpy as np

from beatseq.engine.synthnote import (
    AUDITION_GATE_S,
    MIN_ATTACK_MS,
    NoteSpec,
    RenderedNote,
    adsr,
    frames_to_floor,
    note_hz,
)
from beatseq.model.synth import Keys

TINE_RATIO = 14.0
TINE_INDEX = 1.6
"""The tine pair's modulation index at full velocity."""
TINE_DECAY_S = 0.35
"""Seconds for the tine's level to fall by 60 dB (its index falls twice as fast)."""


def _decay(synth: Keys, note: float) -> float:
    """Seconds per 60 dB at `note`: higher notes die away faster (two octaves up, half)."""
    return synth.decay * math.pow(2.0, -(note - 60.0) / 24.0)


def frames_keys(synth: Keys, spec: NoteSpec, sample_rate: int) -> int:
    """How long `render_keys` makes the note: its decay or its release, the shorter."""
    rate = float(sample_rate)
    gate = spec.gate if spec.gate is not None else round(AUDITION_GATE_S * rate)
    decay = _decay(synth, spec.note)
    release = gate + frames_to_floor(synth.release / 1000.0, rate)
    return max(1, min(frames_to_floor(decay, rate), release))


def render_keys(synth: Keys, spec: NoteSpec, sample_rate: int) -> RenderedNote:
    """One note of the FM keys, from its start until it has died away."""
    rate = float(sample_rate)
    gate = spec.gate if spec.gate is not None else round(AUDITION_GATE_S * rate)
    decay = _decay(synth, spec.note)
    total = frames_keys(synth, spec, sample_rate)
    n = np.arange(total, dtype=np.float64)
    hz = note_hz(spec.note)
    carrier = (2.0 * math.pi * hz / rate) * n

    velocity = spec.velocity / 127.0 if spec.velocity else 1.0
    depth = 1.0 - synth.velocity * (1.0 - velocity)
    index = np.exp(n * (-3.0 * math.log(10.0) / (synth.index_decay * rate)))
    index *= synth.index * depth
    wave = np.sin(carrier + index * np.sin(synth.ratio * carrier))

    nyquist = 0.45 * rate
    room = min(1.0, max(0.0, (nyquist - (TINE_RATIO + 1.0) * hz) / (0.1 * rate)))
    if synth.tine > 0 and room > 0:
        tine_frames = min(total, frames_to_floor(TINE_DECAY_S, rate))
        m = n[:tine_frames]
        fall = np.exp(m * (-3.0 * math.log(10.0) / (TINE_DECAY_S * rate)))
        tine_index = TINE_INDEX * depth * room * fall * fall
        tine = np.sin(
            carrier[:tine_frames] + tine_index * np.sin(TINE_RATIO * carrier[:tine_frames])
        )
        wave[:tine_frames] += synth.tine * depth * fall * tine
    wave /= 1.0 + synth.tine  # the same for every note, so the body's level is even

    attack = max(synth.attack, MIN_ATTACK_MS)
    envelope = adsr(total, gate, rate, attack, decay, 0.0, synth.release)
    data = (wave * envelope).astype(np.float32).reshape(1, -1)
    data.setflags(write=False)
    return RenderedNote(data=data)
