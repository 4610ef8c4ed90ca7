"""Small DSP pieces in numpy: biquads, and linear filters run without per-sample Python.

- A biquad (RBJ cookbook) is run once on an impulse, in plain Python, until its
  response has died away below RESIDUE; a whole sound is then filtered by an FFT
  convolution with that response (`convolve`), exact to about -180 dB.
- `onepole` runs a one-pole low-pass in closed form (state carried).
- `LinearStream` runs a cascade of biquads on audio that arrives in blocks, exactly
  (to float64 rounding, or float32's) and the same whatever the block sizes: the
  filter as a state space (`balanced`, so float32 is enough for a meter), a few dozen
  frames at a time (`block_system`), with each block's starting states from one
  prefix scan (`scan_constant`). The sub synth's swept filter
  (`beatseq.engine.subtractive`) is built from the same pieces. Where the compiled
  kernels are built (`beatseq.engine.native`), a stream runs its biquads frame by
  frame in float64 instead (`_compiled`), to within 1e-9 of the state space.
- `keep_freed_memory` stops malloc handing a render's freed arrays back to the system.

All of it keeps scipy (1.7 s to import) out of the render path.
"""

from __future__ import annotations

import contextlib
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from beatseq.engine.native import address, kernels

RESIDUE = 1e-9
"""An impulse response is cut where it stays below this part of its peak."""
MAX_RESPONSE_SECONDS = 2.0
TINY = 1e-30
"""States below this are taken as silence (subnormal numbers slow the arithmetic)."""

Biquad = tuple[float, float, float, float, float]
"""(b0, b1, b2, a1, a2), normalised so a0 = 1."""


def biquad(
    kind: str, frequency: float, rate: int, q: float = 1 / math.sqrt(2), gain_db: float = 0.0
) -> Biquad:
    """An RBJ-cookbook biquad: lowpass, highpass (Butterworth at the default Q),
    bandpass (0 dB at the centre) or high_shelf."""
    w0 = 2 * math.pi * min(frequency, rate * 0.499) / rate
    cos, alpha = math.cos(w0), math.sin(w0) / (2 * q)
    if kind == "lowpass":
        b = ((1 - cos) / 2, 1 - cos, (1 - cos) / 2)
        a = (1 + alpha, -2 * cos, 1 - alpha)
    elif kind == "highpass":
        b = ((1 + cos) / 2, -(1 + cos), (1 + cos) / 2)
        a = (1 + alpha, -2 * cos, 1 - alpha)
    elif kind == "bandpass":
        b = (alpha, 0.0, -alpha)
        a = (1 + alpha, -2 * cos, 1 - alpha)
    elif kind == "high_shelf":
        big = 10 ** (gain_db / 40)
        root = 2 * math.sqrt(big) * alpha
        b = (
            big * ((big + 1) + (big - 1) * cos + root),
            -2 * big * ((big - 1) + (big + 1) * cos),
            big * ((big + 1) + (big - 1) * cos - root),
        )
        a = (
            (big + 1) - (big - 1) * cos + root,
            2 * ((big - 1) - (big + 1) * cos),
            (big + 1) - (big - 1) * cos - root,
        )
    else:
        raise ValueError(f"unknown biquad {kind!r}")
    return (b[0] / a[0], b[1] / a[0], b[2] / a[0], a[1] / a[0], a[2] / a[0])


@lru_cache(maxsize=256)
def impulse_response(sections: tuple[Biquad, ...], rate: int) -> np.ndarray:
    """The response of a cascade of biquads to a unit impulse, until it has died away."""
    limit = int(MAX_RESPONSE_SECONDS * rate)
    signal = [1.0]
    for b0, b1, b2, a1, a2 in sections:
        out: list[float] = []
        x1 = x2 = y1 = y2 = 0.0
        quiet = 0
        n = 0
        while n < limit:
            x0 = signal[n] if n < len(signal) else 0.0
            y0 = b0 * x0 + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            out.append(y0)
            x2, x1, y2, y1 = x1, x0, y1, y0
            n += 1
            quiet = quiet + 1 if abs(y0) < RESIDUE and n > len(signal) else 0
            if quiet >= 64:
                break
        signal = out
    response = np.array(signal, dtype=np.float64)
    peak = float(np.max(np.abs(response)))
    loud = np.nonzero(np.abs(response) >= RESIDUE * peak)[0]
    return response[: int(loud[-1]) + 1] if loud.size else response[:1]


