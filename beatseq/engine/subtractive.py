"""The sub voice: one note of a subtractive synth, rendered whole with numpy.

- Oscillators: 1-4 of one wave (saw, square, triangle, pulse), spread evenly across
  `detune` cents, each from its own fixed starting phase (so a note always renders
  the same). Band-limited with PolyBLEP (saw, square, pulse: each jump smoothed over
  the sample either side) and PolyBLAMP (triangle: each corner), vectorised: only
  the samples next to a jump are touched. Notes above rate / OVERSAMPLE_ABOVE (C6 and
  up) are made at twice the rate and halved (soxr).
- Filter: a 12 dB/octave resonant low-pass, the topology-preserving (TPT) state
  variable filter (Zavalishin; the bilinear transform of 1 / (s^2 + s/Q + 1)).
  Its cutoff follows the filter envelope: it is worked out every BLOCK frames and
  kept in steps of 1/STEPS_PER_OCTAVE octave. The output is exactly that of the
  state-variable filter run frame by frame with its coefficients changing at those
  block edges (the way a modulated SVF should change): compiled, frame by frame, where
  the kernels are built, else worked out for every block at once with numpy
  (`lowpass`; the two agree to float64 rounding).
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
import soxr

from beatseq.engine.dsp import BlockSystem, block_system
from beatseq.engine.native import address, kernels
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


def frames_sub(synth: Sub, spec: NoteSpec, sample_rate: int) -> int:
    """How long `render_sub` makes the note: its gate and release (without sustain, its
    attack and decay if shorter)."""
    rate = float(sample_rate)
    gate = spec.gate if spec.gate is not None else round(AUDITION_GATE_S * rate)
    total = gate + frames_to_floor(synth.release / 1000.0, rate)
    if synth.sustain == 0:
        attack = max(synth.attack, MIN_ATTACK_MS)
        total = min(total, round(attack / 1000.0 * rate) + frames_to_floor(synth.decay, rate))
    return max(total, 1)


def render_sub(synth: Sub, spec: NoteSpec, sample_rate: int) -> RenderedNote:
    """One note of the subtractive synth, from its start until it has died away."""
    rate = float(sample_rate)
    gate = spec.gate if spec.gate is not None else round(AUDITION_GATE_S * rate)
    attack = max(synth.attack, MIN_ATTACK_MS)
    total = frames_sub(synth, spec, sample_rate)

    hz = note_hz(spec.note)
    if hz * OVERSAMPLE_ABOVE > rate:  # a high note: made at twice the rate, then halved
        offsets = semitone_offsets(spec, synth.glide, 2.0 * rate, 2 * total)
        doubled = oscillators(synth, hz, offsets, 2.0 * rate)
        wave = np.asarray(soxr.resample(doubled, 2 * rate, rate, quality="VHQ"))[:total]
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
    frames [b * BLOCK, (b + 1) * BLOCK) (rounded to STEPS_PER_OCTAVE steps).

    Where the kernels are built it runs frame by frame (`bs_svf`). Otherwise: the
    filter is linear with two states, so each block's output is its input through
    the first BLOCK taps of the impulse response (a small matrix) plus what its
    starting states give (`dsp.block_system`, one per cutoff); the states from block
    to block are one prefix scan of affine maps. All of it is numpy over every block
    at once, exact to rounding."""
    total = x.shape[0]
    count = -(-total // BLOCK)
    highest = HIGHEST_CUTOFF * rate
    steps = np.round(np.log2(np.clip(cutoffs[:count], 20.0, highest)) * STEPS_PER_OCTAVE)
    if kernels is not None:
        coefs = np.ascontiguousarray(np.stack(_coefficients(steps, q, rate), axis=-1))
        source = np.ascontiguousarray(x, dtype=np.float64)
        filtered = np.empty(total)
        kernels.bs_svf(address(source), total, address(coefs), BLOCK, address(filtered))
        return filtered
    distinct, which = np.unique(steps, return_inverse=True)
    system = _svf(distinct, q, rate)
    blocks = np.zeros(count * BLOCK)
    blocks[:total] = x
    blocks = blocks.reshape(count, BLOCK)
    out = np.empty_like(blocks)
    ends = np.empty((count, 2))  # each block's end states, started from rest
    order = np.argsort(which, kind="stable")
    bounds = np.searchsorted(which[order], np.arange(distinct.shape[0] + 1))
    groups = [order[a:b] for a, b in itertools.pairwise(bounds.tolist())]
    for group, taps, into in zip(groups, system.taps, system.into, strict=True):
        part = blocks[group]
        out[group] = part @ taps.T
        ends[group] = part @ into
    starts = _scan_states(system.across[which], ends)
    for group, out_of in zip(groups, system.out_of, strict=True):
        out[group] += starts[group] @ out_of.T
    return out.reshape(-1)[:total]


def _coefficients(
    steps: np.ndarray, q: float, rate: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The SVF's a1, a2, a3 for each cutoff (in steps)."""
    hz = np.minimum(np.exp2(steps / STEPS_PER_OCTAVE), HIGHEST_CUTOFF * rate)
    g = np.tan(np.pi * hz / rate)
    a1 = 1.0 / (1.0 + g * (g + 1.0 / q))
    a2 = g * a1
    return a1, a2, g * a2


def _svf(steps: np.ndarray, q: float, rate: float) -> BlockSystem:
    """The SVF over blocks of BLOCK frames, for each cutoff (in steps): states
    (the two integrators) s' = A s + B x, low-pass output y = C s + D x."""
    a1, a2, a3 = _coefficients(steps, q, rate)
    a = np.empty((steps.shape[0], 2, 2))
    a[:, 0, 0], a[:, 0, 1] = 2.0 * a1 - 1.0, -2.0 * a2
    a[:, 1, 0], a[:, 1, 1] = 2.0 * a2, 1.0 - 2.0 * a3
    b = np.stack((2.0 * a2, 2.0 * a3), axis=-1)
    c = np.stack((a2, 1.0 - a3), axis=-1)
    return block_system(a, b, c, a3, BLOCK)


def _scan_states(across: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Each block's starting states, the first from rest, where block j's end states
    are across[j] @ (its starting states) + ends[j]: a Hillis-Steele prefix scan of
    the affine maps, log2(blocks) steps over every block at once."""
    m00, m01 = across[:, 0, 0].copy(), across[:, 0, 1].copy()
    m10, m11 = across[:, 1, 0].copy(), across[:, 1, 1].copy()
    u0, u1 = ends[:, 0].copy(), ends[:, 1].copy()
    shift = 1
    while shift < u0.shape[0]:  # element j becomes the map from block j - 2 shift + 1
        p00, p01, p10, p11 = m00[:-shift], m01[:-shift], m10[:-shift], m11[:-shift]
        q00, q01, q10, q11 = m00[shift:], m01[shift:], m10[shift:], m11[shift:]
        v0 = q00 * u0[:-shift] + q01 * u1[:-shift] + u0[shift:]
        v1 = q10 * u0[:-shift] + q11 * u1[:-shift] + u1[shift:]
        n00, n01 = q00 * p00 + q01 * p10, q00 * p01 + q01 * p11
        n10, n11 = q10 * p00 + q11 * p10, q10 * p01 + q11 * p11
        m00[shift:], m01[shift:], m10[shift:], m11[shift:] = n00, n01, n10, n11
        u0[shift:], u1[shift:] = v0, v1
        shift *= 2
    starts = np.zeros_like(ends)
    starts[1:, 0], starts[1:, 1] = u0[:-1], u1[:-1]
    return starts
