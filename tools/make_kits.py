#!/usr/bin/env python3
"""Synthesize the kits that ship with beatseq: two drum kits and a kit of chords to chop.

Running this script writes

* ``samples/808/``: a TR-808 style kit (kick, snare, clap, rim, closed/open/pedal
  hats, three toms, cowbell, shaker, crash and a long 808 bass tuned to F1) for trap,
  drill, Memphis, g-funk and jersey club;
* ``samples/boom/``: a dusty boom-bap kit (acoustic-style kick, snare, rim, clap,
  snap, hats, tambourine, shaker, conga, ride and crash) given the grit of a sampled
  break: tape saturation, a vinyl noise floor inside each sound's envelope, and an
  SP-1200 style 26.04 kHz / 12-bit sampler stage;
* ``samples/chops/``: chords to chop and play across the keys (an Fm9 on beatseq's
  own FM electric piano, given the boom kit's grit), for the melodic sampler;
* a ``kit.toml`` manifest per kit (read by ``beatseq.formats.kits``) and
  ``samples/README.md`` with the figures measured on the written files.

Every sound is original synthesis by the beatseq project: no recordings and no
third-party samples went into them. They are released under CC0-1.0 (public domain
dedication), so producers can use them in anything without credit.

All randomness comes from fixed seeds: running the script twice gives byte-identical
files. Regenerate with::

    python tools/make_kits.py            # write samples/ and print the measurements
    python tools/make_kits.py --report   # only measure the files already in samples/

File format: WAV, 44.1 kHz, 24-bit PCM, mono (the crashes and the ride are stereo).
Each file starts at the sound's onset with a first sample of exactly 0.0, is
peak-normalized to -1 dBFS (the manifest gains balance the kit), is cut where the tail
(20 ms RMS) falls below -70 dBFS and ends with a short fade so the last sample is 0.

Needs numpy, scipy and soundfile.
"""

from __future__ import annotations

import argparse
import math
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

SR = 44100
"""Sample rate of every file."""
PEAK_DBFS = -1.0
"""Every sound is peak-normalized to this level."""
TAIL_DBFS = -70.0
"""A sound ends where its tail (20 ms RMS) falls below this level for good."""
ONSET_DB = -40.0
"""A sound starts where it first rises above this level relative to its peak..."""
PREROLL = 4
"""...less this many samples."""
FADE_IN = 16
"""Samples of fade-in, so the first sample is exactly 0 but the attack stays sharp."""
FADE_OUT = 0.010
"""Seconds of fade-out at the end of every sound."""
SEED = 1980
"""Root of every random stream (the TR-808 came out in 1980)."""

F1 = 440.0 * 2.0 ** ((29 - 69) / 12)
"""MIDI note 29, the note the 808 bass is tuned to: 43.654 Hz."""
METAL_808 = (205.3, 304.4, 369.6, 522.7, 540.0, 800.0)
"""The six square-wave oscillators of the TR-808's cymbal and hi-hat circuit (Hz)."""
SP1200_RATE = 26040
"""Sample rate of the E-mu SP-1200 (Hz)."""
SP1200_BITS = 12
"""Bit depth of the SP-1200 (and of the Akai MPC60)."""

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
LICENCE = "CC0-1.0 (synthesized by tools/make_kits.py)"

Signal = np.ndarray
"""Float samples at SR: shape (n,) for mono, (n, 2) for stereo."""


# --------------------------------------------------------------------------- basics


def time_axis(duration: float) -> Signal:
    """Sample times (s) of a sound `duration` seconds long."""
    return np.arange(round(duration * SR)) / SR


def undb(level_db: float) -> float:
    return 10.0 ** (level_db / 20.0)


def db(amplitude: float) -> float:
    return 20.0 * math.log10(max(amplitude, 1e-12))


def rng_for(kit: str, sound: str) -> np.random.Generator:
    """The random stream of one sound: fixed, and independent of the other sounds."""
    return np.random.default_rng([SEED, zlib.crc32(f"{kit}/{sound}".encode())])


def noise(t: Signal, rng: np.random.Generator) -> Signal:
    """White noise, unit RMS, as long as `t`."""
    return rng.standard_normal(len(t))


def normalize(x: Signal, peak: float = 1.0) -> Signal:
    return x * (peak / np.max(np.abs(x)))


def per_channel(process: Callable[[Signal], Signal], x: Signal) -> Signal:
    """Apply a mono `process` to each channel of `x`."""
    if x.ndim == 1:
        return process(x)
    return np.stack([process(channel) for channel in x.T], axis=1)


def stereo(take: Callable[[], Signal], width: float = 0.6) -> Signal:
    """A stereo pair from three takes of the same sound (each with its own random
    phases and noise): a shared one in both channels plus one of its own per side.
    `width` 0 is mono, 1 is two unrelated channels (L/R correlation ~ 1 - width)."""
    shared, left, right = take(), take(), take()
    own = math.sqrt(width)
    common = math.sqrt(1.0 - width) * shared
    return np.stack([common + own * left, common + own * right], axis=1)


def moving_rms(x: Signal, window: float) -> Signal:
    """RMS level over a sliding (centred) window of `window` seconds, all channels."""
    power = x**2 if x.ndim == 1 else np.mean(x**2, axis=1)
    box = np.ones(max(round(window * SR), 1))
    return np.sqrt(np.maximum(np.convolve(power, box / len(box), mode="same"), 0.0))


def mix(*layers: Signal) -> Signal:
    """Sum layers of different lengths (they all start at sample 0)."""
    out = np.zeros(max(len(layer) for layer in layers))
    for layer in layers:
        out[: len(layer)] += layer
    return out


# --------------------------------------------------------------------------- envelopes


def decay(t: Signal, t60: float) -> Signal:
    """Exponential decay from 1 that reaches -60 dB after `t60` seconds."""
    return 10.0 ** (-3.0 * np.maximum(t, 0.0) / t60)


def rise(t: Signal, seconds: float) -> Signal:
    """Smooth (sine-squared) attack from 0 to 1 over `seconds` (0: instant)."""
    if seconds <= 0.0:
        return np.ones_like(t)
    return np.sin(0.5 * np.pi * np.clip(t / seconds, 0.0, 1.0)) ** 2


def hit(t: Signal, start: float, t60: float) -> Signal:
    """An instant attack at `start` followed by an exponential decay."""
    return np.where(t >= start, decay(t - start, t60), 0.0)


def release(t: Signal, start: float, end: float) -> Signal:
    """1 until `start`, then a cosine fade reaching 0 at `end`."""
    return np.cos(0.5 * np.pi * np.clip((t - start) / (end - start), 0.0, 1.0)) ** 2


