"""Small DSP pieces in numpy: biquads as impulse responses, and FFT convolution.

A biquad (RBJ cookbook) is run once on an impulse, in plain Python, until its response
has died away below RESIDUE; filtering is then an FFT convolution with that response,
exact to about -180 dB. This keeps scipy (1.7 s to import) out of the render path.
`FirStream` convolves audio that arrives in blocks, with the same result whatever the
block sizes; `onepole` runs a one-pole low-pass in closed form (numpy, state carried),
and `BiquadStream` a biquad the same way, as two complex one-poles.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

RESIDUE = 1e-9
"""An impulse response is cut where it stays below this part of its peak."""
MAX_RESPONSE_SECONDS = 2.0

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


class FirStream:
    """Convolution of a stream of (channels, frames) blocks with one response.

    Overlap-save in float32, batched: input is gathered until whole pieces are there,
    then every piece of every channel goes through one numpy FFT call. Output comes in
    order but not block for block; `flush` returns what is still inside.
    """

    def __init__(self, response: np.ndarray, channels: int):
        self.taps = response.shape[0]
        self.size = max(1024, 1 << (8 * self.taps - 1).bit_length())
        self.piece = self.size - self.taps + 1
        self._spectrum = np.fft.rfft(response.astype(np.float32), self.size)
        self._input = np.zeros((channels, self.taps - 1), dtype=np.float32)  # history first

    def process(self, block: np.ndarray) -> np.ndarray:
        """Output for as much of the input so far as fills whole pieces."""
        self._input = np.concatenate([self._input, np.asarray(block, dtype=np.float32)], axis=1)
        pieces = (self._input.shape[1] - (self.taps - 1)) // self.piece
        return self._run(pieces)

    def flush(self) -> np.ndarray:
        """The output for the rest of the input (as if it were followed by silence)."""
        rest = self._input.shape[1] - (self.taps - 1)
        if rest <= 0:
            return np.zeros((self._input.shape[0], 0), dtype=np.float32)
        pad = np.zeros((self._input.shape[0], self.piece - rest), dtype=np.float32)
        self._input = np.concatenate([self._input, pad], axis=1)
        return self._run(1)[:, :rest]

    def _run(self, pieces: int) -> np.ndarray:
        channels = self._input.shape[0]
        if pieces <= 0:
            return np.zeros((channels, 0), dtype=np.float32)
        data = np.ascontiguousarray(self._input)
        step = data.strides[1]
        view = np.lib.stride_tricks.as_strided(
            data,
            shape=(channels, pieces, self.size),
            strides=(data.strides[0], self.piece * step, step),
            writeable=False,
        )
        out = np.fft.irfft(np.fft.rfft(view, axis=-1) * self._spectrum, self.size, axis=-1)
        used = pieces * self.piece
        self._input = data[:, used:].copy()
        return out[:, :, self.taps - 1 :].reshape(channels, used)


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


class BiquadStream:
    """A biquad with complex poles run on (channels, frames) blocks, state carried.

    H(z) = b0 + z^-1 (r / (1 - p z^-1) + conj(r) / (1 - conj(p) z^-1)): the output is
    b0 x[n] + 2 Re(u[n-1]) with u[n] = p u[n-1] + r x[n], a complex one-pole worked in
    closed form a piece at a time (numpy, no per-sample Python). Any split into blocks
    gives the same output to within float64 rounding.
    """

    def __init__(self, coefficients: Biquad, channels: int):
        b0, b1, b2, a1, a2 = coefficients
        root = np.sqrt(complex(a1 * a1 - 4 * a2))
        p = (-a1 + root) / 2
        if abs(p.imag) < 1e-12:
            raise ValueError("BiquadStream needs complex poles (Q above 0.5)")
        q = p.conjugate()
        e1, e2 = b1 - b0 * a1, b2 - b0 * a2
        self.b0 = b0
        self.pole = complex(p)
        self.residue = complex((e1 + e2 / p) / (1 - q / p))
        magnitude = abs(self.pole)
        self.step = (
            512 if -math.log(magnitude) * 512 < 500 else max(1, int(500 / -math.log(magnitude)))
        )
        k = np.arange(self.step + 1, dtype=np.float64)
        self._up = self.pole**k  # p^k
        self._down = self.pole ** -(k + 1)  # p^-(k+1)
        self.state = np.zeros(channels, dtype=np.complex128)  # u[n-1]

    def process(self, x: np.ndarray) -> np.ndarray:
        frames = x.shape[1]
        out = np.empty(x.shape, dtype=np.float32)
        for at in range(0, frames, self.step):
            part = x[:, at : at + self.step].astype(np.float64)
            n = part.shape[1]
            if not part.any() and not self.state.any():
                out[:, at : at + n] = 0.0
                continue
            # u[k] = p^(k+1) (u[-1] + r * sum_{j<=k} x[j] p^-(j+1)), k = 0 .. n-1
            sums = np.cumsum(part * (self.residue * self._down[:n]), axis=1)
            u = self._up[1 : n + 1] * (self.state[:, None] + sums)
            previous = np.concatenate([self.state[:, None], u[:, :-1]], axis=1)
            out[:, at : at + n] = self.b0 * part + 2.0 * previous.real
            self.state = u[:, -1]
            self.state[np.abs(self.state) < 1e-30] = 0.0  # no denormals in the silence
        return out