def convolve(audio: np.ndarray, response: np.ndarray) -> np.ndarray:
    """Full linear convolution along the last axis (output is longer by the response)."""
    n = audio.shape[-1] + response.shape[0] - 1
    size = 1 << (n - 1).bit_length()
    spectrum = np.fft.rfft(audio, size, axis=-1) * np.fft.rfft(response, size)
    return np.fft.irfft(spectrum, size, axis=-1)[..., :n]


def peak(x: np.ndarray) -> float:
    """The largest magnitude in `x` (0 if empty), without an array of magnitudes."""
    return max(float(x.max()), -float(x.min())) if x.size else 0.0


def onepole(values: np.ndarray, a: float, state: float) -> tuple[np.ndarray, float]:
    """s[i] = a * s[i-1] + (1 - a) * values[i], from s[-1] = `state`, in closed form:
    float64 out, and the last value (the state for the next block).

    The block is cut into pieces; each piece's response from rest comes from one
    cumulative sum (all pieces at once), then each piece gets the state it starts from.
    """
    n = values.shape[0]
    if not n:
        return np.empty(0, dtype=np.float64), state
    # a ** -step must stay well inside float64
    step = 512 if a <= 0.0 or -math.log(a) * 512 < 500 else max(1, int(500 / -math.log(a)))
    step = min(step, n)
    pieces = -(-n // step)
    padded = np.zeros(pieces * step, dtype=np.float64)
    padded[:n] = values
    powers = a ** np.arange(1, step + 1, dtype=np.float64)  # a^(k+1)
    local = powers * ((1.0 - a) * np.cumsum(padded.reshape(pieces, step) / powers, axis=1))
    starts = np.empty(pieces, dtype=np.float64)
    decay = a**step
    for i, end in enumerate(local[:, -1].tolist()):
        starts[i] = state
        state = decay * state + end
    out = (local + starts[:, None] * powers[None, :]).ravel()[:n]
    return out, float(out[-1])


# linear filters as state space, a block of frames at a time ---------------------------


def one_blas_thread() -> Any:
    """numpy's BLAS on one thread (a context manager; or, not entered, for the rest of
    the process). The filters' matrix products are small: OpenBLAS's extra threads,
    which spin while they wait, only fight a render's own threads for the two cores
    (measured: the reference song 1.45 s against 1.0 s) and the live audio for its
    deadlines. The command line sets OPENBLAS_NUM_THREADS=1 before numpy starts, and
    then there is nothing to do (threadpoolctl costs 5-15 ms to import)."""
    if os.environ.get("OPENBLAS_NUM_THREADS") == "1":
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


KEEP_FREED = 32 * 1024 * 1024
"""Bytes of freed memory the allocator keeps for reuse (and the size from which it
maps arrays straight from the system): glibc's largest allowed mmap threshold."""


def keep_freed_memory() -> None:
    """Have glibc's malloc keep freed blocks for reuse instead of handing them back to
    the system at once (for the rest of the process; nothing where it is not glibc).

    A render makes and drops arrays of a megabyte or two for every block. By default
    glibc gives their pages back as they are freed, so every new array faults in fresh
    zeroed pages: measured on the reference song, 136,000 page faults a render against
    23,000 with this, and the K-weighting filter three times faster (0.5 against
    0.18 s). Peak memory does not grow: the same blocks are reused."""
    import ctypes

    try:
        # the process's own symbols, the C library's among them (find_library would
        # run ldconfig in a subprocess to find its name: 5-10 ms)
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):
        return  # not glibc: its own allocator's habits stand
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    mallopt(m_mmap_threshold, KEEP_FREED)
    mallopt(m_trim_threshold, KEEP_FREED)
    mallopt(m_top_pad, 1024 * 1024)


