"""Track effects: a channel strip's inserts, the compressor and ducking, block by block.

A `Chain` runs one track's inserts in a fixed order (filter, drive, crush, EQ,
compressor) on its voices, before the fader; `beatseq.engine.mixer.Strip` applies the
fader, pan, ducking and sends. Every stage gives the same samples whatever the block
sizes, and the same from the same start, so renders and live playback agree:

- the filter is a biquad run as a state space a block of frames at a time
  (`dsp.LinearStream`): the same to within float64 rounding for any blocks (in
  float32 a crush after it turned those roundings into whole steps), and no
  slowdown in silence (pedalboard's ladder filter ran 30 times slower on decaying
  tails, measured);
- the EQ is pedalboard's (JUCE) shelf and peak filters, run with their state kept,
  never more than PRIME frames at once (`run_plugin`: measured, blocks of any size
  then give identical samples);
- drive (tanh) and bit depth work sample by sample;
- the sample-rate reduction holds samples on a grid counted from the song's frame 0
  (the `frame` each block is given), as a sampler's converter would;
- `Dynamics` (the compressor, also the master glue) follows the RMS level with a
  one-pole filter (`attack`) and lets the gain come back through another (`release`),
  both in closed form (`dsp.onepole`) at a control rate of one value per 16 frames,
  with the gain interpolated between them, so there is no per-sample Python.

A change of settings while playing crossfades from the old stage to the new over RAMP
frames (the EQ is retuned in place), so nothing clicks. pedalboard is imported only
when a track uses the EQ or a send.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from beatseq.engine.dsp import LinearStream, biquad, onepole
from beatseq.engine.native import address, kernels
from beatseq.model.effects import Compressor, Crush, Duck, Effects, Eq, Filter

RAMP = 1024
"""Frames a live change of settings takes to glide in (23 ms at 44.1 kHz)."""
DRIVE_DB = 24.0
DRIVE_REFERENCE = 0.5
"""A peak at this level (-6 dBFS) comes out of the drive at the same level."""
ORDER = ("filter", "drive", "crush", "eq", "comp")
PRIME = 4096
"""Frames of silence a pedalboard plugin runs first, and the most it is given at once."""


class Stage(Protocol):
    def process(self, x: np.ndarray, frame: int) -> np.ndarray: ...


# stages -----------------------------------------------------------------------------


class FilterStage:
    """A resonant 2-pole filter (RBJ biquad, 12 dB/octave): Q from 0.71 (Butterworth)
    at resonance 0 up to about 12 (a +20 dB peak) at 0.95."""

    def __init__(self, settings: Filter, rate: int, channels: int):
        q = math.sqrt(0.5) * 20.0**settings.resonance
        self.biquad = LinearStream((biquad(settings.kind, settings.cutoff, rate, q=q),), channels)

    def process(self, x: np.ndarray, frame: int) -> np.ndarray:
        return self.biquad.process(x).astype(np.float32)


class DriveStage:
    def __init__(self, amount: float):
        self.pre = 10 ** (amount * DRIVE_DB / 20)
        self.post = DRIVE_REFERENCE / math.tanh(DRIVE_REFERENCE * self.pre)

    def process(self, x: np.ndarray, frame: int) -> np.ndarray:
        y = np.tanh(x * np.float32(self.pre))
        y *= np.float32(self.post)
        return y


class CrushStage:
    """Quantise to `bits`, then hold each sample for 1/rate s (no smoothing: it aliases)."""

    def __init__(self, settings: Crush, rate: int, channels: int):
        self.step = np.float32(2.0 ** (settings.bits - 1))
        self.rate = rate
        self.target = round(settings.rate) if settings.rate and settings.rate < rate else None
        span = math.ceil(rate / self.target) + 1 if self.target else 0
        self.history = np.zeros((channels, span), dtype=np.float32)
        self.history_end = 0  # frame just after the history's last
        # frame f holds the input frame f + back[f % period]: the first frame at or after
        # the last grid point at or before f (the grid repeats every `period` frames)
        period = rate // math.gcd(rate, self.target) if self.target else 1
        frames = np.arange(period, dtype=np.int64)
        target = self.target or rate
        self.back = -((-(frames * target // rate) * rate) // target) - frames  # ceil
        # where block frame i reads from, for a block starting at a multiple of the
        # period: `back` repeated, plus i and the history's length; made again only
        # when a longer block comes (a render's blocks are all one size)
        self._reads = np.zeros(0, dtype=np.int64)

    def _reads_for(self, frames: int) -> np.ndarray:
        period = self.back.shape[0]
        if self._reads.shape[0] < frames + period:
            size = frames + period
            reads = np.resize(self.back, size) + np.arange(size)
            self._reads = reads + self.history.shape[1]
        return self._reads

    def process(self, x: np.ndarray, frame: int) -> np.ndarray:
        y = x * self.step
        np.round(y, out=y)
        y /= self.step
        if self.target is None:
            return y
        n = y.shape[1]
        span = self.history.shape[1]
        if self.history_end != frame:  # a jump (a new anchor): nothing earlier is known
            self.history[:] = 0.0
        both = np.concatenate([self.history, y], axis=1)
        # frame i of the block reads back[(frame + i) % period] + span + i: the
        # pattern from `frame % period` on, less the frames it is ahead by
        shift = frame % self.back.shape[0]
        index = self._reads_for(n)[shift : shift + n] - shift
        np.maximum(index, 0, out=index)
        out: np.ndarray = np.take(both, index, axis=1)  # (a fancy index is six times slower)
        self.history = both[:, -span:]
        self.history_end = frame + n
        return out


class EqStage:
    def __init__(self, settings: Eq, rate: int, channels: int):
        import pedalboard

        self.rate = rate
        self.bands: list[Any] = [
            pedalboard.LowShelfFilter(cutoff_frequency_hz=settings.low_freq, gain_db=settings.low),
            pedalboard.PeakFilter(
                cutoff_frequency_hz=settings.mid_freq, gain_db=settings.mid, q=settings.mid_q
            ),
            pedalboard.HighShelfFilter(
                cutoff_frequency_hz=settings.high_freq, gain_db=settings.high
            ),
        ]
        for band in self.bands:
            prime(band, channels, rate)

    def retune(self, settings: Eq) -> bool:
        low, mid, high = self.bands
        low.cutoff_frequency_hz, low.gain_db = settings.low_freq, settings.low
        mid.cutoff_frequency_hz, mid.gain_db, mid.q = (
            settings.mid_freq,
            settings.mid,
            settings.mid_q,
        )
        high.cutoff_frequency_hz, high.gain_db = settings.high_freq, settings.high
        return True

    def process(self, x: np.ndarray, frame: int) -> np.ndarray:
        for band in self.bands:
            x = _run(band, x, self.rate)
        return x


class Dynamics:
    """A feed-forward compressor's gain: RMS level over `attack`, a static curve above
    the threshold (hard knee), the gain coming back over `release`, then makeup.

    It works at a control rate, as hardware compressors' detectors do: the level is
    followed a CHUNK of frames at a time (chunks counted from the first frame it is
    given), and each frame's gain is interpolated between the gains of the two chunks
    before its own. So a frame's gain depends only on whole chunks already heard, and
    any split into blocks gives the same samples; the gain lags by one chunk (0.36 ms
    at 44.1 kHz, far inside any attack time). Working per frame cost two and a half
    times as much (2.1 ms against 0.8 ms a 65,536-frame block, detector included)."""

    CHUNK = 16

    def __init__(self, settings: Compressor, rate: int):
        k = self.CHUNK
        self.settings = settings
        self.attack = math.exp(-k / (settings.attack * rate / 1000))
        self.release = math.exp(-k / (settings.release * rate / 1000))
        self.slope = 1.0 - 1.0 / settings.ratio
        self.level = 0.0  # mean square, after the attack filter
        self.held = 0.0  # reduction in dB, after the release filter
        self._seen = 0  # frames given so far
        self._partial = np.zeros(0)  # power of the frames of the unfinished chunk
        # the gains of the last two whole chunks (before the first: no reduction)
        self._nodes = np.full(2, self._gains(np.zeros(1))[0])
        self._fractions = np.arange(k, dtype=np.float32) / np.float32(k)

    def retuned(self, settings: Compressor, rate: int) -> Dynamics:
        other = Dynamics(settings, rate)
        other.level, other.held = self.level, self.held
        other._seen, other._partial, other._nodes = self._seen, self._partial, self._nodes
        return other

    def gain(self, power: np.ndarray) -> np.ndarray:
        """Linear gain (float32) for a block of power (mean square over channels)."""
        k = self.CHUNK
        frames = power.shape[0]
        start = self._seen
        self._seen += frames
        joined = np.concatenate([self._partial, power]) if self._partial.size else power
        whole = joined.shape[0] // k
        self._partial = np.array(joined[whole * k :])
        levels, self.level = onepole(
            joined[: whole * k].reshape(whole, k).mean(axis=1), self.attack, self.level
        )
        # nodes[i]: the gain of chunk start // k - 2 + i
        nodes = np.concatenate([self._nodes, self._gains(levels)])
        self._nodes = nodes[-2:]
        if not frames:
            return np.ones(0, dtype=np.float32)
        # the frames of chunks start // k .. (start + frames - 1) // k, each chunk's
        # from the gain of the chunk two before it towards the gain of the one before
        chunks = (start + frames - 1) // k - start // k + 1
        here, after = nodes[:chunks, None], nodes[1 : chunks + 1, None]
        ramps: np.ndarray = (here + (after - here) * self._fractions).reshape(-1)
        return ramps[start % k : start % k + frames]

    def _gains(self, levels: np.ndarray) -> np.ndarray:
        """Chunks' gains (float32) from their levels, through the curve and release."""
        db = 10.0 * np.log10(np.maximum(levels, 1e-12))
        reduction = np.maximum(db - self.settings.threshold, 0.0) * self.slope
        held, self.held = onepole(reduction, self.release, self.held)
        np.maximum(reduction, held, out=reduction)
        # 10 ** (dB / 20) as exp (numpy's power is four times slower)
        gain = np.exp((self.settings.makeup - reduction) * (math.log(10.0) / 20.0))
        return np.asarray(gain, np.float32)


