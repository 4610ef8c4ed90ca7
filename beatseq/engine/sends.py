"""The song's send buses: a reverb and a tempo-synced delay, fed by the tracks' sends.

`Returns` takes the stereo sum of every track's reverb send and delay send for a block
and gives back what the two buses return. Both buses are linear (what goes in twice
as loud comes back twice as loud, and two sends come back as the sum of each), which
is what lets each stem carry its own returns and the stems still sum to the mix.

- Reverb: JUCE's Freeverb as pedalboard's Reverb runs it, fully wet, with its state
  kept (identical samples for any block size): compiled where the kernels are built
  (the same samples as pedalboard's, about three times as fast), else pedalboard's.
- Delay: a feedback delay line whose length is the note value at the song's tempo
  (`[song] bpm`: sections at other tempos keep it); each repeat goes through a
  one-pole low-pass (pedalboard's LowpassFilter) before it is fed back, so the repeats
  grow darker. The line is worked a delay's length at a time, which is exact: every
  sample read was written at least one delay earlier. Compiled where the kernels
  are built (the same samples as with pedalboard's filter).

Live: a change of the delay's length (a tempo change) starts a new line; the old one
rings out its repeats fed with nothing. Return levels glide over a ramp.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from beatseq.engine.effects import Glide, prime, run_plugin
from beatseq.engine.native import address, kernels
from beatseq.model.effects import Delay, Mix, Reverb

QUIET = 1e-7
"""An old delay line is dropped once everything in it is below this."""


COMBS = (1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617)
ALL_PASSES = (556, 441, 341, 225)
"""JUCE's Reverb: its comb and all-pass lengths at 44.1 kHz (the right channel's are
SPREAD longer), scaled to the rate as it scales them."""
SPREAD = 23


class ReverbBus:
    """The reverb send, fully wet. Compiled (`_kernels.c`, `bs_reverb`: the samples of
    pedalboard's Reverb, which is JUCE's) where the kernels are built, else pedalboard's
    Reverb itself."""

    def __init__(self, settings: Reverb, rate: int):
        self.rate = rate
        self.plugin: Any = None
        if kernels is None:
            import pedalboard

            self.plugin = pedalboard.Reverb(wet_level=1.0, dry_level=0.0)
            self.retune(settings)
            prime(self.plugin, 2, rate)
            return
        sizes = [rate * n // 44100 for n in COMBS]
        sizes += [rate * (n + SPREAD) // 44100 for n in COMBS]
        sizes += [rate * n // 44100 for n in ALL_PASSES]
        sizes += [rate * (n + SPREAD) // 44100 for n in ALL_PASSES]
        self.lines = np.zeros(sum(sizes), dtype=np.float32)
        self.ints = np.zeros(24 + 24 + 5, dtype=np.int64)
        self.ints[:24] = sizes
        self.floats = np.zeros(16 + 5 * 3, dtype=np.float32)
        self.smoothed = self.floats[16:].reshape(5, 3)  # current, target, step
        self.smoothed[:, 0] = self.smoothed[:, 1] = _targets(settings)
        self.ramp = math.floor(0.01 * rate)  # JUCE's SmoothedValue: 10 ms
        self._addresses = [address(a) for a in (self.lines, self.ints, self.floats)]

    def retune(self, settings: Reverb) -> None:
        if self.plugin is not None:
            self.plugin.room_size = settings.size
            self.plugin.damping = settings.damping
            self.plugin.width = settings.width
            return
        for k, target in enumerate(_targets(settings)):
            value = self.smoothed[k]
            if target == value[1]:
                continue
            value[1] = target
            if self.ramp <= 0:
                value[0] = target
                continue
            self.ints[48 + k] = self.ramp
            value[2] = (value[1] - value[0]) / np.float32(self.ramp)

    def process(self, send: np.ndarray) -> np.ndarray:
        if self.plugin is not None:
            return run_plugin(self.plugin, send, self.rate)
        send = np.ascontiguousarray(send, dtype=np.float32)
        out = np.empty_like(send)
        kernels.bs_reverb(  # type: ignore[union-attr]
            address(send),
            send.strides[0] // 4,
            send.shape[1],
            address(out),
            out.strides[0] // 4,
            *self._addresses,
        )
        return out


def _targets(settings: Reverb) -> np.ndarray:
    """What JUCE's Reverb ramps its damping, feedback, dry, wet 1 and wet 2 towards
    (`setParameters`, in float32 as it works them out), fully wet."""
    f = np.float32
    wet = f(1.0) * f(3.0)
    width = f(settings.width)
    return np.array(
        [
            f(settings.damping) * f(0.4),
            f(settings.size) * f(0.28) + f(0.7),
            f(0.0) * f(2.0),
            f(0.5) * wet * (f(1.0) + width),
            f(0.5) * wet * (f(1.0) - width),
        ],
        dtype=np.float32,
    )


class DelayLine:
    """The delay send's line and the low-pass on its repeats: compiled (`_kernels.c`,
    `bs_delay`: the samples of pedalboard's LowpassFilter, which is JUCE's first-order
    IIR) where the kernels are built, else pedalboard's LowpassFilter itself."""

    def __init__(self, settings: Delay, bpm: float, rate: int):
        self.rate = rate
        self.length = max(1, round(settings.seconds(bpm) * rate))
        self.feedback = np.float32(settings.feedback)
        self.cutoff = settings.lowpass
        self.lowpass: Any = None
        self.state = np.zeros(2, dtype=np.float32)  # the compiled low-pass's
        self.position = np.zeros(1, dtype=np.int64)  # the next sample written:
        # line[i % length] holds sample i
        if kernels is None:
            import pedalboard

            self.lowpass = pedalboard.LowpassFilter(cutoff_frequency_hz=settings.lowpass)
            prime(self.lowpass, 2, rate)
        self.line = np.zeros((2, self.length), dtype=np.float32)

    def retune(self, settings: Delay) -> None:
        self.feedback = np.float32(settings.feedback)
        self.cutoff = settings.lowpass
        if self.lowpass is not None:
            self.lowpass.cutoff_frequency_hz = settings.lowpass

    def process(self, send: np.ndarray) -> np.ndarray:
        frames = send.shape[1]
        out = np.empty((2, frames), dtype=np.float32)
        if self.lowpass is None:
            send = np.ascontiguousarray(send, dtype=np.float32)
            kernels.bs_delay(  # type: ignore[union-attr]
                address(send),
                send.strides[0] // 4,
                frames,
                address(out),
                out.strides[0] // 4,
                address(self.line),
                self.length,
                address(self.position),
                float(self.feedback),
                self.cutoff,
                self.rate,
                address(self.state),
            )
            return out
        at = 0
        while at < frames:
            where = int(self.position[0]) % self.length
            n = min(frames - at, self.length - where)  # at most a delay, never wrapping
            past = np.ascontiguousarray(self.line[:, where : where + n])
            tap = run_plugin(self.lowpass, past, self.rate)
            self.line[:, where : where + n] = send[:, at : at + n] + self.feedback * tap
            out[:, at : at + n] = tap
            self.position[0] += n
            at += n
        return out

    def quiet(self) -> bool:
        return float(np.max(np.abs(self.line))) < QUIET


