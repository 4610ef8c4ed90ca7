"""Effects measured: filter, crush, compressor, ducking, delay, reverb, loudness, stems,
block-size independence, and live playback equal to the render."""

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beatseq.compile import compile_song
from beatseq.engine import render as render_module
from beatseq.engine.effects import CompStage, CrushStage, Dynamics, FilterStage
from beatseq.engine.player import Player
from beatseq.engine.render import loudness_trim, mix_blocks, plan_render, render_audio
from beatseq.model import Song
from beatseq.model.effects import Compressor, Crush, Delay, Duck, Effects, Eq, Filter, Mix, Reverb
from tests.engine.conftest import write_sound
from tests.helpers import pattern, song

RATE = 44100


def _db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64))))


def _band(x: np.ndarray, low: float, high: float) -> float:
    """Power (dB) of mono `x` between two frequencies."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.shape[0]))) ** 2
    f = np.fft.rfftfreq(x.shape[0], 1 / RATE)
    return float(10 * np.log10(spectrum[(f >= low) & (f < high)].mean()))


def _noise(seconds: float = 2.0, level: float = 0.05) -> np.ndarray:
    rng = np.random.default_rng(1)
    return (rng.standard_normal((1, int(seconds * RATE))) * level).astype(np.float32)


def _sine(freq: float, seconds: float, peak: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (peak * np.sin(2 * np.pi * freq * t)).astype(np.float32)[None, :]


# processors ---------------------------------------------------------------------------


@pytest.mark.parametrize("cutoff", [500.0, 2000.0])
def test_a_lowpass_cuts_above_its_cutoff(cutoff: float) -> None:
    x = _noise()
    y = FilterStage(Filter("lowpass", cutoff), RATE, 1).process(x, 0)[0]
    dry = x[0]
    passband = _band(y, cutoff / 4, cutoff / 2) - _band(dry, cutoff / 4, cutoff / 2)
    octave_up = _band(y, 3.6 * cutoff, 4.4 * cutoff) - _band(dry, 3.6 * cutoff, 4.4 * cutoff)
    assert abs(passband) < 2.5  # flat below the cutoff
    assert octave_up < -18  # two octaves above: 12 dB/octave, less the knee
    assert _band(y, 0.9 * cutoff, 1.1 * cutoff) - _band(dry, 0.9 * cutoff, 1.1 * cutoff) > -6


def test_a_highpass_and_resonance_shape_the_spectrum() -> None:
    x = _noise()
    dry = x[0]
    high = FilterStage(Filter("highpass", 1000.0), RATE, 1).process(x, 0)[0]
    assert _band(high, 200, 300) - _band(dry, 200, 300) < -18
    assert abs(_band(high, 4000, 8000) - _band(dry, 4000, 8000)) < 2
    peaked = FilterStage(Filter("lowpass", 1000.0, resonance=0.8), RATE, 1).process(x, 0)[0]
    assert _band(peaked, 950, 1050) - _band(dry, 950, 1050) > 10  # the resonant peak


def test_bitcrush_leaves_few_values_and_aliases() -> None:
    x = _sine(5000.0, 1.0, 0.5)
    y = CrushStage(Crush(bits=4.0), RATE, 1).process(x, 0)
    assert len(np.unique(y)) <= 16
    held = CrushStage(Crush(bits=24.0, rate=8000.0), RATE, 1).process(x, 0)[0]
    # 5 kHz held at 8 kHz folds to 3 kHz (8 - 5), far above what the sine had there
    assert _band(held, 2950, 3050) - _band(x[0], 2950, 3050) > 40
    assert len(np.unique(held[: RATE // 10])) <= 801  # one value per 1/8000 s


def test_the_compressor_turns_a_loud_tone_down_by_its_ratio() -> None:
    x = _sine(440.0, 2.0, 0.5)  # -9 dB RMS
    settings = Compressor(threshold=-21.0, ratio=4.0, attack=5.0, release=100.0, makeup=2.0)
    y = CompStage(settings, RATE).process(x, 0)
    level = _db(y[0, RATE:])
    assert level == pytest.approx(-21 + (-9.03 + 21) / 4 + 2, abs=0.3)
    quiet = CompStage(settings, RATE).process(x * 0.05, 0)  # -35 dB RMS: untouched
    assert np.allclose(quiet, x * 0.05 * 10 ** (2 / 20), rtol=1e-5)


def test_the_compressor_follows_its_attack_and_release_the_same_in_any_blocks() -> None:
    settings = Compressor(threshold=-20.0, ratio=4.0, attack=10.0, release=100.0)
    # mean square: -40 dB, then -6 dB for half a second, then -40 dB again
    power = np.concatenate(
        [np.full(RATE // 2, 1e-4), np.full(RATE // 2, 0.25), np.full(RATE, 1e-4)]
    )
    gain = Dynamics(settings, RATE).gain(power)
    db = 20 * np.log10(gain)
    # the textbook compressor, frame by frame: RMS over the attack, hard knee, release
    attack, release = math.exp(-1 / (0.010 * RATE)), math.exp(-1 / (0.100 * RATE))
    level = held = 0.0
    expected = np.empty(power.shape[0])
    for i, p in enumerate(power.tolist()):
        level = attack * level + (1 - attack) * p
        reduction = max(10 * math.log10(level) + 20.0, 0.0) * 0.75
        held = release * held + (1 - release) * reduction
        expected[i] = -max(reduction, held)
    lag = Dynamics.CHUNK  # its control rate: the gain comes a chunk late
    assert np.max(np.abs(db[lag:] - expected[:-lag])) < 0.3
    ms, on, off = RATE // 1000, RATE // 2, RATE
    assert db[on + 10 * ms] == pytest.approx(-9.0, abs=0.3)  # one attack time: 1 - 1/e
    assert db[off - 1] == pytest.approx(-(20 - 6) * 0.75, abs=0.05)  # the ratio's 10.5 dB
    assert db[-1] == pytest.approx(0.0, abs=0.01)  # released in the second after
    blocks, at, sizes = [], 0, (1, 7, 1000, 16, 333, 65536, 15)
    dynamics = Dynamics(settings, RATE)
    while at < power.shape[0]:
        size = sizes[len(blocks) % len(sizes)]
        blocks.append(dynamics.gain(power[at : at + size]))
        at += size
    assert np.allclose(np.concatenate(blocks), gain, rtol=1e-6, atol=0)


# songs ---------------------------------------------------------------------------------


def _fx_song(tmp_path: Path, **fx: Effects) -> Song:
    """A pad (a 2 s, 220 Hz tone) and a kick (a click), with effects on the tracks."""
    pad = write_sound(tmp_path / "pad.wav", _sine(220.0, 2.0, 0.3)[0])
    kick = write_sound(tmp_path / "kick.wav", np.array([0.5] + [0.0] * 99, dtype=np.float32))
    s = song(pattern(kick="x...x...x...x...", pad="x..............."), bpm=120)
    instruments = []
    for i in s.kit.instruments:
        path = pad if i.name == "pad" else kick
        instruments.append(
            replace(
                i,
                sample=str(path),
                path=str(path),
                velocity_curve=0.0,
                fx=fx.get(i.name, Effects()),
            )
        )
    return replace(s, kit=replace(s.kit, instruments=tuple(instruments)))


def test_ducking_takes_the_set_amount_on_each_kick_and_recovers(tmp_path: Path) -> None:
    duck = Duck(by="kick", amount=9.0, release=100.0, attack=1.0)
    s = _fx_song(tmp_path, pad=Effects(duck=duck))
    stems = render_audio(s, RATE, stems=True).stems
    ducked = stems["pad"][:, 0]
    plain = render_audio(_fx_song(tmp_path), RATE, stems=True).stems["pad"][:, 0]
    kicks = [e.sample for e in compile_song(s, RATE).events if e.track == "kick"]
    window = 200

    def level(x: np.ndarray, at: int) -> float:
        return _db(x[at : at + window])

    for k in kicks[1:]:
        down = level(ducked, k + 45) - level(plain, k + 45)  # after the 1 ms attack
        assert down == pytest.approx(-9.0, abs=0.3)
        half = k + 44 + round(0.05 * RATE)  # half the release: half the reduction
        assert level(ducked, half - window // 2) - level(plain, half - window // 2) == (
            pytest.approx(-4.5, abs=0.4)
        )
        back = k + round(0.102 * RATE)
        assert level(ducked, back) - level(plain, back) == pytest.approx(0.0, abs=0.05)


def test_the_delay_repeats_on_the_synced_note(tmp_path: Path) -> None:
    s = _fx_song(tmp_path, kick=Effects(delay=0.0))
    s = replace(s, mix=Mix(delay=Delay(time="1/8d", feedback=0.5, lowpass=20000.0)))
    s = s.with_pattern(pattern(kick="x...............", pad="................"))
    out = render_audio(s, RATE).mix[:, 0]
    first = int(np.argmax(np.abs(out) > 0.1))
    step = round(0.375 * RATE)  # a dotted eighth at 120 BPM
    echo1 = first + step + int(np.argmax(np.abs(out[first + step - 5 : first + step + 50]))) - 5
    echo2 = (
        first
        + 2 * step
        + int(np.argmax(np.abs(out[first + 2 * step - 5 : first + 2 * step + 50])))
        - 5
    )
    assert abs(echo1 - (first + step)) <= 2 and abs(echo2 - (first + 2 * step)) <= 3
    assert np.max(np.abs(out[first + 200 : first + step - 5])) < 1e-3  # nothing between
    ratio = np.max(np.abs(out[echo2 - 10 : echo2 + 10])) / np.max(
        np.abs(out[echo1 - 10 : echo1 + 10])
    )
    assert 0.3 < ratio <= 0.5  # feedback 0.5, and the low-pass dulls each repeat a little


def test_the_reverb_has_a_tail_that_decays(tmp_path: Path) -> None:
    s = _fx_song(tmp_path, kick=Effects(reverb=0.0))
    s = replace(s, mix=Mix(reverb=Reverb(size=0.7)))
    s = s.with_pattern(pattern(kick="x...............", pad="................"))
    out = render_audio(s, RATE).mix[:, 0]
    first = int(np.argmax(np.abs(out) > 0.1))
    windows = [_db(out[first + a : first + a + RATE // 10]) for a in range(1000, RATE, RATE // 10)]
    assert windows[0] > -60  # a tail, where a dry click has nothing
    assert all(b < a for a, b in zip(windows, windows[1:]))  # dying away
    assert windows[0] - windows[-1] > 15


def _everything(tmp_path: Path) -> Song:
    s = _fx_song(
        tmp_path,
        pad=Effects(
            filter=Filter("lowpass", 1200.0, 0.4),
            drive=0.5,
            crush=Crush(bits=10.0, rate=22050.0),
            eq=Eq(low=3.0, mid=-2.0, high=4.0),
            comp=Compressor(threshold=-24.0, ratio=3.0),
            reverb=-6.0,
            delay=-10.0,
            duck=Duck(by="kick", amount=6.0),
        ),
        kick=Effects(reverb=-12.0, eq=Eq(low=6.0)),
    )
    return replace(s, mix=Mix(glue=Compressor(threshold=-30.0, ratio=2.0)))


def test_stems_with_effects_sends_and_glue_sum_to_the_mix(tmp_path: Path) -> None:
    rendered = render_audio(_everything(tmp_path), RATE, stems=True)
    total = sum(rendered.stems.values())
    assert np.max(np.abs(total - rendered.mix)) < 1e-5 * np.max(np.abs(rendered.mix))


def test_effects_give_the_same_samples_in_blocks_of_64(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    s = _everything(tmp_path)
    whole = np.concatenate([b for _, b, _ in mix_blocks(plan_render(s, RATE))], axis=1)
    monkeypatch.setattr(render_module, "BLOCK", 64)
    small = np.concatenate([b for _, b, _ in mix_blocks(plan_render(s, RATE))], axis=1)
    assert np.max(np.abs(small - whole)) < 1e-5 * np.max(np.abs(whole))  # under -100 dB


def test_the_loudness_target_is_met(tmp_path: Path) -> None:
    import pyloudnorm

    s = replace(_everything(tmp_path), mix=Mix(loudness=-14.0))
    for target in (-14.0, -20.0):
        mix = render_audio(s, RATE, loudness=target).mix
        assert pyloudnorm.Meter(RATE).integrated_loudness(mix) == pytest.approx(target, abs=0.5)
        assert np.max(np.abs(mix)) <= 10 ** (-1 / 20) * 1.0001


def test_a_loudness_target_finishes_the_measured_mix_as_mixing_it_again_would(
    tmp_path: Path,
) -> None:
    import pyloudnorm

    glue = Compressor(threshold=-30.0, ratio=2.0)
    s = replace(_everything(tmp_path), mix=Mix(glue=glue, loudness=-16.0))
    rendered = render_audio(s, RATE, stems=True)  # the glued mix kept and finished
    plan = plan_render(s, RATE)
    plan.trim, _ = loudness_trim(plan, -16.0)  # the trim alone: mixed again from scratch
    again = np.concatenate([b for _, b, _ in mix_blocks(plan)], axis=1).T
    peak = np.max(np.abs(again))
    assert np.max(np.abs(rendered.mix - again)) < 1e-5 * peak
    assert np.max(np.abs(sum(rendered.stems.values()) - rendered.mix)) < 1e-5 * peak
    assert pyloudnorm.Meter(RATE).integrated_loudness(rendered.mix) == pytest.approx(-16, abs=0.5)


def test_a_track_without_effects_is_untouched(tmp_path: Path) -> None:
    plain = _fx_song(tmp_path)
    with_fx = _fx_song(tmp_path, pad=Effects(drive=0.7))
    a = render_audio(plain, RATE, stems=True).stems["kick"]
    b = render_audio(with_fx, RATE, stems=True).stems["kick"]
    assert np.array_equal(a, b)


# live -----------------------------------------------------------------------------------


def _live(player: Player, frames: int, block: int = 256) -> np.ndarray:
    return np.concatenate([player.render(block) for _ in range(frames // block)], axis=1).T


def test_the_player_plays_effects_as_the_render_does(tmp_path: Path) -> None:
    s = _everything(tmp_path)
    player = Player(RATE)
    player.load(s)
    player.play()
    length = compile_song(s, RATE).length_samples
    live = _live(player, length + 4096, block=300)
    offline = render_audio(s, RATE).mix
    latency = player.master.latency
    n = min(length, offline.shape[0])
    error = np.max(np.abs(live[latency : latency + n] - offline[:n]))
    assert error < 1e-5 * np.max(np.abs(offline))


def _steps(x: np.ndarray) -> float:
    return float(np.max(np.abs(np.diff(x[:, 0]))))


@pytest.mark.parametrize(
    "change",
    [
        {"volume": -24.0},
        {"fx": Effects(filter=Filter("lowpass", 300.0), drive=0.8, duck=Duck(by="kick"))},
        {"fx": Effects(crush=Crush(bits=6.0))},
    ],
)
def test_a_live_change_glides_in(tmp_path: Path, change: dict[str, object]) -> None:
    s = _fx_song(tmp_path, pad=Effects(eq=Eq(low=3.0)))
    s = s.with_pattern(pattern(kick="................", pad="x..............."))
    player = Player(RATE)
    player.load(s)
    player.play()
    before = _live(player, 8192)
    player.set_channel("pad", **change)
    after = _live(player, 8192)
    # the largest step from sample to sample: of the tone before, and as changed
    steady = max(_steps(before[-4096:]), _steps(after[-4096:]))
    assert _steps(after[:2048]) <= 1.05 * steady  # no click where it changes
    assert not np.allclose(after[-1024:], 0.0)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_effects_give_the_same_samples_in_any_blocks_and_stems_sum_to_the_mix(
    tmp_path: Path, data: st.DataObject
) -> None:
    from tests.strategies import effects, mixes

    tracks = ["kick", "pad"]
    fx = {name: data.draw(effects(name, tracks), label=name) for name in tracks}
    mix = data.draw(mixes(), label="mix")
    s = replace(_fx_song(tmp_path, **fx), mix=replace(mix, loudness=None))
    whole = render_audio(s, RATE, stems=True)
    block = data.draw(st.sampled_from([333, 4096, 10000]), label="block")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render_module, "BLOCK", block)
        blocked = np.concatenate([b for _, b, _ in mix_blocks(plan_render(s, RATE))], axis=1)
    # within -80 dB: float32 rounding, which a makeup gain of up to 36 dB into the
    # limiter brings to about -95 dB; a filter or a line restarting at a block's edge
    # is far louder
    peak = max(float(np.max(np.abs(whole.mix))), 1e-6)
    assert np.max(np.abs(blocked.T - whole.mix)) < 1e-4 * peak
    total = sum(whole.stems.values())
    assert np.max(np.abs(total - whole.mix)) < 1e-4 * peak


def test_a_stem_louder_than_the_mix_is_kept_whole_in_float_and_reported(tmp_path: Path) -> None:
    import soundfile

    from beatseq.engine.render import RenderJob, render_here

    # the kick driven far past full scale, the glue and the limiter bring the mix back
    # down: where the pad swings against the kick, the kick alone passes full scale
    kick = Effects(comp=Compressor(threshold=-18.0, ratio=4.0, makeup=36.0), reverb=6.0)
    glue = Compressor(threshold=-18.0, ratio=4.0, makeup=36.0)
    s = replace(_fx_song(tmp_path, kick=kick), mix=Mix(glue=glue))
    for depth in ("32f", "24"):
        out = tmp_path / depth
        out.mkdir()
        report = render_here(
            RenderJob(s, str(out / "mix.wav"), bit_depth=depth, stems_dir=str(out / "stems"))
        )
        over = dict(report.over)
        kick_stem = next(p for p in report.stems if p.endswith("kick.wav"))
        assert list(over) == [kick_stem] and 0.0 < over[kick_stem] < 1.0
        mix, _ = soundfile.read(out / "mix.wav", dtype="float32")
        stems = [soundfile.read(p, dtype="float32")[0] for p in report.stems]
        error = np.max(np.abs(sum(stems) - mix))
        if depth == "32f":
            assert error < 1e-5  # stems sum to the mix
            assert np.max(np.abs(soundfile.read(kick_stem)[0])) > 1.0
        else:
            assert np.max(np.abs(soundfile.read(kick_stem)[0])) <= 1.0  # clipped, not wrapped
            assert error > 1e-3


def test_the_crush_holds_each_grid_points_sample_in_blocks_of_any_size() -> None:
    # frame f plays the input at the first frame at or after the last point of the
    # target rate's grid at or before f, counted from frame 0, however the blocks fall
    # (blocks that grow make the stage rebuild its read pattern)
    from fractions import Fraction

    target = 26040
    x = np.random.default_rng(4).standard_normal((2, 20_000)).astype(np.float32)
    x = np.round(x * 2**11) / 2**11  # on the 12-bit grid already: only the hold moves it
    expected = np.empty_like(x)
    for f in range(x.shape[1]):
        point = math.floor(Fraction(f * target, RATE))  # the last grid point, in its units
        expected[:, f] = x[:, math.ceil(Fraction(point * RATE, target))]
    for sizes in ([20_000], [1, 7, 1000, 16, 333, 4096, 15, 8192, 6340]):
        stage = CrushStage(Crush(bits=12.0, rate=float(target)), RATE, 2)
        out, at = [], 0
        for size in sizes:
            out.append(stage.process(x[:, at : at + size], at))
            at += size
        assert np.array_equal(np.concatenate(out, axis=1), expected)