@dataclass(frozen=True)
class BlockSystem:
    """Linear systems with k states (s' = A s + B x, y = C s + D x), one or several
    (n of them) at once, over blocks of `frames`: every block's output is its input
    through a small matrix of impulse-response taps, plus what its starting states
    give, so a filter runs as matrix products over all blocks at once."""

    taps: np.ndarray
    """(n, frames, frames): the output from the block's input, starting from rest."""
    into: np.ndarray
    """(n, frames, k): the end states from the block's input (A^(frames-1-j) B)."""
    out_of: np.ndarray
    """(n, frames, k): the output from the starting states (C A^j)."""
    across: np.ndarray
    """(n, k, k): the end states from the starting states (A^frames)."""


def block_system(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, frames: int
) -> BlockSystem:
    """The BlockSystem of systems (A: (n, k, k), B: (n, k), C: (n, k), D: (n,))."""
    n, k = b.shape
    out_of = np.empty((n, frames, k))  # C A^j
    powers_b = np.empty((n, frames, k))  # A^j B
    out_of[:, 0], powers_b[:, 0] = c, b
    for j in range(1, frames):
        out_of[:, j] = np.einsum("ni,nij->nj", out_of[:, j - 1], a)
        powers_b[:, j] = np.einsum("nij,nj->ni", a, powers_b[:, j - 1])
    response = np.empty((n, frames))  # D, then C A^(j-1) B
    response[:, 0] = d
    response[:, 1:] = np.einsum("nji,ni->nj", out_of[:, :-1], b)
    lag = np.arange(frames)[:, None] - np.arange(frames)[None, :]
    taps = np.where(lag >= 0, response[:, np.clip(lag, 0, None)], 0.0)
    across = np.einsum("nij,njk->nik", a, np.linalg.matrix_power(a, frames - 1))
    return BlockSystem(taps, np.ascontiguousarray(powers_b[:, ::-1]), out_of, across)