class Returns:
    """The two buses; `process` takes the sends (2 buses, 2 channels, frames). A bus
    is made when a track first sends to it (`need`), and runs from then on."""

    def __init__(self, mix: Mix, bpm: float, rate: int):
        self.rate = rate
        self.mix = mix
        self.bpm = bpm
        self.reverb: ReverbBus | None = None
        self.delays: list[DelayLine] = []  # the last one is fed
        self.levels = Glide(_levels(mix))

    def need(self, reverb: bool, delay: bool) -> None:
        if reverb and self.reverb is None:
            self.reverb = ReverbBus(self.mix.reverb, self.rate)
        if delay and not self.delays:
            self.delays.append(DelayLine(self.mix.delay, self.bpm, self.rate))

    def update(self, mix: Mix, bpm: float) -> None:
        if self.reverb is not None and mix.reverb != self.mix.reverb:
            self.reverb.retune(mix.reverb)
        length = max(1, round(mix.delay.seconds(bpm) * self.rate))
        if self.delays and length != self.delays[-1].length:
            self.delays.append(DelayLine(mix.delay, bpm, self.rate))
        elif self.delays and mix.delay != self.mix.delay:
            self.delays[-1].retune(mix.delay)
        self.levels.set(_levels(mix))
        self.mix, self.bpm = mix, bpm

    def process(self, sends: np.ndarray) -> np.ndarray:
        frames = sends.shape[2]
        out = np.zeros((2, frames), dtype=np.float32)
        curves = self.levels.curves(frames)
        levels = [self.levels.target[k] if curves is None else curves[k] for k in range(2)]
        if self.reverb is not None:
            out += self.reverb.process(np.ascontiguousarray(sends[0])) * levels[0]
        if self.delays:
            echoes = self.delays[-1].process(sends[1])
            for old in self.delays[:-1]:
                echoes += old.process(np.zeros((2, frames), dtype=np.float32))
            self.delays = [d for d in self.delays[:-1] if not d.quiet()] + self.delays[-1:]
            out += echoes * levels[1]
        return out


def _levels(mix: Mix) -> tuple[float, float]:
    return (10 ** (mix.reverb.level / 20), 10 ** (mix.delay.level / 20))
