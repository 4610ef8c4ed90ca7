"""The render report's meter (peak and integrated loudness) and the block filter it runs
on: the K-weighting must give what the reference implementation (pyloudnorm) gives,
at every sample rate a render offers, however the audio arrives in blocks."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import lfilter

from beatseq.engine import dsp, native
from beatseq.engine.dsp import LinearStream, biquad
from beatseq.formats.audio import _K_WEIGHTING, LoudnessMeter

SPLITS = (1000, 65536, 7, 4410, 64, 300000, 1)


def program(rate: int, seconds: float) -> np.ndarray:
    """Float32 (frames, 2): a gated 60 Hz bass with noise on the left (low frequencies
    are where a high-pass near 38 Hz is hardest to run exactly), a 3 kHz tone on the
    right (where K-weighting lifts the level), quiet stretches for the gates."""
    n = round(rate * seconds) + 123
    t = np.arange(n) / rate
    noise = np.random.default_rng(1).standard_normal(n)
    left = 0.3 * np.sin(2 * np.pi * 60 * t) * (t % 1 < 0.3) + 0.05 * noise
    right = 0.2 * np.sin(2 * np.pi * 3000 * t) * (t % 2 < 1.5)
    return np.stack([left, right], axis=1).astype(np.float32)


def in_blocks(audio: np.ndarray) -> list[np.ndarray]:
    out, at, i = [], 0, 0
    while at < audio.shape[0]:
        size = SPLITS[i % len(SPLITS)]
        out.append(audio[at : at + size])
        at, i = at + size, i + 1
    return out


@pytest.fixture(params=["compiled", "numpy"])
def kernels(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The meter on the compiled kernels (`bs_weigh`), or on its numpy fallback."""
    if request.param == "numpy":
        monkeypatch.setattr(native, "kernels", None)
        monkeypatch.setattr(dsp, "kernels", None)
    elif native.kernels is None:
        pytest.skip("kernels not built")
    return str(request.param)


@pytest.mark.parametrize("rate", [44100, 48000, 96000])
def test_integrated_loudness_and_peak_match_pyloudnorm_in_any_blocks(
    rate: int, kernels: str
) -> None:
    audio = program(rate, 7.0)
    meter = LoudnessMeter(rate)
    for block in in_blocks(audio):
        meter.add(block)
    expected = pyloudnorm.Meter(rate).integrated_loudness(audio.astype(np.float64))
    levels = meter.levels()
    assert levels.lufs == pytest.approx(expected, abs=0.001)
    assert levels.peak_dbfs == pytest.approx(20 * np.log10(np.max(np.abs(audio))), abs=1e-6)


@pytest.mark.parametrize("rate", [44100, 96000])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_block_filter_is_the_biquads_run_frame_by_frame(rate: int, dtype: type) -> None:
    sections = tuple(
        biquad(kind, centre, rate, q=q, gain_db=gain) for kind, gain, q, centre in _K_WEIGHTING
    ) + (biquad("lowpass", 900.0, rate, q=8.0),)
    audio = program(rate, 1.0).T
    expected = audio.astype(np.float64)
    for b0, b1, b2, a1, a2 in sections:
        expected = lfilter([b0, b1, b2], [1.0, a1, a2], expected, axis=1)
    stream = LinearStream(sections, 2, dtype=dtype)
    got = np.concatenate([stream.process(b.T) for b in in_blocks(audio.T)], axis=1)
    assert got.dtype == dtype
    error = np.sqrt(np.mean((got - expected) ** 2, axis=1) / np.mean(expected**2, axis=1))
    assert np.all(error < (1e-9 if dtype == np.float64 else 1e-6)), error
