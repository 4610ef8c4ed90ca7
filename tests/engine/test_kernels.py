"""The compiled kernels (`beatseq.engine.native`, `_kernels.c`) give the samples their
numpy fallbacks give: the same bits for the hit loop, the limiter and 24-bit packing,
and float64 rounding apart for the biquads; the send buses give the bits of
pedalboard's Reverb and LowpassFilter. Each test runs both and compares."""

from __future__ import annotations

import os
import shutil
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np
import pytest

from beatseq.engine import dsp, effects, master, mixer, native, sends, strip, subtractive
from beatseq.engine.dsp import LinearStream, biquad
from beatseq.engine.master import Limiter
from beatseq.engine.render import plan_render, render_audio
from beatseq.engine.sends import DelayLine, ReverbBus
from beatseq.formats.audio import _pack24, _quantise
from beatseq.formats.songfile import load_song
from beatseq.model.effects import Delay, Duck, Effects, Reverb

ROOT = Path(__file__).resolve().parents[2]
needs_kernels = pytest.mark.skipif(native.kernels is None, reason="kernels not built")


@contextmanager
def numpy_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every caller of the kernels on its numpy fallback, inside the block."""
    with monkeypatch.context() as patch:
        for module in (native, mixer, master, dsp, sends, effects, subtractive, strip):
            patch.setattr(module, "kernels", None)
        yield


def test_the_kernels_are_built_where_there_is_a_compiler() -> None:
    if os.environ.get("BEATSEQ_KERNELS", "").lower() == "numpy":
        pytest.skip("BEATSEQ_KERNELS=numpy")
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler})")
    assert native.kernels is not None, "reinstall beatseq, or run `python hatch_build.py`"


@needs_kernels
def test_the_reference_song_renders_to_the_same_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    # drums, choke groups (cut hits fading), a stereo crash and ride, a sliding 808
    song = load_song(ROOT / "patterns" / "reference.toml")
    compiled = render_audio(song, 44100).mix
    with numpy_only(monkeypatch):
        fallback = render_audio(song, 44100).mix
    assert compiled.shape == fallback.shape
    assert np.array_equal(compiled, fallback)
    assert np.max(np.abs(compiled)) > 0.5  # it made sound


def _voices(numpy: bool, monkeypatch: pytest.MonkeyPatch) -> list[tuple[np.ndarray, float]]:
    """A looped track's blocks as the live engine asks for them (a period, hits kept
    from `since` and before `before`, metering on), for the stereo crash and the cut
    open hat."""
    song = load_song(ROOT / "patterns" / "reference.toml")
    plan = plan_render(song, 44100)
    results = []
    with numpy_only(monkeypatch) if numpy else nullcontext():
        for name in ("crash", "open-hat", "808"):
            track = plan.tracks()[name]
            track.metering = True
            period = int(track.hits.starts[len(track.hits) // 2]) + 12345
            for start, frames in ((0, 700), (period - 300, 4096), (3 * period + 17, 9000)):
                out = np.zeros((2, frames), dtype=np.float32)
                track.peak = 0.0
                track.voices(out, start, track.gains, period=period, since=start - 5000)
                results.append((out, track.peak))
                dry = np.zeros((track.bank.channels, frames), dtype=np.float32)
                track.voices(dry, start, period=period, before=start + frames // 2)
                results.append((dry, track.peak))
    return results


@needs_kernels
def test_looped_and_handed_over_hits_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = _voices(False, monkeypatch)
    fallback = _voices(True, monkeypatch)
    assert any(np.any(out) for out, _ in compiled)
    for (a, peak_a), (b, peak_b) in zip(compiled, fallback, strict=True):
        assert np.array_equal(a, b)
        assert peak_a == peak_b


def _limited(blocks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    limiter = Limiter(44100)
    outs, gains = zip(*(limiter.process(block.copy()) for block in blocks), strict=True)
    return np.concatenate(outs, axis=1), np.concatenate(gains)


@needs_kernels
def test_the_limiter_gives_the_same_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    audio = (rng.standard_normal((2, 50_000)) * 0.4).astype(np.float32)
    audio[:, 20_000:20_200] *= 8  # a burst well over the ceiling
    splits = [0, 1, 333, 4096, 4097, 30_000, 50_000]
    blocks = [audio[:, a:b] for a, b in zip(splits, splits[1:])]
    compiled = _limited(blocks)
    with numpy_only(monkeypatch):
        fallback = _limited(blocks)
    assert np.min(compiled[1]) < 0.5  # it limited
    assert np.array_equal(compiled[0], fallback[0])
    assert np.array_equal(compiled[1], fallback[1])


@needs_kernels
@pytest.mark.parametrize("frames", [1, 3, 4, 7, 1024, 1025, 5000])
def test_24_bit_packing_rounds_and_clips_as_numpy_does(frames: int) -> None:
    rng = np.random.default_rng(frames)
    audio = ((rng.random((frames, 2)) - 0.5) * 2.4).astype(np.float32)
    edges = np.array(
        [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 8388606.5, -8388607.5, 8388607, -8388608, 9e6]
    ) / np.float64(8388607.0)
    flat = audio.reshape(-1)
    flat[: min(flat.size, edges.size)] = edges[: flat.size].astype(np.float32)
    expected = _pack24(_quantise(audio * np.float32(8388607.0), 8388607))
    packed = native.pack24(audio)
    assert packed is not None
    assert packed.tobytes() == expected


@needs_kernels
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_biquad_cascade_matches_the_state_space(
    dtype: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the loudness meter's K-weighting at 96 kHz, the worst-conditioned filter here
    sections = (
        biquad("high_shelf", 1500.0, 96000, q=2**-0.5, gain_db=4.0),
        biquad("highpass", 38.0, 96000, q=0.5),
    )
    rng = np.random.default_rng(7)
    audio = rng.standard_normal((2, 40_000)).astype(dtype)
    splits = [0, 5, 64, 1000, 1001, 40_000]

    def run() -> np.ndarray:
        stream = LinearStream(sections, 2)
        blocks = [stream.process(audio[:, a:b]) for a, b in zip(splits, splits[1:])]
        return np.concatenate(blocks, axis=1)

    compiled = run()
    with numpy_only(monkeypatch):
        fallback = run()
    assert compiled.dtype == fallback.dtype == np.float64
    assert np.max(np.abs(compiled - fallback)) < 1e-9 * np.max(np.abs(fallback))
    whole = LinearStream(sections, 2).process(audio)  # any split, the same samples
    assert np.array_equal(whole, compiled)


@needs_kernels
def test_tracks_with_strips_between_them_keep_their_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # tracks without strips are added in compiled runs between the ones with strips
    # (a compressor, ducking, a crush and a send): the sums keep their order, so the
    # bits are the same
    from dataclasses import replace

    from beatseq.model.effects import Compressor, Crush, Duck, Effects

    song = load_song(ROOT / "patterns" / "reference.toml")
    fx = {
        "snare": Effects(comp=Compressor(threshold=-20.0), drive=0.4),
        "808": Effects(duck=Duck(by="kick", amount=6.0)),
        "ride": Effects(crush=Crush(bits=10.0, rate=22050.0), delay=-12.0),
    }
    kit = song.kit
    for name, settings in fx.items():
        kit = kit.with_instrument(replace(kit[name], fx=settings))
    song = replace(song, kit=kit, arrangement=song.order[:3])  # the first three sections
    compiled = render_audio(song, 44100, stems=True)
    with numpy_only(monkeypatch):
        fallback = render_audio(song, 44100, stems=True)
    assert np.array_equal(compiled.mix, fallback.mix)
    assert compiled.stems.keys() == fallback.stems.keys()
    for name in compiled.stems:
        assert np.array_equal(compiled.stems[name], fallback.stems[name]), name


def _faded_gains(numpy: bool, monkeypatch: pytest.MonkeyPatch) -> list[np.ndarray]:
    """A track played live while its fader moves, block after block: a new pair of
    gains each time (more than the compiled table keeps routes for)."""
    song = load_song(ROOT / "patterns" / "reference.toml")
    plan = plan_render(song, 44100)
    blocks = []
    with numpy_only(monkeypatch) if numpy else nullcontext():
        track = plan.tracks()["closed-hat"]
        for n in range(100):
            gain = 0.2 + n / 100
            out = np.zeros((2, 2048), dtype=np.float32)
            track.voices(out, 2048 * n, (gain, 1.0 - gain / 2))
            blocks.append(out)
    return blocks


@needs_kernels
def test_a_moving_fader_keeps_giving_the_same_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = _faded_gains(False, monkeypatch)
    fallback = _faded_gains(True, monkeypatch)
    assert sum(np.count_nonzero(b) for b in compiled) > 1000
    for a, b in zip(compiled, fallback, strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("bit_depth", ["16", "24"])
def test_a_file_is_the_same_however_its_blocks_come(tmp_path: Path, bit_depth: str) -> None:
    # the 16-bit dither draws its noise frame by frame, so the render's block size
    # does not change the file
    from beatseq.formats.audio import AudioWriter

    rng = np.random.default_rng(5)
    audio = (rng.standard_normal((10_000, 2)) * 0.3).astype(np.float32)
    files = []
    for splits in ([0, 10_000], [0, 1, 4096, 4097, 9_999, 10_000]):
        path = tmp_path / f"{len(splits)}.wav"
        with AudioWriter(path, 44100, bit_depth=bit_depth, dither_seed=3) as writer:
            for a, b in zip(splits, splits[1:]):
                writer.write(audio[a:b])
        files.append(path.read_bytes())
    assert files[0] == files[1]
    assert len(files[0]) > 10_000 * 2 * int(bit_depth) // 8


def _reverb_blocks(
    rate: int, splits: list[int], numpy: bool, monkeypatch: pytest.MonkeyPatch
) -> np.ndarray:
    """A send through the reverb in blocks ending at `splits`, retuned (size, damping
    and width) at the middle one while the tail of a burst still rings."""
    rng = np.random.default_rng(11)
    frames = splits[-1]
    envelope = np.exp(-np.arange(frames) / (0.2 * rate))
    send = (rng.standard_normal((2, frames)) * envelope).astype(np.float32)
    send[:, frames // 3 : frames // 2] = 0.0  # silence: only the tail
    send[0, frames // 2] = 0.9  # a click, left only
    retune_at = splits[len(splits) // 2]
    with numpy_only(monkeypatch) if numpy else nullcontext():
        bus = ReverbBus(Reverb(size=0.55, damping=0.6, width=1.0), rate)
        assert (bus.plugin is not None) == numpy
        out = []
        for a, b in zip([0, *splits], splits, strict=False):
            if a == retune_at:
                bus.retune(Reverb(size=0.9, damping=0.2, width=0.4))
            out.append(bus.process(send[:, a:b]))
    return np.concatenate(out, axis=1)


@needs_kernels
@pytest.mark.parametrize("rate", [22050, 44100, 48000, 96000])
def test_the_reverb_gives_pedalboards_samples(rate: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # blocks of one frame, of fewer frames than the shortest line, of more than the
    # kernel's chunk and than pedalboard's block; a retune ramps over 10 ms in both
    splits = [1, 38, 500, 4096 + 500, rate // 2, rate // 2 + 7, rate + 9000, 2 * rate]
    compiled = _reverb_blocks(rate, splits, False, monkeypatch)
    pedalboard = _reverb_blocks(rate, splits, True, monkeypatch)
    assert compiled.shape == (2, 2 * rate)
    assert np.array_equal(compiled, pedalboard)
    tail = compiled[:, rate // 2 + 7 + rate // 10 :]
    assert np.max(np.abs(tail)) > 0.01  # the retuned reverb rang on
    assert not np.array_equal(compiled[0], compiled[1])  # width < 1 but still stereo


def _delay_blocks(
    bpm: float, splits: list[int], numpy: bool, monkeypatch: pytest.MonkeyPatch
) -> np.ndarray:
    """A send through the delay line in blocks ending at `splits`, its feedback and
    low-pass changed at the middle one."""
    rng = np.random.default_rng(12)
    frames = splits[-1]
    send = np.zeros((2, frames), dtype=np.float32)
    send[:, :3000] = rng.standard_normal((2, 3000)) * 0.5  # a burst, then its repeats
    retune_at = splits[len(splits) // 2]
    with numpy_only(monkeypatch) if numpy else nullcontext():
        line = DelayLine(Delay(time="1/4", feedback=0.6, lowpass=2500.0), bpm, 44100)
        assert (line.lowpass is not None) == numpy
        out = []
        for a, b in zip([0, *splits], splits, strict=False):
            if a == retune_at:
                line.retune(Delay(time="1/4", feedback=0.8, lowpass=900.0))
            out.append(line.process(send[:, a:b]))
    return np.concatenate(out, axis=1)


@needs_kernels
@pytest.mark.parametrize("bpm", [90.0, 400.0])
def test_the_delay_gives_the_samples_of_pedalboards_lowpass(
    bpm: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a quarter at 90 BPM is longer than pedalboard's 4096-frame pieces, at 400 shorter
    # than a block; blocks of one frame to several delays
    splits = [1, 700, 9000, 30_000, 30_001, 64_000, 200_000]
    compiled = _delay_blocks(bpm, splits, False, monkeypatch)
    pedalboard = _delay_blocks(bpm, splits, True, monkeypatch)
    assert np.array_equal(compiled, pedalboard)
    length = round(60.0 / bpm * 44100)
    assert np.max(np.abs(compiled[:, length : length + 3000])) > 0.1  # the first repeat
    assert np.max(np.abs(compiled[:, 150_000:])) > 1e-6  # still repeating after the change


@needs_kernels
@pytest.mark.parametrize("frames", [1, 15, 16, 4097, 131_072])
def test_the_compressors_detector_gives_numpys_numbers(
    frames: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(frames)
    block = (rng.standard_normal((2, frames + 3)) * 2.0).astype(np.float32)
    block[:, ::5] = np.float32(1e-30)  # squares below float32's range, kept in float64
    view = block[:, 2 : frames + 2]  # rows further apart than the frames
    compiled = effects.power(view)
    with numpy_only(monkeypatch):
        fallback = effects.power(view)
    assert compiled.dtype == fallback.dtype == np.float64
    assert np.array_equal(compiled, fallback)


def _strip_blocks(channels: int, numpy: bool, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """A strip with ducking and both sends, block by block, metered; its fader, pan,
    sends and ducking changed while it plays (so every gain ramps)."""
    rng = np.random.default_rng(21)
    fx = Effects(reverb=-6.0, delay=-12.0, duck=Duck(by="kick", amount=9.0, release=80.0))
    results: list[object] = []
    with numpy_only(monkeypatch) if numpy else nullcontext():
        track = strip.Strip(fx, strip.Bus(gain=0.8, pan=-0.3), channels, 44100)
        track.metering = True
        start = 0
        for n, frames in enumerate((700, 4096, 64, 9000, 3000)):
            if n == 2:  # live edits: everything glides over the next blocks
                changed = Effects(reverb=-20.0, duck=Duck(by="kick", amount=3.0))
                track.update(changed, strip.Bus(gain=0.5, pan=0.6))
            dry = (rng.standard_normal((channels, frames)) * 0.4).astype(np.float32)
            mix = (rng.standard_normal((2, frames)) * 0.1).astype(np.float32)
            sends = np.zeros((2, 2, frames), dtype=np.float32)
            kicks = {"kick": np.array([start - 500, start + 10, start + frames // 2])}
            track.peak = 0.0
            track.process(dry, start, kicks, mix, sends)
            results += [mix, sends, track.peak]
            start += frames
    return results


@needs_kernels
@pytest.mark.parametrize("channels", [1, 2])
def test_a_strips_gains_sends_and_ducking_give_the_same_bits(
    channels: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = _strip_blocks(channels, False, monkeypatch)
    fallback = _strip_blocks(channels, True, monkeypatch)
    for a, b in zip(compiled, fallback, strict=True):
        if isinstance(a, np.ndarray):
            assert np.array_equal(a, b)  # type: ignore[arg-type]
        else:
            assert a == b and a > 0.1  # the loudest sample, as metered
    assert np.count_nonzero(compiled[-2]) > 1000  # the reverb send, after the edits