def power(x: np.ndarray) -> np.ndarray:
    """Mean square over channels, float64 (the compressor's detector input); compiled
    for a stereo float32 block where the kernels are built (the same numbers)."""
    if kernels is not None and x.shape[0] == 2 and x.dtype == np.float32 and x.strides[1] == 4:
        out = np.empty(x.shape[1])
        kernels.bs_power(address(x), x.strides[0] // 4, x.shape[1], address(out))
        return out
    return np.asarray(np.mean(np.square(x, dtype=np.float64), axis=0))


class CompStage:
    def __init__(self, settings: Compressor, rate: int):
        self.dynamics = Dynamics(settings, rate)

    def process(self, x: np.ndarray, frame: int) -> np.ndarray:
        return np.asarray(x * self.dynamics.gain(power(x)))


def prime(plugin: Any, channels: int, rate: int) -> None:
    """Run a new pedalboard plugin on PRIME frames of silence: its parameter smoothing
    settles, and JUCE prepares it for blocks of up to PRIME frames."""
    plugin.process(np.zeros((channels, PRIME), dtype=np.float32), rate, reset=False)


def run_plugin(plugin: Any, x: np.ndarray, rate: int) -> np.ndarray:
    """A primed plugin on a block, PRIME frames at a time: pedalboard prepares (and so
    resets) a plugin again when a block is longer than any before (measured), which
    would make the output depend on the block sizes."""
    if x.shape[1] <= PRIME:
        return np.asarray(plugin.process(np.ascontiguousarray(x), rate, reset=False))
    parts = [
        plugin.process(np.ascontiguousarray(x[:, at : at + PRIME]), rate, reset=False)
        for at in range(0, x.shape[1], PRIME)
    ]
    return np.concatenate(parts, axis=1)


_run = run_plugin


def _stage(name: str, fx: Effects, rate: int, channels: int) -> Stage | None:
    if name == "filter" and fx.filter is not None:
        return FilterStage(fx.filter, rate, channels)
    if name == "drive" and fx.drive:
        return DriveStage(fx.drive)
    if name == "crush" and fx.crush is not None:
        return CrushStage(fx.crush, rate, channels)
    if name == "eq" and fx.eq is not None:
        return EqStage(fx.eq, rate, channels)
    if name == "comp" and fx.comp is not None:
        return CompStage(fx.comp, rate)
    return None


# the chain --------------------------------------------------------------------------


@dataclass
class _Fade:
    old: Stage | None
    new: Stage | None
    done: int = 0


@dataclass
class Chain:
    """One track's inserts, in ORDER, on (channels, frames) float32 blocks."""

    fx: Effects
    rate: int
    channels: int
    stages: dict[str, Stage | None] = field(init=False)
    fades: dict[str, _Fade] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.stages = {name: _stage(name, self.fx, self.rate, self.channels) for name in ORDER}

    def update(self, fx: Effects) -> None:
        """New settings: retune the filters in place, crossfade to the rest."""
        old_fx, self.fx = self.fx, fx
        for name in ORDER:
            before, after = getattr(old_fx, name), getattr(fx, name)
            if before == after:
                continue
            stage = self.stages[name]
            retune = getattr(stage, "retune", None)
            if stage is not None and after is not None and retune is not None and retune(after):
                continue
            new = _stage(name, fx, self.rate, self.channels)
            if isinstance(stage, CompStage) and isinstance(new, CompStage) and fx.comp:
                new.dynamics = stage.dynamics.retuned(fx.comp, self.rate)
            self.fades[name] = _Fade(stage, new)
            self.stages[name] = None

    def process(self, x: np.ndarray, frame: int) -> np.ndarray:
        for name in ORDER:
            fade = self.fades.get(name)
            stage = self.stages[name]
            if fade is not None:
                a = fade.old.process(x, frame) if fade.old is not None else x
                b = fade.new.process(x, frame) if fade.new is not None else x
                ramp = ramp_curve(fade.done, x.shape[1])
                x = a + (b - a) * ramp
                fade.done += x.shape[1]
                if fade.done >= RAMP:
                    self.stages[name] = fade.new
                    del self.fades[name]
            elif stage is not None:
                x = stage.process(x, frame)
        return x


def ramp_curve(done: int, frames: int) -> np.ndarray:
    """0 to 1 over RAMP frames, for frames done + 1 .. done + frames (then 1)."""
    t = (np.arange(done + 1, done + frames + 1, dtype=np.float32)) / np.float32(RAMP)
    return np.asarray(np.minimum(t, np.float32(1.0)))


class Glide:
    """Gains that glide to new values over RAMP frames, whatever the block sizes."""

    def __init__(self, values: tuple[float, ...]):
        self.start = self.target = np.array(values, dtype=np.float32)
        self.done = RAMP

    def set(self, values: tuple[float, ...]) -> None:
        target = np.array(values, dtype=np.float32)
        if not np.array_equal(target, self.target):
            self.start, self.target, self.done = self.now(), target, 0

    def now(self) -> np.ndarray:
        t = np.float32(min(1.0, self.done / RAMP))
        return np.asarray(self.start + (self.target - self.start) * t)

    def curves(self, frames: int) -> np.ndarray | None:
        """(values, frames) gains for the next block, or None when they hold still (then
        `target` is the gains)."""
        if self.done >= RAMP:
            return None
        ramp = ramp_curve(self.done, frames)
        self.done += frames
        return np.asarray(self.start[:, None] + (self.target - self.start)[:, None] * ramp[None, :])


# ducking ----------------------------------------------------------------------------


def duck_gain(duck: Duck, onsets: np.ndarray, start: int, frames: int, rate: int) -> np.ndarray:
    """The ducked track's gain over frames [start, start + frames), given the key track's
    hits at `onsets` (frames, any order; those up to attack + release before `start`
    count): down by `amount` dB within `attack` ms of each hit, back up linearly in dB
    over `release` ms. Overlapping hits take the deeper reduction."""
    shape = _duck_shape(duck, rate)
    gain = np.ones(frames, dtype=np.float32)
    for onset in sorted(set(onsets.tolist())):  # (np.unique would import numpy.ma)
        a, b = max(start, onset), min(start + frames, onset + shape.shape[0])
        if b > a:
            part = gain[a - start : b - start]
            np.minimum(part, shape[a - onset : b - onset], out=part)
    return gain


@functools.lru_cache(maxsize=64)
def _duck_shape(duck: Duck, rate: int) -> np.ndarray:
    """The gain after one hit, frame by frame (the lower of two gains is the deeper
    reduction, so overlapping hits take the minimum)."""
    attack = max(1, round(duck.attack * rate / 1000))
    release = max(1, round(duck.release * rate / 1000))
    t = np.arange(attack + release, dtype=np.float64)
    shape = np.where(t < attack, (t + 1) / attack, 1.0 - (t - attack) / release)
    gain = (10.0 ** (-duck.amount * shape / 20.0)).astype(np.float32)
    gain.setflags(write=False)
    return gain


def duck_reach(duck: Duck, rate: int) -> int:
    """How many frames before a block a hit can still duck it."""
    return round(duck.attack * rate / 1000) + round(duck.release * rate / 1000) + 2
