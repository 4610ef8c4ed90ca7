"""The sub voice: one note of a subtractive synth, rendered whole with numpy and scipy.

- Oscillators: 1-4 of one wave (saw, square, triangle, pulse), spread evenly across
  `detune` cents, each from its own fixed starting phase (so a note always renders
  the same). Band-limited with PolyBLEP (saw, square, pulse: each jump smoothed over
  the sample either side) and PolyBLAMP (triangle: each corner), vectorised: only
  the samples next to a jump are touched. Notes above rate / OVERSAMPLE_ABOVE (C6 and
  up) are made at twice the rate and halved (scipy's polyphase resampler).
- Filter: a 12 dB/octave resonant low-pass, the topology-preserving (TPT) state
  variable filter (Zavalishin; the bilinear transform of 1 / (s^2 + s/Q + 1)).
  Its cutoff follows the filter envelope: it is worked out every BLOCK frames and
  kept in steps of 1/STEPS_PER_OCTAVE octave, and each run of blocks with one
  cutoff is a single `scipy.signal.lfilter` call. Between runs the filter's own
  two states are carried over (converted to and from lfilter's), so the output is
  exactly that of the state-variable filter with its coefficients changing at
  those block edges (the way a modulated SVF should change), at C speed.
- Envelopes: amp ADSR and filter ADSR, the written length as the gate
  (`beatseq.engine.synthnote.adsr`); a slid-into note glides its pitch from the
  note before over `glide` ms (portamento).

Levels are the mixer's; `beatseq.engine.synths` picks this renderer and caches notes.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable

import numpy as np

from beatseq.engine.synthnote import (
    AUDITION_GATE_S,
    MIN_ATTACK_MS,
    NoteSpec,
    RenderedNote,
    adsr,
    frames_to_floor,
    note_hz,
    semitone_offsets,
)
from beatseq.model.synth import Sub

BLOCK = 32
"""Frames between the filter cutoff's updates."""
STEPS_PER_OCTAVE = 48
"""The cutoff moves in steps of a quarter semitone (finer than an ear follows a sweep)."""
MAX_Q = 20.0
"""Q at resonance 1 (0 is 0.707: a flat Butterworth response)."""
START_PHASES = (0.0, 0.37, 0.71, 0.19)
"""Each oscillator's starting phase, in cycles."""
OVERSAMPLE_ABOVE = 40
"""Notes with fewer frames per cycle than this are made at twice the rate: PolyBLEP
alone lets their folded-back harmonics reach -30 dB; oversampled, below -50 dB."""
HIGHEST_CUTOFF = 0.45
"""The highest cutoff, as a fraction of the sample rate."""


