"""The master bus: the song's gain, the glue compressor, a loudness trim, the limiter.

`Master` is what the mixer's sum goes through, offline and live. The glue compressor
(`[mix] glue`) is the tracks' compressor (`beatseq.engine.effects.Dynamics`) on the
whole mix; the loudness trim is a gain a render works out to meet `[mix] loudness`;
the `Limiter` is the safety brick wall at -1 dBFS, exactly transparent below it.
`process` also returns the gain the glue, trim and limiter gave each frame, so stems
given the same gain (and the song's gain) sum to the mix. The limiter's per-frame
work (chunk peaks, gain ramps, clipping) runs compiled where the kernels are built
(`beatseq.engine.native`), to the same bits, and then hands its block back with the
frames side by side (a `.T` view), as the file writer and the meter take them.
"""

from __future__ import annotations

import math

import numpy as np

from beatseq.engine.dsp import onepole
from beatseq.engine.effects import RAMP, Dynamics, power, ramp_curve
from beatseq.engine.native import address, chunk_peaks, kernels
from beatseq.model.effects import Compressor

CEILING_DB = -1.0
LOOKAHEAD_MS = 5.0
RELEASE_MS = 80.0


class Limiter:
    """Lookahead peak limiter: a brick wall at the ceiling, exactly transparent below it.

    Gains are worked out per CHUNK of frames (chunk c holds frames cK to cK + K - 1,
    counted from the first frame the limiter sees). A chunk's target is the gain its
    loudest frame needs; its gain node is the smallest target from the chunk before it
    to `ahead - 2` chunks after it, released with a one-pole filter. A frame's gain is
    interpolated between the nodes of its chunk and the next, which both cover its own
    chunk: no frame passes the ceiling, and the gain is already down when a peak
    arrives. Output is `latency` frames late. Every number depends only on whole chunks
    already received, so any split into blocks gives the same samples.
    """

    CHUNK = 32

    def __init__(self, sample_rate: int, ceiling_db: float = CEILING_DB):
        k = self.CHUNK
        self.ceiling = 10 ** (ceiling_db / 20)
        self.ahead = max(3, math.ceil(LOOKAHEAD_MS * sample_rate / 1000 / k))
        self.latency = self.ahead * k
        self.release = math.exp(-k / (RELEASE_MS * sample_rate / 1000))
        self._pending = np.zeros((2, self.latency), dtype=np.float32)  # input not yet out
        self._partial = np.zeros((2, 0), dtype=np.float32)  # input of an unfinished chunk
        self._targets = np.ones(1)  # targets from chunk `_next - 1` on
        self._next = 0  # the next chunk whose gain node is not known yet
        self._nodes = np.ones(0)  # gain nodes of chunks `_base` to `_next - 1`
        self._base = 0
        self._zi = np.zeros(1)  # release filter state
        self._received = 0
        self._fractions = np.arange(k) / k  # where each frame of a chunk lies in it
        assert k <= 256  # bs_limit's table of fractions

    def process(self, block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Limit a (2, frames) block; returns the delayed, limited audio and its gains."""
        frames = block.shape[1]
        audio = np.concatenate([self._pending, block], axis=1)
        delayed, self._pending = audio[:, :frames], audio[:, frames:]
        self._take(block)
        first = self._received - self.latency  # input frame of the first output frame
        self._received += frames
        k = self.CHUNK
        lo, hi = first // k, (first + frames - 1) // k + 1
        nodes = self._nodes_between(lo, hi + 1)
        self._forget((first + frames) // k)
        if kernels is not None and delayed.dtype == np.float32 and delayed.strides[1] == 4:
            # frames side by side, as the file and the meter take them (`.T` is the
            # (2, frames) block); all nodes at 1 give the input's bits, as below
            out = np.empty((frames, 2), dtype=np.float32)
            gain = np.empty(frames, dtype=np.float32)
            nodes = np.ascontiguousarray(nodes, dtype=np.float64)
            kernels.bs_limit(
                address(delayed),
                delayed.strides[0] // 4,
                frames,
                address(nodes),
                first - lo * k,
                k,
                address(out),
                address(gain),
            )
            return out.T, gain
        if np.all(nodes == 1.0):
            return delayed, np.ones(frames, dtype=np.float32)  # exactly transparent
        # each chunk's frames, from its node towards the next: (chunks, k), then the
        # block's own frames out of them
        here, after = nodes[:-1, None], nodes[1:, None]
        ramps = (here + (after - here) * self._fractions).reshape(-1)
        gain = ramps[first - lo * k : first - lo * k + frames].astype(np.float32)
        out = delayed * gain
        np.clip(out, -1.0, 1.0, out=out)
        return out, gain

    def _take(self, block: np.ndarray) -> None:
        """Work out the gain node of every chunk whose window this block completes."""
        k = self.CHUNK
        audio = np.concatenate([self._partial, block], axis=1) if self._partial.size else block
        whole = audio.shape[1] // k
        self._partial = np.array(audio[:, whole * k :])
        if not whole:
            return
        peaks = chunk_peaks(audio, whole, k)
        over = peaks > self.ceiling
        targets = np.ones(whole)
        targets[over] = self.ceiling / peaks[over]
        window = np.concatenate([self._targets, targets])
        count = window.shape[0] - (self.ahead - 1)
        if count <= 0:
            self._targets = window
            return
        if np.all(window == 1.0) and self._zi[0] == 0.0:
            nodes = np.ones(count)  # the common case: nothing to do, exactly
        else:
            mins = np.lib.stride_tricks.sliding_window_view(window, self.ahead).min(axis=1)
            reduction = 1.0 - mins
            smooth = self._smooth(reduction)
            if self._zi[0] < 1e-8 and np.all(reduction == 0.0):
                self._zi[0] = 0.0  # fully released: back to exactly transparent
            nodes = 1.0 - np.maximum(reduction, smooth)
        self._nodes = np.concatenate([self._nodes, nodes])
        self._next += count
        self._targets = window[count:]

    def _smooth(self, values: np.ndarray) -> np.ndarray:
        """One-pole release, s[i] = a * s[i-1] + (1 - a) * values[i], in closed form."""
        out, self._zi[0] = onepole(values, self.release, float(self._zi[0]))
        return out

    def _nodes_between(self, lo: int, hi: int) -> np.ndarray:
        """Gain nodes of chunks lo .. hi - 1 (1 before the first chunk)."""
        out = np.ones(hi - lo)
        a, b = max(lo, self._base), min(hi, self._base + self._nodes.shape[0])
        if b > a:
            out[a - lo : b - lo] = self._nodes[a - self._base : b - self._base]
        return out

    def _forget(self, chunk: int) -> None:
        """Drop the nodes of chunks before `chunk`: no frame still to come needs them."""
        drop = min(max(0, chunk - self._base), self._nodes.shape[0])
        if drop:
            self._nodes = self._nodes[drop:]
            self._base += drop


class Master:
    """The master bus: the song's gain, the glue compressor, a loudness trim (renders
    with a target), then the safety limiter. `process` gives the audio and the gain the
    glue, trim and limiter applied to each frame, so stems can be given the same."""

    def __init__(
        self,
        sample_rate: int,
        gain_db: float = 0.0,
        glue: Compressor | None = None,
        trim_db: float = 0.0,
    ):
        self.rate = sample_rate
        self.limiter = Limiter(sample_rate)
        self.gain = 10 ** (gain_db / 20)
        self.trim = 10 ** (trim_db / 20)
        self.glue = glue
        self._dynamics = Dynamics(glue, sample_rate) if glue is not None else None
        self._fading: tuple[Dynamics | None, int] | None = None
        self._pending = np.ones(self.limiter.latency, dtype=np.float32)

    @property
    def latency(self) -> int:
        return self.limiter.latency

    def update(self, gain_db: float, glue: Compressor | None, *, glide: bool = True) -> None:
        """Live: a new master gain (at once, as before effects) and glue (crossfaded over
        RAMP frames if `glide`: something is sounding)."""
        self.gain = 10 ** (gain_db / 20)
        if glue == self.glue:
            return
        if not glide:
            self.glue = glue
            self._dynamics = Dynamics(glue, self.rate) if glue is not None else None
            self._fading = None
            return
        old = self._dynamics
        if glue is None:
            self._dynamics = None
        elif old is not None:
            self._dynamics = old.retuned(glue, self.rate)
        else:
            self._dynamics = Dynamics(glue, self.rate)
        self._fading, self.glue = (old, 0), glue

    def process(self, mix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Limit a (2, frames) block: the audio `latency` frames late and its gains."""
        if self.gain != 1.0:
            mix *= np.float32(self.gain)
        if self._dynamics is None and self._fading is None and self.trim == 1.0:
            return self.limiter.process(mix)  # as without effects, exactly
        gain = self._glue(mix)
        if self.trim != 1.0:
            gain *= np.float32(self.trim)
        mix *= gain
        return self.limited(mix, gain)

    def limited(self, mix: np.ndarray, gain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The limiter on a block already given `gain` (each frame's glue and trim):
        the audio `latency` frames late, and each frame's whole gain."""
        frames = mix.shape[1]
        out, limited = self.limiter.process(mix)
        both = np.concatenate([self._pending, gain])
        self._pending = both[frames:]
        return out, limited * both[:frames]

    def before_trim(self, mix: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The song's gain and the glue on a block, nothing after (what a loudness trim
        is worked out from), and the glue's gain on each frame (None without glue)."""
        if self.gain != 1.0:
            mix *= np.float32(self.gain)
        if self._dynamics is None and self._fading is None:
            return mix, None
        gain = self._glue(mix)
        mix *= gain
        return mix, gain

    def _glue(self, mix: np.ndarray) -> np.ndarray:
        frames = mix.shape[1]
        detector = power(mix) if self._dynamics is not None or self._fading else None
        now = (
            self._dynamics.gain(detector)
            if self._dynamics is not None and detector is not None
            else np.ones(frames, dtype=np.float32)
        )
        if self._fading is None:
            return now
        old, done = self._fading
        before = (
            old.gain(detector)
            if old is not None and detector is not None
            else np.ones(frames, dtype=np.float32)
        )
        self._fading = (old, done + frames) if done + frames < RAMP else None
        return np.asarray(before + (now - before) * ramp_curve(done, frames))
