"""A track's channel strip: fader and pan (`Bus`), and with effects, the whole `Strip`.

`Bus` is what every track has: a gain and a pan (constant power for a mono sound,
unity in the centre; balance for a stereo one). `Strip` is what a track with effects
gets instead of adding its voices straight into the mix (`TrackRenderer.add_to`):
its voices, rendered dry, go through the inserts (`beatseq.engine.effects.Chain`),
the fader and pan, the ducking under its key track's hits, and then feed the sends,
taken after all that. The mixer (`beatseq.engine.mixer`) and the live Player both
drive strips; the send buses are `beatseq.engine.sends`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from beatseq.engine.dsp import peak
from beatseq.engine.effects import RAMP, Chain, Glide, duck_gain, duck_reach, ramp_curve
from beatseq.engine.native import address, kernels
from beatseq.model import Instrument
from beatseq.model.effects import PLAIN_EFFECTS, Duck, Effects


@dataclass(frozen=True)
class Bus:
    gain: float
    """Linear."""
    pan: float

    @classmethod
    def of(cls, instrument: Instrument, audible: bool = True) -> Bus:
        gain = 10 ** (instrument.gain / 20) if audible else 0.0
        return cls(gain=gain, pan=instrument.pan)


def pan_gains(pan: float, *, stereo: bool) -> tuple[float, float]:
    """Left and right gains, unity in the centre: constant power for mono, balance for
    stereo (the far side is turned down)."""
    if stereo:
        return (min(1.0, 1.0 - pan), min(1.0, 1.0 + pan))
    angle = (pan + 1.0) * math.pi / 4.0
    return (math.sqrt(2.0) * math.cos(angle), math.sqrt(2.0) * math.sin(angle))


class Strip:
    """A track with effects: its voices through the inserts, then fader and pan, ducking,
    and the sends (taken after both). Settings changed while playing glide over RAMP
    frames. Without effects a track never gets one (`TrackRenderer.add_to` is cheaper
    and gives today's samples)."""

    def __init__(self, fx: Effects, bus: Bus, channels: int, sample_rate: int):
        self.rate = sample_rate
        self.channels = channels
        self.fx = fx
        self.chain: Chain | None = Chain(fx, sample_rate, channels) if fx.inserts else None
        self.bus = bus
        self.gains = Glide(self._pan(bus))
        self.levels = Glide(_send_levels(fx))
        self.duck = fx.duck
        self._old_duck: tuple[Duck | None, int] | None = None  # crossfading from
        self.metering = False
        self.peak = 0.0
        """With `metering`, the loudest sample out of the strip (after the effects, the
        fader, pan and ducking) since it was reset: the mixer's meter."""

    def _pan(self, bus: Bus) -> tuple[float, float]:
        left, right = pan_gains(bus.pan, stereo=self.channels == 2)
        return (bus.gain * left, bus.gain * right)

    @property
    def sends(self) -> bool:
        return self.fx.reverb is not None or self.fx.delay is not None

    def update(self, fx: Effects, bus: Bus) -> None:
        if fx != self.fx:
            if self.chain is None and fx.inserts:
                self.chain = Chain(PLAIN_EFFECTS, self.rate, self.channels)
            if self.chain is not None:
                self.chain.update(fx)
            if fx.duck != self.duck:
                self._old_duck, self.duck = (self.duck, 0), fx.duck
            self.levels.set(_send_levels(fx))
            self.fx = fx
        self.bus = bus
        self.gains.set(self._pan(bus))

    def followed(self) -> set[str]:
        """The tracks whose hits this strip follows (ducking, and a duck fading out)."""
        names = {d.by for d in (self.duck, self._old_duck[0] if self._old_duck else None) if d}
        return names

    @property
    def reach(self) -> int:
        """How many frames before a block a key track's hit can still duck it."""
        ducks = (self.duck, self._old_duck[0] if self._old_duck else None)
        return max((duck_reach(d, self.rate) for d in ducks if d is not None), default=0)

    def process(
        self,
        dry: np.ndarray,
        frame: int,
        onsets: dict[str, np.ndarray],
        mix: np.ndarray,
        sends: np.ndarray | None,
    ) -> None:
        """Add the track's voices `dry` (channels, frames), at `frame` of the song, to the
        stereo `mix` and to the `sends` (bus, channel, frame). `onsets` holds the hits of
        the tracks in `followed()` from `duck_reach` frames before the block on."""
        x = self.chain.process(dry, frame) if self.chain is not None else dry
        frames = x.shape[1]
        curves = self.gains.curves(frames)
        duck = self._ducking(onsets, frame, frames)
        levels = self.levels.curves(frames)
        if sends is None or (levels is None and not self.levels.target.any()):
            sends = levels = None  # nothing to send
        if _compilable(x, mix, curves, duck, sends, levels):
            loudest = self._compiled(x, curves, duck, mix, sends, levels)
            if self.metering:
                self.peak = max(self.peak, loudest)
            return
        out = np.empty((2, frames), dtype=np.float32)
        for c in range(2):
            source = x[0 if x.shape[0] == 1 else c]
            np.multiply(source, self.gains.target[c] if curves is None else curves[c], out=out[c])
        if duck is not None:
            out *= duck
        if self.metering:
            self.peak = max(self.peak, peak(out))
        mix += out
        if sends is None:
            return
        for k in range(2):
            sends[k] += out * (self.levels.target[k] if levels is None else levels[k])

    def _compiled(
        self,
        x: np.ndarray,
        curves: np.ndarray | None,
        duck: np.ndarray | None,
        mix: np.ndarray,
        sends: np.ndarray | None,
        levels: np.ndarray | None,
    ) -> float:
        """`process` after the inserts in one pass (`bs_strip`): the same samples."""
        gains = self.gains.target if curves is None else curves
        feeds = self.levels.target if levels is None else levels
        row = gains.strides[0] if curves is not None else 4
        feed_row = feeds.strides[0] if levels is not None else 4
        return float(
            kernels.bs_strip(  # type: ignore[union-attr]
                address(x),
                x.strides[0] // 4,
                x.shape[0],
                x.shape[1],
                address(gains),
                address(gains) + row,
                0 if curves is None else 1,
                0 if duck is None else address(duck),
                address(mix),
                mix.strides[0] // 4,
                0 if sends is None else address(sends),
                address(feeds),
                address(feeds) + feed_row,
                0 if levels is None else 1,
            )
        )

    def _ducking(self, onsets: dict[str, np.ndarray], frame: int, frames: int) -> np.ndarray | None:
        def gain(duck: Duck | None) -> np.ndarray | None:
            if duck is None:
                return None
            return duck_gain(duck, onsets.get(duck.by, _NONE), frame, frames, self.rate)

        now = gain(self.duck)
        if self._old_duck is None:
            return now
        old_duck, done = self._old_duck
        before = gain(old_duck)
        a = before if before is not None else np.ones(frames, dtype=np.float32)
        b = now if now is not None else np.ones(frames, dtype=np.float32)
        ramp = ramp_curve(done, frames)
        self._old_duck = (old_duck, done + frames) if done + frames < RAMP else None
        return np.asarray(a + (b - a) * ramp)


_NONE = np.zeros(0, dtype=np.int64)


def _compilable(x: np.ndarray, mix: np.ndarray, *rest: np.ndarray | None) -> bool:
    """Whether `bs_strip` can take these: the kernels are built, every buffer is
    float32 with its frames side by side, and the sends are one block of memory."""
    sends = rest[2]
    if kernels is None or (sends is not None and not sends.flags.c_contiguous):
        return False
    arrays = [a for a in (x, mix, *rest) if a is not None]
    return all(a.dtype == np.float32 and a.strides[-1] == 4 for a in arrays)


def _send_levels(fx: Effects) -> tuple[float, float]:
    return tuple(  # type: ignore[return-value]
        0.0 if level is None else 10 ** (level / 20) for level in (fx.reverb, fx.delay)
    )