def render_sub(synth: Sub, spec: NoteSpec, sample_rate: int) -> RenderedNote:
    """One note of the subtractive synth, from its start until it has died away."""
    rate = float(sample_rate)
    gate = spec.gate if spec.gate is not None else round(AUDITION_GATE_S * rate)
    attack = max(synth.attack, MIN_ATTACK_MS)
    total = gate + frames_to_floor(synth.release / 1000.0, rate)
    if synth.sustain == 0:
        total = min(total, round(attack / 1000.0 * rate) + frames_to_floor(synth.decay, rate))
    total = max(total, 1)

    hz = note_hz(spec.note)
    if hz * OVERSAMPLE_ABOVE > rate:  # a high note: made at twice the rate, then halved
        from scipy.signal import resample_poly

        offsets = semitone_offsets(spec, synth.glide, 2.0 * rate, 2 * total)
        wave = resample_poly(oscillators(synth, hz, offsets, 2.0 * rate), 1, 2)[:total]
    else:
        offsets = semitone_offsets(spec, synth.glide, rate, total)
        wave = oscillators(synth, hz, offsets, rate)

    velocity = spec.velocity / 127.0 if spec.velocity else 1.0
    amount = synth.env_amount * (1.0 - synth.velocity * (1.0 - velocity))
    if amount:
        envelope = adsr(
            total,
            gate,
            rate,
            synth.filter_attack,
            synth.filter_decay,
            synth.filter_sustain,
            synth.release,
            every=BLOCK,
        )
        cutoffs = synth.cutoff * np.exp2(amount * envelope)
    else:
        cutoffs = np.full(-(-total // BLOCK), synth.cutoff)
    filtered = lowpass(wave, cutoffs, resonance_q(synth.resonance), rate)

    filtered *= adsr(total, gate, rate, attack, synth.decay, synth.sustain, synth.release)
    data = filtered.astype(np.float32).reshape(1, -1)
    data.setflags(write=False)
    return RenderedNote(data=data)


def resonance_q(resonance: float) -> float:
    """The filter's Q for a 0-1 resonance: 0.707 (flat) to MAX_Q, evenly in log."""
    flat = math.sqrt(0.5)
    return flat * math.pow(MAX_Q / flat, resonance)


# oscillators ---------------------------------------------------------------------------


def oscillators(synth: Sub, hz: float, offsets: np.ndarray, rate: float) -> np.ndarray:
    """The sum of the note's oscillators (unit level), pitched `offsets` semitones up.

    Each is its naive wave (a few passes over the note), plus PolyBLEP and PolyBLAMP
    corrections on the frames either side of its jumps and corners, found from the
    phase (so only those frames are touched)."""
    total = offsets.shape[0]
    naive, edges = WAVES[synth.wave]
    width = 0.5 if synth.wave == "square" else synth.width
    gliding = bool(np.any(offsets))
    n, phase, t = _work(total)  # reused: fresh big arrays cost more than the sums
    out = np.zeros(total)
    count = synth.oscillators
    for i in range(count):
        cents = synth.detune * (i / (count - 1) - 0.5) if count > 1 else 0.0
        dt: np.ndarray | float
        if gliding:
            dt = hz * np.exp2((offsets + cents / 100.0) / 12.0) / rate  # cycles per frame
            phase[0] = 0.0
            np.cumsum(dt[:-1], out=phase[1:])
        else:
            dt = hz * math.pow(2.0, cents / 1200.0) / rate
            np.multiply(n, dt, out=phase)
        phase += START_PHASES[i]
        np.floor(phase, out=t)
        np.subtract(phase, t, out=t)  # where in the cycle, 0 to 1
        for where, size, corner in edges(width):
            _smooth(out, phase, t, dt, where, size, corner)
        naive(t, width, out)
    out /= count
    return out


_LOCAL = threading.local()


def _work(total: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frame numbers 0 .. total - 1 and two work buffers of `total`, kept per thread."""
    buffers: tuple[np.ndarray, np.ndarray, np.ndarray] | None = getattr(_LOCAL, "work", None)
    if buffers is None or buffers[0].shape[0] < total:
        size = max(total, 1 << 16)
        buffers = _LOCAL.work = (np.arange(size, dtype=np.float64), np.empty(size), np.empty(size))
    return buffers[0][:total], buffers[1][:total], buffers[2][:total]


def _smooth(
    out: np.ndarray,
    phase: np.ndarray,
    t: np.ndarray,
    dt: np.ndarray | float,
    where: float,
    size: float,
    corner: bool,
) -> None:
    """Add the correction that band-limits a jump of `size` (or, for a corner, a change
    of slope of `size` per cycle) at `where` in each cycle to the frames next to it."""
    total = phase.shape[0]
    if isinstance(dt, np.ndarray):
        after = np.flatnonzero(np.diff(np.floor(phase - where))) + 1
    else:  # a steady pitch: the crossings are arithmetic
        first = math.ceil(phase[0] - where)
        last = math.floor(phase[-1] - where)
        after = np.ceil((np.arange(first, last + 1) + where - phase[0]) / dt).astype(np.int64)
    # a cycle is over OVERSAMPLE_ABOVE frames long: the neighbours of edges never overlap
    near = np.stack((after - 1, after, after + 1), axis=1).ravel()
    near = near[(near >= 0) & (near < total)]
    x = t[near] - where
    x -= np.floor(x)  # where each is in the cycle, counted from the edge
    steps = dt[near] if isinstance(dt, np.ndarray) else np.full(near.shape[0], dt)
    late = x < steps  # just after the edge
    early = x > 1.0 - steps  # just before it
    u = x[late] / steps[late]
    v = (x[early] - 1.0) / steps[early]
    if corner:
        out[near[late]] -= size * steps[late] * (u - 1.0) ** 3 / 3.0
        out[near[early]] += size * steps[early] * (v + 1.0) ** 3 / 3.0
    else:
        out[near[late]] += 0.5 * size * (u + u - u * u - 1.0)
        out[near[early]] += 0.5 * size * (v * v + v + v + 1.0)


def _saw(t: np.ndarray, width: float, out: np.ndarray) -> None:
    out += t
    out += t
    out -= 1.0


def _pulse(t: np.ndarray, width: float, out: np.ndarray) -> None:
    high = t < width
    out += np.where(high, 2.0 - 2.0 * width, -2.0 * width)  # +1 / -1, less the DC


def _triangle(t: np.ndarray, width: float, out: np.ndarray) -> None:
    t -= 0.5
    np.abs(t, out=t)
    t *= 4.0
    out += t
    out -= 1.0


Edges = Callable[[float], tuple[tuple[float, float, bool], ...]]
WAVES: dict[str, tuple[Callable[[np.ndarray, float, np.ndarray], None], Edges]] = {
    "saw": (_saw, lambda width: ((0.0, -2.0, False),)),
    "square": (_pulse, lambda width: ((0.0, 2.0, False), (width, -2.0, False))),
    "pulse": (_pulse, lambda width: ((0.0, 2.0, False), (width, -2.0, False))),
    "triangle": (_triangle, lambda width: ((0.0, -8.0, True), (0.5, 8.0, True))),
}
"""Each wave: its naive shape over the cycle (0 to 1, added to `out`; may overwrite
the cycle positions), and its edges: (where in the
cycle, the jump there or, for a corner, the change of slope per cycle, corner?)."""


# the filter -----------------------------------------------------------------------------


def lowpass(x: np.ndarray, cutoffs: np.ndarray, q: float, rate: float) -> np.ndarray:
    """`x` through the TPT state-variable low-pass, its cutoff `cutoffs[b]` Hz over
    frames [b * BLOCK, (b + 1) * BLOCK) (rounded to STEPS_PER_OCTAVE steps)."""
    from scipy.signal import lfilter  # scipy is slow to import: only when a sub plays

    highest = HIGHEST_CUTOFF * rate
    steps = np.round(np.log2(np.clip(cutoffs, 20.0, highest)) * STEPS_PER_OCTAVE)
    edges = np.concatenate(([0], np.nonzero(np.diff(steps))[0] + 1, [steps.shape[0]]))
    out = np.empty_like(x)
    k = 1.0 / q
    s1 = s2 = 0.0  # the SVF's two integrator states
    total = x.shape[0]
    for first, last in itertools.pairwise(edges.tolist()):
        a, b = int(first) * BLOCK, min(int(last) * BLOCK, total)
        if a >= b:
            break
        g = math.tan(math.pi * min(math.pow(2.0, steps[first] / STEPS_PER_OCTAVE), highest) / rate)
        a1 = 1.0 / (1.0 + g * (g + k))
        a2 = g * a1
        a3 = g * a2
        # state space of the SVF's low-pass output: y = c . s + a3 x, s' = m s + ...
        c1, c2 = a2, 1.0 - a3
        d1 = c1 * (2.0 * a1 - 1.0) + c2 * 2.0 * a2  # c . m: the next output's weights
        d2 = -c1 * 2.0 * a2 + c2 * (1.0 - 2.0 * a3)
        norm = 1.0 + g * k + g * g
        gain = g * g / norm
        den = (1.0, 2.0 * (g * g - 1.0) / norm, (1.0 - g * k + g * g) / norm)
        y0 = c1 * s1 + c2 * s2  # the states' own output now and next frame ...
        y1 = d1 * s1 + d2 * s2
        zi = np.array([y0, y1 + den[1] * y0])  # ... as lfilter's (transposed DF II) states
        out[a:b], zf = lfilter((gain, 2.0 * gain, gain), den, x[a:b], zi=zi)
        f0, f1 = float(zf[0]), float(zf[1]) - den[1] * float(zf[0])  # and back again
        det = c1 * d2 - c2 * d1
        s1 = (f0 * d2 - c2 * f1) / det
        s2 = (c1 * f1 - f0 * d1) / det
    return out