# --------------------------------------------------------------------------- oscillators


def glide(t: Signal, f_start: float, f_end: float, time_constant: float) -> Signal:
    """A frequency curve falling exponentially from `f_start` to `f_end` (Hz)."""
    return f_end + (f_start - f_end) * np.exp(-t / time_constant)


def sine(freq: Signal | float, t: Signal, phase: float = 0.0) -> Signal:
    """Sine following an instantaneous frequency (Hz); phase accumulates, so sweeps are
    smooth, and the first sample is sin(phase)."""
    freq = np.broadcast_to(np.asarray(freq, dtype=float), t.shape)
    cycles = np.concatenate(([0.0], np.cumsum(freq[:-1]) / SR))
    return np.sin(2.0 * np.pi * cycles + phase)


def square(freq: float, t: Signal, phase: float = 0.0) -> Signal:
    """Band-limited square wave (odd harmonics up to 20 kHz, so nothing aliases)."""
    out = np.zeros_like(t)
    for k in range(1, int(20000.0 / freq) + 1, 2):
        out += np.sin(k * (2.0 * np.pi * freq * t + phase)) / k
    return out * (4.0 / np.pi)


def partials(
    t: Signal,
    freqs: np.ndarray,
    amps: np.ndarray,
    t60s: np.ndarray,
    rng: np.random.Generator,
) -> Signal:
    """A sum of decaying sine partials with random phases (bells, cymbals, jingles)."""
    out = np.zeros_like(t)
    for freq, amp, t60 in zip(freqs, amps, t60s, strict=True):
        out += amp * np.sin(2.0 * np.pi * freq * t + rng.uniform(0, 2 * np.pi)) * decay(t, t60)
    return out


def metal_808(t: Signal, rng: np.random.Generator) -> Signal:
    """The TR-808 metal source: its six square oscillators summed (free-running, so
    each starts at a random phase)."""
    return sum(square(f, t, rng.uniform(0, 2 * np.pi)) for f in METAL_808) / len(METAL_808)


# --------------------------------------------------------------------------- filters


def _butter(x: Signal, cutoff: float | tuple[float, float], btype: str, order: int) -> Signal:
    sos = signal.butter(order, cutoff, btype=btype, fs=SR, output="sos")
    return signal.sosfilt(sos, x, axis=0)


def lowpass(x: Signal, cutoff: float, order: int = 2) -> Signal:
    return _butter(x, cutoff, "lowpass", order)


def highpass(x: Signal, cutoff: float, order: int = 2) -> Signal:
    return _butter(x, cutoff, "highpass", order)


def bandpass(x: Signal, low: float, high: float, order: int = 2) -> Signal:
    return _butter(x, (low, high), "bandpass", order)


def smooth(x: Signal, time_constant: float) -> Signal:
    """One-pole low-pass smoothing (an envelope follower when fed |x|)."""
    a = math.exp(-1.0 / (time_constant * SR))
    return signal.lfilter([1.0 - a], [1.0, -a], x)


def room(
    x: Signal,
    rng: np.random.Generator,
    t60: float,
    wet: float,
    predelay: float = 0.004,
    damping: float = 5000.0,
) -> Signal:
    """A small room: convolution with a decaying, low-passed noise impulse response.
    The output is longer than `x` by the length of the reverb tail."""
    t = time_axis(t60)
    response = lowpass(noise(t, rng) * decay(t, t60), damping)
    response[: round(predelay * SR)] = 0.0
    response /= np.sqrt(np.sum(response**2))
    return mix(x, wet * signal.fftconvolve(x, response))


# --------------------------------------------------------------------------- saturation and lo-fi


def soft_clip(x: Signal, drive: float) -> Signal:
    """Tape-like tanh saturation; an input of 1 still comes out as 1."""
    return np.tanh(drive * x) / math.tanh(drive)


def soft_knee(x: Signal, threshold: float, ceiling: float = 1.0) -> Signal:
    """Linear below `threshold`, then bending smoothly (tanh) towards `ceiling`.
    Symmetric, so it adds odd harmonics and no DC."""
    over = np.maximum(np.abs(x) - threshold, 0.0)
    room_left = ceiling - threshold
    bent = threshold + room_left * np.tanh(over / room_left)
    return np.where(np.abs(x) <= threshold, x, np.sign(x) * bent)


def bit_crush(x: Signal, bits: int) -> Signal:
    """Quantize to `bits` bits (signal expected within -1..1), without dither."""
    steps = 2 ** (bits - 1) - 1
    return np.round(np.clip(x, -1.0, 1.0) * steps) / steps


def resample(x: Signal, rate_from: int, rate_to: int) -> Signal:
    """Band-limited (polyphase FIR) sample-rate conversion."""
    ratio = Fraction(rate_to, rate_from)
    return signal.resample_poly(x, ratio.numerator, ratio.denominator, axis=0)


def sampler(x: Signal, rate: int = SP1200_RATE, bits: int = SP1200_BITS) -> Signal:
    """An SP-1200 / MPC60 style sampler: record at a healthy level at `rate` with
    `bits` bits, then play back at 44.1 kHz. The anti-alias filter removes everything
    above rate/2 (13 kHz for the SP-1200) and the quantization makes tails grainy."""
    band_limited = lowpass(x, 0.46 * rate, order=8)  # the input anti-alias filter
    low = resample(normalize(band_limited, 0.9), SR, rate)
    return resample(bit_crush(low, bits), rate, SR)


def vinyl(
    x: Signal,
    rng: np.random.Generator,
    hiss_db: float = -34.0,
    crackle_db: float = -24.0,
    crackles_per_second: float = 30.0,
) -> Signal:
    """A vinyl noise floor (hiss and crackle) that lives inside the sound's envelope:
    it follows the sound's level and disappears with it."""
    envelope = smooth(np.abs(x), 0.012)
    hiss = bandpass(rng.standard_normal(len(x)), 400.0, 9000.0)
    hiss /= np.sqrt(np.mean(hiss**2))
    clicks = (rng.random(len(x)) < crackles_per_second / SR) * rng.uniform(-1, 1, len(x))
    crackle = highpass(clicks, 1500.0)
    return x + envelope * (undb(hiss_db) * hiss + undb(crackle_db) * crackle)


def sampled_break(x: Signal, rng: np.random.Generator) -> Signal:
    """The boom kit's grit: tape, then vinyl, then the sampler."""

    def grit(channel: Signal) -> Signal:
        taped = soft_clip(normalize(channel), drive=1.8)
        return sampler(vinyl(taped, rng))

    return per_channel(grit, normalize(x))