def biquads_state_space(
    sections: tuple[Biquad, ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(A, B, C, D) of a cascade of biquads, each in transposed direct form II."""
    k = 2 * len(sections)
    a = np.zeros((k, k))
    b = np.zeros(k)
    c = np.zeros(k)
    d = 1.0
    for i, (b0, b1, b2, a1, a2) in enumerate(sections):
        s = 2 * i  # this section's states; its input is the cascade so far: c . s + d x
        a[s : s + 2] += np.outer((b1 - a1 * b0, b2 - a2 * b0), c)
        a[s, s], a[s, s + 1], a[s + 1, s] = -a1, 1.0, -a2
        b[s : s + 2] = (b1 - a1 * b0) * d, (b2 - a2 * b0) * d
        c = b0 * c
        c[s] = 1.0
        d *= b0
    return a, b, c, d


class LinearStream:
    """A cascade of biquads run on (channels, frames) blocks with its state carried:
    the same output (to the rounding of `dtype`) for any split into blocks, at numpy
    speed (`BlockSystem` over blocks of FRAMES, their states from one prefix scan).

    float64 by default; float32 halves the cost of the matrix products, for a
    measurement (the loudness meter) that needs no more than float32's 24 bits."""

    FRAMES = 64

    def __init__(self, sections: tuple[Biquad, ...], channels: int, dtype: type = np.float64):
        a, b, c, d = biquads_state_space(sections)
        a, b, c = balanced(a, b, c)
        system = block_system(a[None], b[None], c[None], np.array([d]), self.FRAMES)
        self.dtype = np.dtype(dtype)
        # each matrix as the products want it (C order), in the stream's precision
        self._into = np.ascontiguousarray(system.into[0], dtype=self.dtype)
        self._taps = np.ascontiguousarray(system.taps[0].T, dtype=self.dtype)
        self._out_of = np.ascontiguousarray(system.out_of[0].T, dtype=self.dtype)
        self._first = np.ascontiguousarray(system.across[0].T, dtype=self.dtype)
        self._a, self._b = a.astype(self.dtype), b.astype(self.dtype)
        self._c, self._d = c.astype(self.dtype), self.dtype.type(d)
        # the states of every channel side by side: (channels * k), one matrix for all
        self._across = np.kron(np.eye(channels), system.across[0]).astype(self.dtype)
        self.state = np.zeros((channels, b.shape[0]), dtype=self.dtype)
        # the compiled kernel's form: the sections as they are, in float64
        self._sections = np.array(sections, dtype=np.float64).reshape(-1, 5)
        self._z = np.zeros((channels, len(sections), 2))

    def process(self, x: np.ndarray) -> np.ndarray:
        """Output in the stream's dtype for float (channels, frames) input."""
        if kernels is not None:
            return self._compiled(x)
        channels, frames = x.shape
        size = self.FRAMES
        whole = frames // size
        k = self._b.shape[0]
        out = np.empty((channels, frames), dtype=self.dtype)
        if whole:  # (2-D products throughout: numpy's stacked ones are far slower)
            blocks = np.asarray(x[:, : whole * size], dtype=self.dtype).reshape(-1, size)
            ends: np.ndarray = (blocks @ self._into).reshape(channels, whole, k)
            ends = np.ascontiguousarray(ends.transpose(1, 0, 2)).reshape(whole, channels * k)
            ends[0] += (self.state @ self._first).reshape(-1)
            scan_constant(ends, self._across)
            ends[np.abs(ends) < TINY] = 0.0  # no subnormals as a tail dies away
            starts: np.ndarray = np.empty_like(ends)
            starts[0] = self.state.reshape(-1)
            starts[1:] = ends[:-1]
            self.state = ends[-1].reshape(channels, k).copy()
            starts = starts.reshape(whole, channels, k).transpose(1, 0, 2).reshape(-1, k)
            head = out[:, : whole * size]
            y = head.reshape(-1, size)  # a view of `out` when the blocks fill it
            np.matmul(blocks, self._taps, out=y)
            y += starts @ self._out_of
            if whole * size < frames:
                head[...] = y.reshape(channels, -1)  # reshape made a copy
        for i in range(whole * size, frames):  # the rest, frame by frame
            sample = np.asarray(x[:, i], dtype=self.dtype)
            out[:, i] = self.state @ self._c + self._d * sample
            self.state = self.state @ self._a.T + sample[:, None] * self._b
        return out

    def _compiled(self, x: np.ndarray) -> np.ndarray:
        """`process` by `_kernels.c`: the biquads frame by frame, in float64."""
        channels, frames = x.shape
        if x.dtype == np.float32:
            run = kernels.bs_biquads_f32  # type: ignore[union-attr]
        else:
            x = np.asarray(x, dtype=np.float64)
            run = kernels.bs_biquads_f64  # type: ignore[union-attr]
        out = np.empty((channels, frames), dtype=np.float64)
        if frames:
            run(
                address(x),
                x.strides[0] // x.itemsize,
                x.strides[1] // x.itemsize,
                channels,
                frames,
                address(self._sections),
                self._sections.shape[0],
                address(self._z),
                address(out),
            )
        return out if self.dtype == np.float64 else out.astype(self.dtype)


def balanced(
    a: np.ndarray, b: np.ndarray, c: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same stable system (A, B, C) in its balanced realization, whose states are as
    easy to reach as to observe: the best conditioned there is. A biquad's direct form
    is poorly conditioned where its poles crowd near 1 (the loudness meter's 38 Hz
    high-pass at 96 kHz: matrix entries of 55 for outputs of 1), and in float32 that
    lost 15 % of the output; balanced, 1e-7. A system with a state it cannot reach or
    show (a filter that cancels itself) is left as it is."""
    k = a.shape[0]
    lyapunov = np.eye(k * k)
    try:
        reach = np.linalg.solve(lyapunov - np.kron(a, a), np.outer(b, b).ravel())
        show = np.linalg.solve(lyapunov - np.kron(a.T, a.T), np.outer(c, c).ravel())
        low = np.linalg.cholesky(reach.reshape(k, k))
        u, sigma, _ = np.linalg.svd(low.T @ show.reshape(k, k) @ low)
        if sigma[-1] <= 1e-12 * sigma[0]:
            return a, b, c
        t = low @ u @ np.diag(sigma**-0.25)
        inverse = np.linalg.inv(t)
    except np.linalg.LinAlgError:
        return a, b, c
    return inverse @ a @ t, inverse @ b, c @ t


def scan_constant(ends: np.ndarray, across: np.ndarray) -> None:
    """In place, (blocks, k): ends[j] += across @ ends[j - 1], in order (a prefix
    scan: log2(blocks) steps, each one product over every block)."""
    step = across
    shift = 1
    while shift < ends.shape[0]:
        ends[shift:] += ends[:-shift] @ step.T
        step = step @ step
        step[np.abs(step) < TINY] = 0.0
        shift *= 2
