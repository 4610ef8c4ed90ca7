"""The voice graph: polyphony, choke cuts, the limiter, and block-size independence."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from beatseq.compile import compile_song
from beatseq.engine import render as render_module
from beatseq.engine.mixer import Limiter, pan_gains
from beatseq.engine.render import mix_blocks, plan_render, render_audio
from tests.engine.conftest import with_sounds, write_sound
from tests.helpers import pattern, song

RATE = 44100


def _ring(tmp_path: Path, name: str, seconds: float = 1.0, freq: float = 300.0) -> Path:
    t = np.arange(int(seconds * RATE)) / RATE
    return write_sound(
        tmp_path / f"{name}.wav", (0.2 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    )


def test_overlapping_hits_ring_out(tmp_path: Path) -> None:
    s = with_sounds(
        song(pattern(pad="xx..", resolution="1/8"), bpm=120),
        {"pad": _ring(tmp_path, "p")},
        velocity_curve=0.0,
    )
    mix = render_audio(s, RATE).mix[:, 0]
    # second hit at 0.25 s: both voices sound together until the first ends at 1 s
    t = np.arange(mix.shape[0]) / RATE
    one = 0.2 * np.sin(2 * np.pi * 300 * t)
    two = np.where(t >= 0.25, 0.2 * np.sin(2 * np.pi * 300 * (t - 0.25)), 0.0)
    expected = np.where(t < 1.0, one, 0) + np.where(t < 1.25, two, 0)
    assert np.max(np.abs(mix - expected[: mix.shape[0]])) < 1e-5


def test_a_choke_group_fades_the_open_hat_within_5_ms(tmp_path: Path) -> None:
    s = song(
        pattern(open_hat="x...", closed_hat="..x."),
        choke={"open-hat": "hats", "closed-hat": "hats"},
        bpm=120,
    )
    s = with_sounds(
        s,
        {"open-hat": _ring(tmp_path, "o", 2.0), "closed-hat": _ring(tmp_path, "c", 0.001)},
        velocity_curve=0.0,
    )
    stems = render_audio(s, RATE, stems=True).stems
    cut = compile_song(s, RATE).events[1].sample  # the closed hat
    open_hat = np.abs(stems["open-hat"][:, 0])
    assert np.max(open_hat[cut - 500 : cut]) > 0.19  # ringing at full level before
    fade = round(0.005 * RATE)
    assert np.max(open_hat[cut + fade :]) == 0.0  # gone 5 ms after
    assert 0.0 < np.max(open_hat[cut + fade // 2 : cut + fade]) < 0.2 * 10 ** (-20 / 20)  # fading


def test_a_mono_808_cuts_its_last_note(tmp_path: Path) -> None:
    s = with_sounds(
        song(pattern(sub="x...x...")), {"sub": _ring(tmp_path, "s", 3.0, 55.0)}, mono=True
    )
    plan = plan_render(s, RATE)
    hits = plan.hits["sub"]
    assert list(hits.cut) == [True, False]
    assert hits.stops[0] == hits.starts[1] + round(0.005 * RATE)


def test_the_limiter_never_passes_the_ceiling_and_is_transparent_below_it():
    rng = np.random.default_rng(3)
    loud = (rng.standard_normal((2, RATE * 3)) * 0.6).astype(np.float32)
    quiet = loud * 0.1
    for signal in (loud, quiet):
        limiter = Limiter(RATE)
        out = np.concatenate(
            [limiter.process(signal[:, a : a + 1000])[0] for a in range(0, signal.shape[1], 1000)],
            axis=1,
        )
        assert np.max(np.abs(out)) <= limiter.ceiling * (1 + 1e-6)
    n = limiter.latency
    assert np.array_equal(out[:, n:], quiet[:, :-n])  # exactly the input, late


@pytest.mark.parametrize("block", [256, 1000, 4096])
def test_any_block_size_gives_the_same_samples(monkeypatch, block: int) -> None:  # type: ignore[no-untyped-def]
    from beatseq.formats.songfile import load_song

    s = load_song(Path(__file__).parents[2] / "patterns" / "trap.toml").only_section("hook")
    reference = np.concatenate([b for _, b, _ in mix_blocks(plan_render(s, RATE))], axis=1)
    monkeypatch.setattr(render_module, "BLOCK", block)
    blocked = np.concatenate([b for _, b, _ in mix_blocks(plan_render(s, RATE))], axis=1)
    assert np.array_equal(blocked, reference)


def test_pan_law():
    assert pan_gains(0.0, stereo=False) == pytest.approx((1.0, 1.0))
    left, right = pan_gains(0.5, stereo=False)
    assert left**2 + right**2 == pytest.approx(2.0)  # constant power
    assert pan_gains(-1.0, stereo=True) == pytest.approx((1.0, 0.0))
    assert pan_gains(0.25, stereo=True) == pytest.approx((0.75, 1.0))


def test_velocity_curve(tmp_path: Path) -> None:
    s = with_sounds(
        song(pattern(kick="x{v127}.x{v64}.")),
        {"kick": _ring(tmp_path, "k", 0.01)},
        velocity_curve=2.0,
    )
    mix = render_audio(s, RATE).mix[:, 0]
    events = compile_song(s, RATE).events
    peaks = [np.max(np.abs(mix[e.sample : e.sample + 400])) for e in events]
    assert peaks[1] / peaks[0] == pytest.approx((64 / 127) ** 2, rel=1e-3)
    flat = replace(s, kit=s.kit.with_instrument(replace(s.kit["kick"], velocity_curve=0.0)))
    mix = render_audio(flat, RATE).mix[:, 0]
    assert np.max(np.abs(mix[events[1].sample : events[1].sample + 400])) == pytest.approx(
        0.2, rel=1e-3
    )


def test_mute_and_solo_in_the_song_silence_tracks(tmp_path: Path) -> None:
    s = with_sounds(
        song(pattern(kick="x...", hat="..x.")),
        {"kick": _ring(tmp_path, "k", 0.01), "hat": _ring(tmp_path, "h", 0.01)},
    )
    kick_at, hat_at = (e.sample for e in compile_song(s, RATE).events)

    def levels(song_):  # type: ignore[no-untyped-def]
        mix = render_audio(song_, RATE).mix[:, 0]
        return [float(np.max(np.abs(mix[f : f + 400]))) for f in (kick_at, hat_at)]

    assert all(level > 0.1 for level in levels(s))
    muted = replace(s, kit=s.kit.with_instrument(replace(s.kit["kick"], mute=True)))
    assert levels(muted)[0] == 0.0 and levels(muted)[1] > 0.1
    soloed = replace(s, kit=s.kit.with_instrument(replace(s.kit["kick"], solo=True)))
    assert levels(soloed)[0] > 0.1 and levels(soloed)[1] == 0.0