# --------------------------------------------------------------------------- finishing


def finish(x: Signal) -> Signal:
    """Make a raw sound a shippable file: remove DC, start at the onset, normalize to
    PEAK_DBFS, cut where the tail's level (20 ms RMS) falls below TAIL_DBFS for good,
    and fade both ends to exactly 0."""
    x = highpass(np.asarray(x, dtype=float), 5.0, order=1)  # DC blocker (a coupling cap)
    level = np.abs(x) if x.ndim == 1 else np.max(np.abs(x), axis=1)
    onset = int(np.argmax(level > level.max() * undb(ONSET_DB)))
    x = x[max(onset - PREROLL, 0) :] * (undb(PEAK_DBFS) / level.max())
    end = int(np.nonzero(moving_rms(x, 0.020) > undb(TAIL_DBFS))[0][-1]) + 1
    x = x[:end].copy()

    fade_in = np.sin(0.5 * np.pi * np.arange(FADE_IN) / FADE_IN) ** 2
    n_out = min(round(FADE_OUT * SR), len(x) // 4)
    fade_out = np.cos(0.5 * np.pi * np.arange(1, n_out + 1) / n_out) ** 2
    fade_out[-1] = 0.0
    if x.ndim == 2:
        fade_in, fade_out = fade_in[:, None], fade_out[:, None]
    x[:FADE_IN] *= fade_in
    x[-n_out:] *= fade_out
    return x * (undb(PEAK_DBFS) / np.max(np.abs(x)))


# =========================================================================== 808 kit
# Modelled on the TR-808 voice circuits. Frequencies are the usual measured ones.


def kick_808(rng: np.random.Generator) -> Signal:
    """Bridged-T kick: a decaying sine that sweeps from 150 Hz down to 52 Hz in a few
    milliseconds, with the trigger pulse's click on top."""
    t = time_axis(0.9)
    body = sine(glide(t, 150.0, 52.0, 0.008), t) * decay(t, 0.52)
    body = soft_clip(body, 1.4)
    click = bandpass(noise(t, rng), 1000.0, 5000.0) * decay(t, 0.006) * 0.12
    return body + click


def snare_808(rng: np.random.Generator) -> Signal:
    """Two bridged-T resonators (~180 Hz and ~330 Hz) plus high-passed 'snappy' noise."""
    t = time_axis(0.5)
    low = sine(glide(t, 200.0, 180.0, 0.010), t) * decay(t, 0.20)
    high = sine(glide(t, 360.0, 330.0, 0.010), t) * decay(t, 0.12) * 0.55
    snappy = highpass(lowpass(noise(t, rng), 12000.0), 1800.0) * decay(t, 0.24) * 0.55
    return low + high + snappy


def clap_808(rng: np.random.Generator) -> Signal:
    """Four sawtooth-enveloped noise bursts ~10 ms apart, then a band-passed (~1 kHz)
    noise 'reverb' tail."""
    t = time_axis(0.5)
    bursts = sum(
        hit(t, start, 0.026) * amp
        for start, amp in ((0.0, 0.85), (0.0105, 1.0), (0.0205, 0.9), (0.0310, 0.95))
    )
    tail = hit(t, 0.0310, 0.32) * 0.45 * rise(t - 0.031, 0.003)
    excitation = noise(t, rng)
    return bandpass(excitation * bursts, 700.0, 2200.0) + bandpass(excitation * tail, 800.0, 1400.0)


def rim_808(rng: np.random.Generator) -> Signal:
    """Rim shot: two very short high-Q resonances (~1.7 kHz and ~500 Hz), high-passed
    and slightly overdriven, like the 808's rim circuit."""
    t = time_axis(0.12)
    ring = sine(1700.0, t) * decay(t, 0.028) + sine(500.0, t) * decay(t, 0.042) * 0.8
    click = highpass(noise(t, rng), 3000.0) * decay(t, 0.003) * 0.3
    return soft_clip(highpass(ring + click, 300.0), 2.0)


def _hat_808(rng: np.random.Generator, duration: float, t60: float, attack: float) -> Signal:
    """The 808 hi-hat: the six-oscillator metal source band-passed to ~7-12 kHz."""
    t = time_axis(duration)
    metal = highpass(bandpass(metal_808(t, rng), 6500.0, 12500.0), 7000.0)
    envelope = decay(t, t60) * rise(t, attack)
    return metal * envelope


def closed_hat_808(rng: np.random.Generator) -> Signal:
    return _hat_808(rng, 0.15, t60=0.05, attack=0.0)


def open_hat_808(rng: np.random.Generator) -> Signal:
    return _hat_808(rng, 0.8, t60=0.45, attack=0.0)


def pedal_hat_808(rng: np.random.Generator) -> Signal:
    return _hat_808(rng, 0.25, t60=0.09, attack=0.004)


def _tom_808(rng: np.random.Generator, freq: float, t60: float) -> Signal:
    """808 tom: a sine sweeping down ~15 % onto its pitch, plus a touch of pink-ish noise."""
    t = time_axis(t60 * 1.3)
    body = sine(glide(t, freq * 1.15, freq, 0.06), t) * decay(t, t60)
    pink = lowpass(noise(t, rng), 2500.0, order=1) * decay(t, t60 * 0.35) * 0.06
    return body + pink


def tom_low_808(rng: np.random.Generator) -> Signal:
    return _tom_808(rng, 90.0, 0.65)


def tom_mid_808(rng: np.random.Generator) -> Signal:
    return _tom_808(rng, 130.0, 0.55)


def tom_high_808(rng: np.random.Generator) -> Signal:
    return _tom_808(rng, 190.0, 0.45)


def cowbell_808(rng: np.random.Generator) -> Signal:
    """Two square waves (540 Hz and 800 Hz) through a band-pass, with the 808's
    two-stage envelope: a fast drop, then a longer tail."""
    t = time_axis(0.7)
    tone = square(540.0, t) + square(800.0, t)
    tone = bandpass(tone, 500.0, 3500.0)
    return tone * (0.7 * decay(t, 0.07) + 0.3 * decay(t, 0.55))


def shaker_808(rng: np.random.Generator) -> Signal:
    """Band-passed noise with a slow-ish swelling attack (peak at ~20 ms), ~120 ms audible."""
    t = time_axis(0.3)
    return bandpass(noise(t, rng), 4000.0, 12000.0) * rise(t, 0.045) * decay(t, 0.13)


def crash_808(rng: np.random.Generator) -> Signal:
    """808 cymbal, stereo: the metal source ring-modulated with itself for density,
    plus noise, split into three bands that decay at different rates (~2 s overall)."""
    t = time_axis(2.6)

    def take() -> Signal:
        source = metal_808(t, rng) * (1.0 + metal_808(t, rng)) + 0.25 * noise(t, rng)
        low = bandpass(source, 3000.0, 5500.0) * decay(t, 0.6) * 0.8
        mid = bandpass(source, 5500.0, 9000.0) * decay(t, 1.6) * 1.0
        top = highpass(source, 9000.0, order=4) * decay(t, 2.3) * 0.45
        return (low + mid + top) * rise(t, 0.0015)

    return stereo(take)


def bass_808(rng: np.random.Generator) -> Signal:
    """The long 808 bass: a sine gliding down an octave onto F1 (MIDI 29, 43.654 Hz)
    in 30 ms, then held exactly on F1; driven into a soft knee so its odd harmonics
    carry it on small speakers; ~2.8 s decay."""
    t = time_axis(3.0)
    glide_time = 0.030
    semitones = 12.0 * np.clip(1.0 - t / glide_time, 0.0, 1.0) ** 2  # exactly 0 after 30 ms
    tone = sine(F1 * 2.0 ** (semitones / 12.0), t)
    envelope = decay(t, 3.6) * release(t, 2.2, 2.85)
    return soft_knee(4.0 * envelope * tone, threshold=0.3)


# =========================================================================== boom kit
# Acoustic-style drums; every sound then goes through sampled_break().


def kick_boom(rng: np.random.Generator) -> Signal:
    """Punchy acoustic kick: membrane at ~62 Hz after a fast pitch drop, a second mode,
    a felt-beater click and a short room."""
    t = time_axis(0.45)
    body = sine(glide(t, 110.0, 62.0, 0.012), t) * decay(t, 0.36)
    overtone = sine(glide(t, 180.0, 104.0, 0.015), t) * decay(t, 0.12) * 0.25
    beater = bandpass(noise(t, rng), 1500.0, 6000.0) * decay(t, 0.010) * 0.25
    thump = lowpass(noise(t, rng), 400.0) * decay(t, 0.03) * 0.5
    return room(body + overtone + beater + thump, rng, t60=0.16, wet=0.10, damping=3000.0)


def snare_boom(rng: np.random.Generator) -> Signal:
    """Cracking snare: a ~200 Hz shell/membrane with two higher modes, a stick crack,
    bright wire rattle and a short room."""
    t = time_axis(0.32)
    body = (
        sine(glide(t, 235.0, 200.0, 0.008), t) * decay(t, 0.16)
        + sine(318.0, t) * decay(t, 0.10) * 0.45
        + sine(441.0, t) * decay(t, 0.07) * 0.25
    )
    crack = highpass(noise(t, rng), 1200.0) * decay(t, 0.008) * 0.9
    wires = bandpass(noise(t, rng), 2000.0, 11000.0) * rise(t, 0.002) * decay(t, 0.22) * 0.9
    return room(body + crack + wires, rng, t60=0.35, wet=0.28, damping=7000.0)


def rim_boom(rng: np.random.Generator) -> Signal:
    """Cross-stick: a woody click with a few short resonances and a small room."""
    t = time_axis(0.12)
    wood = (
        sine(520.0, t) * decay(t, 0.05)
        + sine(1180.0, t) * decay(t, 0.04) * 0.7
        + sine(2350.0, t) * decay(t, 0.025) * 0.35
    )
    click = highpass(noise(t, rng), 2000.0) * decay(t, 0.004) * 0.5
    return room(wood + click, rng, t60=0.22, wet=0.22)


def clap_boom(rng: np.random.Generator) -> Signal:
    """A few people clapping: four loose bursts and a roomy band-passed tail."""
    t = time_axis(0.35)
    bursts = sum(
        bandpass(noise(t, rng), 900.0, 3500.0) * hit(t, start, 0.03) * amp
        for start, amp in ((0.0, 0.6), (0.007, 0.9), (0.016, 0.75), (0.025, 1.0))
    )
    tail = bandpass(noise(t, rng), 700.0, 2500.0) * hit(t, 0.025, 0.22) * 0.3
    return room(bursts + tail, rng, t60=0.4, wet=0.25, damping=6000.0)


def snap_boom(rng: np.random.Generator) -> Signal:
    """Finger snap: a very fast bright crack (~2.5 kHz) with a little room."""
    t = time_axis(0.10)
    crack = bandpass(noise(t, rng), 1800.0, 5000.0) * decay(t, 0.018)
    pop = sine(2600.0, t) * decay(t, 0.03) * 0.5 + sine(950.0, t) * decay(t, 0.02) * 0.25
    return room(crack + pop, rng, t60=0.3, wet=0.3, damping=7000.0)


def _cymbal(
    rng: np.random.Generator,
    t: Signal,
    count: int,
    low: float,
    high: float,
    t60: tuple[float, float],
) -> Signal:
    """Inharmonic cymbal partials, log-spread between `low` and `high` Hz, tilting
    down in level with frequency, each with its own decay."""
    freqs = np.exp(rng.uniform(math.log(low), math.log(high), count))
    amps = rng.uniform(0.3, 1.0, count) * (freqs / 1000.0) ** -0.3
    t60s = rng.uniform(*t60, count)
    return partials(t, freqs, amps, t60s, rng) / math.sqrt(count)


def _hat_boom(
    rng: np.random.Generator,
    duration: float,
    t60: float,
    attack: float,
    chatter: float,
    chick: float,
) -> Signal:
    """A loose acoustic hi-hat: metallic partials plus noise, a stick tick, the two
    cymbals chattering (a second small hit), and for the pedal a low 'chick'."""
    t = time_axis(duration)
    metal = _cymbal(rng, t, 40, 3000.0, 15000.0, (t60 * 0.8, t60 * 1.3))
    sizzle = highpass(noise(t, rng), 5000.0) * decay(t, t60) * 0.35
    envelope = rise(t, attack) * (1.0 + chatter * hit(t, 0.011, t60 * 0.6))
    tick = bandpass(noise(t, rng), 3000.0, 8000.0) * decay(t, 0.006) * 0.4
    thud = bandpass(noise(t, rng), 400.0, 1200.0) * rise(t, attack) * decay(t, 0.03) * chick
    return highpass((metal + sizzle) * envelope, 3500.0) + tick + thud


def closed_hat_boom(rng: np.random.Generator) -> Signal:
    return _hat_boom(rng, 0.25, t60=0.11, attack=0.0, chatter=0.4, chick=0.0)


def open_hat_boom(rng: np.random.Generator) -> Signal:
    return _hat_boom(rng, 1.1, t60=0.8, attack=0.0, chatter=0.2, chick=0.0)


def pedal_hat_boom(rng: np.random.Generator) -> Signal:
    return _hat_boom(rng, 0.25, t60=0.08, attack=0.003, chatter=0.0, chick=0.15)


def tambourine_boom(rng: np.random.Generator) -> Signal:
    """Tambourine: jingle partials (5-12 kHz) re-struck by a quick run of jingle hits."""
    t = time_axis(0.45)
    count = 16
    freqs = rng.uniform(5000.0, 12000.0, count)
    out = np.zeros_like(t)
    for start, amp in (
        (0.0, 1.0),
        (0.004, 0.7),
        (0.009, 0.8),
        (0.016, 0.55),
        (0.024, 0.45),
        (0.035, 0.3),
        (0.050, 0.2),
    ):
        shifted = np.maximum(t - start, 0.0)
        ring = partials(
            shifted, freqs, rng.uniform(0.4, 1.0, count), rng.uniform(0.12, 0.3, count), rng
        )
        out += amp * np.where(t >= start, ring, 0.0)
    shimmer = highpass(noise(t, rng), 6000.0) * decay(t, 0.12) * 0.15
    return out / math.sqrt(count) + shimmer


def shaker_boom(rng: np.random.Generator) -> Signal:
    """Shaker: grains of seed hits whose density swells and decays, band-passed."""
    t = time_axis(0.35)
    envelope = rise(t, 0.05) * decay(t, 0.16)
    grains = (rng.random(len(t)) < 0.15 * envelope) * rng.uniform(-1, 1, len(t))
    bed = noise(t, rng) * envelope * 0.15
    return bandpass(grains + bed, 3000.0, 10000.0)


def conga_boom(rng: np.random.Generator) -> Signal:
    """Open conga tone: membrane at ~220 Hz with its higher modes, a palm slap and
    a little room."""
    t = time_axis(0.55)
    body = (
        sine(glide(t, 245.0, 220.0, 0.02), t) * decay(t, 0.45)
        + sine(335.0, t) * decay(t, 0.22) * 0.35
        + sine(495.0, t) * decay(t, 0.12) * 0.15
    )
    slap = bandpass(noise(t, rng), 800.0, 5000.0) * decay(t, 0.012) * 0.3
    return room(body + slap, rng, t60=0.25, wet=0.15)


def ride_boom(rng: np.random.Generator) -> Signal:
    """Ride, stereo: a stick ping, dense bow partials, the bell's inharmonic tone
    and a slowly blooming wash."""
    t = time_axis(3.0)
    bell_freqs = np.array([742.0, 1128.0, 1617.0, 2048.0, 2871.0])
    bell_amps = np.array([1.0, 0.6, 0.5, 0.35, 0.25])

    def take() -> Signal:
        bow = _cymbal(rng, t, 80, 600.0, 14000.0, (1.4, 2.4))
        bell = partials(t, bell_freqs, bell_amps, np.full(5, 2.2), rng) * 0.12
        ping = bandpass(noise(t, rng), 2500.0, 7000.0) * decay(t, 0.03) * 0.5
        wash = bandpass(noise(t, rng), 4000.0, 12000.0) * rise(t, 0.03) * decay(t, 2.2) * 0.06
        return bow + bell + ping + wash

    return stereo(take)


def crash_boom(rng: np.random.Generator) -> Signal:
    """Crash, stereo: a dense, bright burst of partials and noise wash, ~2 s."""
    t = time_axis(2.8)

    def take() -> Signal:
        body = _cymbal(rng, t, 120, 600.0, 15000.0, (1.2, 2.2))
        wash = highpass(noise(t, rng), 2500.0) * rise(t, 0.004) * decay(t, 1.9) * 0.5
        return body + wash

    return stereo(take)


# =========================================================================== kits


@dataclass(frozen=True)
class Sound:
    name: str
    make: Callable[[np.random.Generator], Signal]
    models: str
    gain: float
    note: int
    channel: int = 10
    choke: str | None = None
    pan: float | None = None
    root: int | None = None
    mono: bool = False
    """Each hit cuts the one before (the 808 bass is monophonic)."""


@dataclass(frozen=True)
class Kit:
    name: str
    comment: str
    description: str
    sounds: tuple[Sound, ...]
    sampled: bool
    """True: every sound goes through sampled_break() before finishing."""


KIT_808 = Kit(
    name="808",
    comment="TR-808 style drum kit and 808 bass, synthesized by tools/make_kits.py (CC0)",
    description=(
        "TR-808 style kit: bridged-T kick, snare, clap, rim, six-oscillator hats "
        "and crash, toms, cowbell, shaker and a long 808 bass tuned to F1. "
        "For trap, drill, Memphis, g-funk and jersey club."
    ),
    sampled=False,
    sounds=(
        Sound("kick", kick_808, "bridged-T kick, 52 Hz after a 150 Hz sweep, click", -1.0, 36),
        Sound("snare", snare_808, "180 + 330 Hz resonators and high-passed snappy noise", 0.0, 38),
        Sound("clap", clap_808, "4 noise bursts 10 ms apart, ~1 kHz band-passed tail", -0.5, 39),
        Sound("rim", rim_808, "rim shot: 1.7 kHz + 500 Hz high-Q click", -5.0, 37),
        Sound(
            "closed-hat",
            closed_hat_808,
            "six square oscillators, 7-12 kHz band, short",
            -6.0,
            42,
            choke="hats",
        ),
        Sound(
            "pedal-hat",
            pedal_hat_808,
            "six square oscillators, soft attack, ~90 ms",
            -8.0,
            44,
            choke="hats",
        ),
        Sound(
            "open-hat",
            open_hat_808,
            "six square oscillators, 7-12 kHz band, long",
            -9.0,
            46,
            choke="hats",
        ),
        Sound(
            "tom-low",
            tom_low_808,
            "sine sweeping down to 90 Hz, touch of noise",
            -5.5,
            41,
            pan=-0.3,
        ),
        Sound("tom-mid", tom_mid_808, "sine sweeping down to 130 Hz, touch of noise", -6.0, 45),
        Sound(
            "tom-high",
            tom_high_808,
            "sine sweeping down to 190 Hz, touch of noise",
            -6.5,
            48,
            pan=0.3,
        ),
        Sound(
            "cowbell",
            cowbell_808,
            "540 + 800 Hz squares, band-passed, two-stage decay",
            -6.0,
            56,
            pan=0.15,
        ),
        Sound(
            "shaker", shaker_808, "band-passed noise with a swelling attack", -14.0, 70, pan=-0.15
        ),
        Sound(
            "crash", crash_808, "ring-modulated metal source + noise in 3 bands (stereo)", -10.0, 49
        ),
        Sound(
            "808",
            bass_808,
            "sine tuned to F1 (43.654 Hz) after an octave glide, soft knee",
            -2.5,
            29,
            channel=2,
            root=29,
            mono=True,
        ),
    ),
)

KIT_BOOM = Kit(
    name="boom",
    comment="Dusty boom-bap drum kit, synthesized by tools/make_kits.py (CC0)",
    description=(
        "Dusty boom-bap kit: acoustic-style drums as if sampled from a break, with "
        "tape saturation, vinyl noise and SP-1200 style 26 kHz / 12-bit grit."
    ),
    sampled=True,
    sounds=(
        Sound("kick", kick_boom, "acoustic kick, ~63 Hz body, beater click, short room", -1.0, 36),
        Sound("snare", snare_boom, "200 Hz body, stick crack, bright wires, room", 0.0, 38),
        Sound("rim", rim_boom, "cross-stick: woody 520 Hz / 1.2 kHz click", -4.0, 37),
        Sound("clap", clap_boom, "4 loose hand-clap bursts and a roomy tail", -2.0, 39),
        Sound("snap", snap_boom, "finger snap, bright ~2.5 kHz crack", -3.0, 40),
        Sound(
            "closed-hat",
            closed_hat_boom,
            "loose closed hat: partials + noise + chatter",
            -8.0,
            42,
            choke="hats",
        ),
        Sound("pedal-hat", pedal_hat_boom, "foot-closed hat 'chick'", -8.0, 44, choke="hats"),
        Sound(
            "open-hat",
            open_hat_boom,
            "open hat: metallic partials + sizzle",
            -9.0,
            46,
            choke="hats",
        ),
        Sound(
            "tambourine",
            tambourine_boom,
            "jingle partials 5-12 kHz, struck in a run",
            -12.0,
            54,
            pan=0.25,
        ),
        Sound("shaker", shaker_boom, "granular seed hits, band-passed", -9.0, 70, pan=-0.25),
        Sound("conga", conga_boom, "open conga tone ~220 Hz with slap", -6.0, 63, pan=-0.2),
        Sound("ride", ride_boom, "ride: ping, bow partials, bell tone, wash (stereo)", -13.0, 51),
        Sound("crash", crash_boom, "bright crash, partials + noise wash (stereo)", -12.0, 49),
    ),
)

# ========================================================================= chops kit


def rhodes_chord(rng: np.random.Generator) -> Signal:
    """An Fm9 (F3 Ab3 C4 Eb4 G4) on beatseq's own FM electric piano, voiced and struck
    a little unevenly by hand, held 2 s then released: the chord a producer would
    lift from a soul record's intro to chop."""
    from beatseq.engine.fm import render_keys
    from beatseq.engine.synthnote import NoteSpec
    from beatseq.model.synth import SYNTH_PRESETS, Keys

    keys = SYNTH_PRESETS["rhodes"]
    assert isinstance(keys, Keys)
    gate = int(2.0 * SR)
    out = np.zeros(int(3.5 * SR))
    for number, note in enumerate((53, 56, 60, 63, 67)):
        at = number * int(0.004 * SR) + int(rng.integers(0, int(0.003 * SR)))
        velocity = int(rng.integers(82, 100))
        spec = NoteSpec(note, gate=gate - at, velocity=velocity)
        voice = render_keys(keys, spec, SR).data[0].astype(np.float64) * (velocity / 127) ** 1.5
        end = min(out.shape[0], at + voice.shape[0])
        out[at:end] += voice[: end - at]
    return soft_clip(out * 1.5, 1.2)


KIT_CHOPS = Kit(
    name="chops",
    comment="Chords to chop and play across the keys, synthesized by tools/make_kits.py (CC0)",
    description=(
        "Sampled-record chords to chop: an Fm9 on electric piano with tape, vinyl and "
        "SP-1200 grit. Play it as a melodic sampler: root F3, notes repitch it."
    ),
    sampled=True,
    sounds=(
        Sound(
            "rhodes-fm9",
            rhodes_chord,
            "FM electric piano, Fm9 from F3, struck by hand, 2 s then released",
            -4.0,
            53,
            channel=1,
            root=53,
        ),
    ),
)

KITS = (KIT_808, KIT_BOOM, KIT_CHOPS)


def render(kit: Kit, sound: Sound) -> Signal:
    rng = rng_for(kit.name, sound.name)
    raw = sound.make(rng)
    if kit.sampled:
        raw = sampled_break(raw, rng)
    return finish(raw)


HEADROOM_DB = -6.0
"""Added to every sound's gain in the manifests: the sounds peak at -1 dBFS, and a
full beat of them summed needs room below the master limiter's ceiling."""


def manifest(kit: Kit) -> str:
    lines = [
        f"# {kit.comment}",
        f'name = "{kit.name}"',
        f'description = "{kit.description}"',
        f'licence = "{LICENCE}"',
    ]
    for sound in kit.sounds:
        lines += [
            "",
            f"[sounds.{sound.name}]",
            f'file = "{sound.name}.wav"',
            f"gain = {sound.gain + HEADROOM_DB:.1f}",
            f"note = {sound.note}",
            f"channel = {sound.channel}",
        ]
        if sound.choke is not None:
            lines.append(f'choke = "{sound.choke}"')
        if sound.pan is not None:
            lines.append(f"pan = {sound.pan:.2f}")
        if sound.root is not None:
            lines.append(f"root = {sound.root}")
        if sound.mono:
            lines.append("mono = true")
    return "\n".join(lines) + "\n"


# =========================================================================== measuring


@dataclass(frozen=True)
class Figures:
    length: float
    peak_db: float
    rms_db: float
    peak_hz: float
    centroid_hz: float
    to_20db: float
    to_40db: float
    below_150: float
    above_13k: float


def mono(x: Signal) -> Signal:
    return x if x.ndim == 1 else x.mean(axis=1)


def envelope_db(x: Signal, window: float = 0.005) -> Signal:
    """Sliding RMS level (dB relative to its maximum)."""
    level = moving_rms(mono(x), window)
    return 20.0 * np.log10(np.maximum(level / level.max(), 1e-10))


def decay_time(x: Signal, drop_db: float) -> float:
    """Seconds from the envelope's peak until it has fallen `drop_db` for good."""
    env = envelope_db(x)
    top = int(np.argmax(env))
    return float(np.nonzero(env[top:] >= -drop_db)[0][-1]) / SR


def spectrum(x: Signal) -> tuple[np.ndarray, np.ndarray]:
    """Power spectrum of the whole sound, 20 Hz and up (resolution < 0.2 Hz)."""
    n = max(1 << 18, 1 << (len(x) - 1).bit_length())
    power = np.abs(np.fft.rfft(mono(x), n)) ** 2
    freqs = np.fft.rfftfreq(n, 1.0 / SR)
    keep = freqs >= 20.0
    return freqs[keep], power[keep]


def band_share(x: Signal, low: float, high: float) -> float:
    """Fraction of the sound's energy between `low` and `high` Hz."""
    freqs, power = spectrum(x)
    return float(power[(freqs >= low) & (freqs < high)].sum() / power.sum())


def fundamental(x: Signal, start: float, end: float) -> float:
    """Frequency from rising zero crossings (linearly interpolated) in start..end s."""
    seg = mono(x)[round(start * SR) : round(end * SR)]
    idx = np.nonzero((seg[:-1] < 0.0) & (seg[1:] >= 0.0))[0]
    crossings = idx + seg[idx] / (seg[idx] - seg[idx + 1])
    return float((len(crossings) - 1) * SR / (crossings[-1] - crossings[0]))


def harmonic_levels(x: Signal, f0: float, start: float, end: float, count: int = 5) -> list[float]:
    """Level (dB relative to the fundamental) of harmonics 2..count in start..end s."""
    seg = mono(x)[round(start * SR) : round(end * SR)]
    seg = seg * np.hanning(len(seg))
    n = 1 << 18
    mag = np.abs(np.fft.rfft(seg, n))
    freqs = np.fft.rfftfreq(n, 1.0 / SR)

    def level(f: float) -> float:
        band = (freqs > f * 0.97) & (freqs < f * 1.03)
        return float(mag[band].max())

    base = level(f0)
    return [db(level(f0 * k) / base) for k in range(2, count + 1)]


def burst_peaks(x: Signal, span: float = 0.045) -> list[float]:
    """Times (ms) of separate peaks in the first `span` s of a 1 ms envelope."""
    env = envelope_db(x, window=0.001)[: round(span * SR)]
    half = round(0.004 * SR)
    peaks = []
    for i in range(len(env) - half):
        lo, hi = max(i - half, 0), i + half + 1
        is_peak = env[i] >= env[lo:hi].max() and env[i] > -12.0
        if is_peak and (not peaks or i - peaks[-1] > half):
            peaks.append(i)
    return [1000.0 * i / SR for i in peaks]


def measure(x: Signal) -> Figures:
    freqs, power = spectrum(x)
    magnitude = np.sqrt(power)
    return Figures(
        length=len(x) / SR,
        peak_db=db(float(np.max(np.abs(x)))),
        rms_db=db(float(np.sqrt(np.mean(x**2)))),
        peak_hz=float(freqs[np.argmax(power)]),
        centroid_hz=float(np.sum(freqs * magnitude) / np.sum(magnitude)),
        to_20db=decay_time(x, 20.0),
        to_40db=decay_time(x, 40.0),
        below_150=band_share(x, 0.0, 150.0),
        above_13k=band_share(x, 13000.0, SR / 2),
    )


def note_level(x: Signal, note: int, start: float, end: float) -> float:
    """Level (dB) of the spectrum's peak within a quarter tone of `note`."""
    mono = x if x.ndim == 1 else x.mean(axis=1)
    part = mono[int(start * SR) : int(end * SR)]
    spectrum = np.abs(np.fft.rfft(part * np.hanning(part.shape[0])))
    freqs = np.fft.rfftfreq(part.shape[0], 1 / SR)
    hz = 440.0 * 2.0 ** ((note - 69) / 12)
    band = (freqs > hz * 2 ** (-1 / 24)) & (freqs < hz * 2 ** (1 / 24))
    return db(float(spectrum[band].max()))


def checks(kit: Kit, audio: dict[str, Signal], figures: dict[str, Figures]) -> list[str]:
    """Kit-specific measurements that say whether the sounds are what they claim."""
    lines = []
    if kit.name == "808":
        f0 = fundamental(audio["808"], 0.2, 1.0)
        cents = 1200.0 * math.log2(f0 / F1)
        harm = harmonic_levels(audio["808"], F1, 0.1, 0.5)
        lines.append(
            f"808 bass fundamental over 0.2-1.0 s (zero crossings): {f0:.3f} Hz, "
            f"{cents:+.2f} cents from F1 = {F1:.3f} Hz"
        )
        lines.append(
            "808 bass harmonics over 0.1-0.5 s, dB re fundamental: "
            + ", ".join(f"H{k} {lvl:.1f}" for k, lvl in enumerate(harm, start=2))
        )
        lines.append(f"808 kick strongest peak: {figures['kick'].peak_hz:.1f} Hz")
        lines.append(
            f"808 snare energy 150-250 Hz: {band_share(audio['snare'], 150, 250):.0%}, "
            f"above 2 kHz: {band_share(audio['snare'], 2000, SR / 2):.0%}"
        )
        lines.append(
            "808 clap envelope peaks (ms): "
            + ", ".join(f"{p:.1f}" for p in burst_peaks(audio["clap"]))
        )
    elif kit.name == "chops":
        chord = audio["rhodes-fm9"]
        levels = [note_level(chord, note, 0.3, 1.5) for note in (53, 56, 60, 63, 67)]
        lines.append(
            "chops rhodes-fm9 chord tones over 0.3-1.5 s, dB re the root F3: "
            + ", ".join(
                f"{name} {lvl - levels[0]:+.1f}"
                for name, lvl in zip(("F3", "Ab3", "C4", "Eb4", "G4"), levels, strict=True)
            )
        )
        return lines
    else:
        lines.append(
            f"boom kick energy below 100 Hz: {band_share(audio['kick'], 0, 100):.0%}, "
            f"below 150 Hz: {figures['kick'].below_150:.0%}"
        )
        lines.append(
            f"boom snare energy 150-250 Hz: {band_share(audio['snare'], 150, 250):.0%}, "
            f"above 2 kHz: {band_share(audio['snare'], 2000, SR / 2):.0%}"
        )
        worst = max(figures.values(), key=lambda f: f.above_13k).above_13k
        lines.append(f"boom kit energy above 13 kHz (sampler band limit): at most {worst:.3%}")
        lines.append(
            "boom clap envelope peaks (ms): "
            + ", ".join(f"{p:.1f}" for p in burst_peaks(audio["clap"]))
        )
    closed, opened = figures["closed-hat"], figures["open-hat"]
    lines.append(
        f"{kit.name} hats: centroid closed {closed.centroid_hz:.0f} Hz, "
        f"pedal {figures['pedal-hat'].centroid_hz:.0f} Hz, "
        f"open {opened.centroid_hz:.0f} Hz; "
        f"-40 dB after {closed.to_40db * 1000:.0f} ms (closed) vs "
        f"{opened.to_40db * 1000:.0f} ms (open)"
    )
    return lines


COLUMNS: tuple[tuple[str, Callable[[Figures], str]], ...] = (
    ("length s", lambda f: f"{f.length:.3f}"),
    ("peak dBFS", lambda f: f"{f.peak_db:.2f}"),
    ("RMS dBFS", lambda f: f"{f.rms_db:.1f}"),
    ("strongest Hz", lambda f: f"{f.peak_hz:.1f}"),
    ("centroid Hz", lambda f: f"{f.centroid_hz:.0f}"),
    ("-20 dB ms", lambda f: f"{f.to_20db * 1000:.0f}"),
    ("-40 dB ms", lambda f: f"{f.to_40db * 1000:.0f}"),
    ("<150 Hz", lambda f: f"{f.below_150:.0%}"),
    (">13 kHz", lambda f: f"{f.above_13k:.2%}"),
)
"""The measured figures, in table order: (heading, formatter)."""


@dataclass(frozen=True)
class KitReport:
    kit: Kit
    figures: dict[str, Figures]
    checks: list[str]

    def markdown_table(self) -> list[str]:
        head = "| sound | models | gain dB | note | " + " | ".join(n for n, _ in COLUMNS) + " |"
        rule = "|---|---|--:|--:|" + "--:|" * len(COLUMNS)
        rows = [
            f"| {s.name} | {s.models} | {s.gain:.1f} | {s.note} | "
            + " | ".join(fmt(self.figures[s.name]) for _, fmt in COLUMNS)
            + " |"
            for s in self.kit.sounds
        ]
        return [head, rule, *rows]

    def console(self) -> str:
        widths = [max(len(name), 7) for name, _ in COLUMNS]
        lines = [
            f"\n== {self.kit.name} ==",
            f"{'sound':<11}"
            + "".join(f" {n:>{w}}" for (n, _), w in zip(COLUMNS, widths, strict=True)),
        ]
        for s in self.kit.sounds:
            cells = (fmt(self.figures[s.name]) for _, fmt in COLUMNS)
            lines.append(
                f"{s.name:<11}" + "".join(f" {c:>{w}}" for c, w in zip(cells, widths, strict=True))
            )
        lines += [f"  {line}" for line in self.checks]
        return "\n".join(lines)


def report(kit: Kit, folder: Path) -> KitReport:
    """Measure a kit's files as written."""
    audio = {s.name: sf.read(folder / f"{s.name}.wav")[0] for s in kit.sounds}
    figures = {name: measure(x) for name, x in audio.items()}
    return KitReport(kit, figures, checks(kit, audio, figures))


README_INTRO = """\
# beatseq sample kits

Two drum kits and a kit of chords to chop, synthesized from scratch by
`tools/make_kits.py` (no recordings, no third-party samples). Regenerate them, byte for
byte, with

    python tools/make_kits.py            # write samples/ and print these figures
    python tools/make_kits.py --report   # only measure the files in samples/

## Licence

All sounds and manifests in this folder are original work of the beatseq project,
released under **CC0-1.0** (public domain dedication): use them in anything,
commercial or not, without credit.

## Format

WAV, 44.1 kHz, 24-bit PCM, mono (crashes and the ride are stereo). Each file starts at
the onset (first sample exactly 0.0), is peak-normalized to -1 dBFS, is cut where the
tail (20 ms RMS) falls below -70 dBFS and fades to 0. Each kit's `kit.toml` gives the
gain (dB) that balances the kit, the General MIDI note and channel, the choke group
(the three hats choke each other) and, for the 808 bass, the root note (29 = F1).

Columns: manifest gain and MIDI note; length; peak and RMS level; frequency of the
strongest spectral peak; spectral centroid (magnitude-weighted); time from the envelope
peak (5 ms RMS) until it stays 20 dB / 40 dB below; share of the energy below 150 Hz
and above 13 kHz.
"""

KIT_NOTES = {
    "808": """\
## `808/`: TR-808 style (trap, drill, Memphis, g-funk, jersey club)

Modelled on the TR-808 voice circuits. The `808` bass sits on MIDI channel 2, note 29,
root 29 (F1): play it chromatically from its root.
""",
    "chops": """\
## `chops/`: chords to chop (the melodic sampler)

An Fm9 chord (F3 Ab3 C4 Eb4 G4) on beatseq's own FM electric piano (the `rhodes`
preset), struck a little unevenly, held 2 s and released, then given the boom kit's
tape, vinyl and sampler grit. Root 53 (F3) on MIDI channel 1: a note line plays it
across the keys, repitched from F3 (`Eb3` plays an Ebm9), the classic chopped-sample
instrument.
""",
    "boom": """\
## `boom/`: dusty boom-bap (SP-1200 / MPC60 style sampled break)

Acoustic-style drums, then tape saturation, a vinyl hiss/crackle floor that exists only
inside each sound's envelope, and an SP-1200 style sampler stage (band-limited and
resampled to 26.04 kHz, quantized to 12 bits, then back to 44.1 kHz).
""",
}


def readme(reports: list[KitReport], total_bytes: int) -> str:
    parts = [README_INTRO]
    for kit_report in reports:
        parts += [
            KIT_NOTES[kit_report.kit.name],
            "\n".join(kit_report.markdown_table()),
            "\nMeasured checks:\n",
            "\n".join(f"- {line}" for line in kit_report.checks),
            "",
        ]
    parts.append(f"Total size of the WAV files: {total_bytes / 1e6:.2f} MB.\n")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--report",
        action="store_true",
        help="only measure the files already written, do not synthesize",
    )
    parser.add_argument(
        "--out", type=Path, default=SAMPLES, help="folder to write the kits to (default: samples/)"
    )
    args = parser.parse_args(argv)

    out: Path = args.out
    if not args.report:
        for kit in KITS:
            folder = out / kit.name
            folder.mkdir(parents=True, exist_ok=True)
            for sound in kit.sounds:
                sf.write(folder / f"{sound.name}.wav", render(kit, sound), SR, subtype="PCM_24")
            (folder / "kit.toml").write_text(manifest(kit), encoding="utf-8")

    reports = [report(kit, out / kit.name) for kit in KITS]
    for kit_report in reports:
        print(kit_report.console())
    total = sum(p.stat().st_size for p in out.glob("*/*.wav"))
    print(f"\ntotal size of the WAV files: {total / 1e6:.2f} MB")
    if not args.report:
        (out / "README.md").write_text(readme(reports, total), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
