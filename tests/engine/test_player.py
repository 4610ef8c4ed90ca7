"""The live transport without audio: what the Player renders, block by block."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from beatseq.compile import compile_song
from beatseq.engine.player import Player
from beatseq.engine.protocol import Selection
from beatseq.engine.render import render_audio
from beatseq.formats.songfile import load_song
from beatseq.formats.steps import parse_steps
from beatseq.model import Section
from tests.engine.conftest import onsets, write_sound
from tests.helpers import pattern, song

RATE = 44100
ROOT = Path(__file__).parents[2]


def play(player: Player, frames: int, block: int = 256) -> np.ndarray:
    return np.concatenate([player.render(block) for _ in range(frames // block)], axis=1).T


def test_playing_a_song_sounds_exactly_like_rendering_it():
    s = load_song(ROOT / "patterns" / "boom-bap.toml").only_section("verse")
    player = Player(RATE)
    player.load(s)
    player.play()
    length = compile_song(s, RATE).length_samples
    live = play(player, length + 4096)
    offline = render_audio(s, RATE).mix
    latency = player.master.latency
    assert np.array_equal(live[latency : latency + length], offline[:length])


def _clicky(clicks, *patterns, **fields):  # type: ignore[no-untyped-def]
    """Clicks at -6 dB (under the limiter's ceiling), ignoring velocity."""
    return clicks(song(*patterns, **fields), velocity_curve=0.0, gain=-6.0)


def test_a_looped_pattern_repeats_seamlessly(clicks) -> None:  # type: ignore[no-untyped-def]
    s = _clicky(clicks, pattern("beat", kick="x...x.x.", hat="xxxxxxxx"), bpm=120)
    player = Player(RATE)
    player.load(s, Selection("pattern", "beat", loop=True))
    player.play()
    period = compile_song(s.only_pattern("beat"), RATE).length_samples  # 1 s
    out = play(player, 5 * period + 2048)
    latency = player.master.latency
    hits = [f - latency for f in onsets(out)]
    one_pass = sorted({e.sample for e in compile_song(s.only_pattern("beat"), RATE).events})
    assert hits == [
        k * period + f for k in range(6) for f in one_pass if k * period + f < len(out) - latency
    ]


def test_an_edit_is_heard_from_the_next_step(clicks) -> None:  # type: ignore[no-untyped-def]
    s = _clicky(clicks, pattern("beat", kick="x.......x......."), bpm=120)
    player = Player(RATE)
    player.load(s, Selection("pattern", "beat", loop=True))
    player.play()
    before = play(player, 44100 // 2 // 256 * 256)  # a quarter of the bar... half a second
    beat = s.pattern("beat")
    kick = beat.track("kick")
    assert kick is not None
    edited = s.with_pattern(beat.with_track(replace(kick, steps=parse_steps("x...x...x...x..."))))
    player.load(edited)
    after = play(player, 2 * 88200)
    out = np.concatenate([before, after])
    latency = player.master.latency
    hits = [f - latency for f in onsets(out)]
    quarter = RATE // 2  # a beat at 120 BPM
    # the old bar had kicks on 1 and 3; the edit, made 34 frames before beat 2, puts a
    # kick on every beat, from beat 2 on
    assert hits == [k * quarter for k in range(12) if k * quarter < len(out) - latency]


def test_a_tempo_change_takes_the_next_step_at_the_new_tempo(clicks) -> None:  # type: ignore[no-untyped-def]
    s = _clicky(clicks, pattern("beat", kick="x...x...x...x..."), bpm=120)
    player = Player(RATE)
    player.load(s, Selection("pattern", "beat", loop=True))
    player.play()
    first = play(player, 22016)  # just before beat 2 (22050)
    player.set_tempo(60)
    rest = play(player, 4 * 44100)
    hits = [f - player.master.latency for f in onsets(np.concatenate([first, rest]))]
    # at the change, 22016 frames in, tick 958.6 of 960 had passed at 120 BPM; the rest
    # of that beat (1.4 ticks) goes by at 60 BPM
    rest_of_beat = round((960 - 22016 / 22050 * 960) / 960 * 44100)
    assert hits[0] == 0 and abs(hits[1] - (22016 + rest_of_beat)) <= 1
    assert np.diff(hits[1:5]).tolist() == [44100, 44100, 44100]


def test_mute_and_solo_are_ramped_and_heard_at_once(clicks) -> None:  # type: ignore[no-untyped-def]
    s = _clicky(clicks, pattern("beat", kick="xxxxxxxx", hat="xxxxxxxx", resolution="1/8"))
    player = Player(RATE)
    player.load(s, Selection("pattern", "beat", loop=True))
    player.play()
    play(player, 4096)
    player.set_channel("hat", mute=True)
    out = play(player, 8 * 4096)
    latency = player.master.latency
    kick_level = 10 ** (-6 / 20)
    levels = {round(float(out[f, 0]), 4) for f in onsets(out) if f > latency + 256}
    assert levels == {round(kick_level, 4)}  # only the kick: the hat is silent
    player.set_channel("hat", mute=False, solo=True)
    out = play(player, 8 * 4096)
    hat_level = 10 ** (-6 / 20)
    assert {round(float(out[f, 0]), 4) for f in onsets(out) if f > latency + 256} == {
        round(hat_level, 4)
    }


def test_a_queued_pattern_starts_on_the_bar_line(clicks) -> None:  # type: ignore[no-untyped-def]
    a = pattern("a", kick="x...............")
    b = pattern("b", hat="x...x...x...x...")
    s = _clicky(clicks, a, b, bpm=120, sections=(Section("a", ("a",)), Section("b", ("b",))))
    player = Player(RATE)
    player.load(s, Selection("pattern", "a", loop=True))
    player.play()
    start = play(player, 30000)
    player.queue(Selection("pattern", "b", loop=True))
    rest = play(player, 3 * 88200)
    out = np.concatenate([start, rest])
    stems = onsets(out)
    latency = player.master.latency
    bar = 88200
    assert [f - latency for f in stems][:3] == [0, bar, bar + 22050]
    assert player.where(player.frame).selection == Selection("pattern", "b", loop=True)


def test_count_in_metronome_and_positions(clicks) -> None:  # type: ignore[no-untyped-def]
    s = _clicky(clicks, pattern("beat", kick="x..............."), bpm=120)
    player = Player(RATE)
    player.load(s)
    player.play(count_in=True)
    out = play(player, 3 * 88200)
    latency = player.master.latency
    # four count-in clicks a beat apart, then the kick one bar after play
    loud = np.abs(out[:, 0]) > 1e-6
    quiet_before = np.convolve(loud, np.ones(300), mode="full")[: loud.shape[0]] - loud == 0
    starts = [i - latency for i in np.nonzero(loud & quiet_before)[0]]
    assert starts[:5] == [1, 22051, 44101, 66151, 88200]  # a click's sine starts at 0
    assert out[88200 + latency, 0] == pytest.approx(10 ** (-6 / 20), rel=1e-5)
    assert player.ended  # a song that is not looped stops at its end


def test_where_reports_bar_beat_step_and_section(clicks) -> None:  # type: ignore[no-untyped-def]
    s = _clicky(clicks, pattern("verse", kick="x" * 16), pattern("hook", kick="x" * 16), bpm=120)
    player = Player(RATE)
    player.load(s)
    player.play()
    play(player, 88200 + 3 * 22050 + 11025 + 4096)
    at = player.where(player.master.latency + 88200 + 3 * 22050 + 11025 + 10)
    assert (at.bar, at.beat, at.step, at.section, at.playing) == (2, 4, 3, "hook", True)
    player.stop()
    play(player, 1024)  # past what was already on its way out
    assert not player.where(player.frame).playing


def test_preview_plays_a_sound_now(clicks) -> None:  # type: ignore[no-untyped-def]
    s = _clicky(clicks, pattern("beat", kick="x..."))
    player = Player(RATE)
    player.load(s)
    play(player, 1024)
    player.preview("kick", velocity=127)
    out = play(player, 1024)
    assert onsets(out) == [player.master.latency]


def test_where_reports_ticks_into_the_section(clicks) -> None:  # type: ignore[no-untyped-def]
    s = _clicky(clicks, pattern("verse", kick="x" * 16), pattern("hook", kick="x" * 16), bpm=120)
    player = Player(RATE)
    player.load(s)
    player.play()
    play(player, 88200 + 22050 + 4096)
    # one bar of verse (2 s) then half a second (one beat = 960 ticks) into the hook
    at = player.where(player.master.latency + 88200 + 22050)
    assert at.section == "hook"
    assert at.section_tick == pytest.approx(960, abs=1)
    player.stop()
    play(player, 1024)
    assert player.where(player.frame).section_tick is None


def test_meters_show_each_track_and_fall_back_to_silence(clicks) -> None:  # type: ignore[no-untyped-def]
    s = _clicky(clicks, pattern("beat", kick="x...............", hat="................"), bpm=120)
    player = Player(RATE)
    player.load(s)
    player.play()
    play(player, 256)  # the kick lands in this first block
    levels = player.levels()
    assert set(levels) == {"kick"}  # the silent hat has no meter
    assert levels["kick"] == pytest.approx(10 ** (-6 / 20), rel=1e-4)
    play(player, 172 * 256)  # about a second later the kick's meter has fallen 24 dB
    fallen = -6 - 24 * 172 * 256 / RATE
    assert player.levels()["kick"] == pytest.approx(10 ** (fallen / 20), rel=1e-3)
    play(player, 4 * RATE)
    assert "kick" not in player.levels()


def test_a_track_with_effects_is_metered_after_them(clicks) -> None:  # type: ignore[no-untyped-def]
    from beatseq.model.effects import Compressor, Duck, Effects

    s = _clicky(clicks, pattern("beat", kick="x...............", hat="x..............."), bpm=120)
    loud = Effects(comp=Compressor(threshold=0.0, ratio=1.0, makeup=12.0))  # just +12 dB
    ducked = Effects(duck=Duck(by="kick", amount=12.0, attack=0.1, release=100.0))
    kit = s.kit.with_instrument(replace(s.kit["kick"], fx=loud))
    kit = kit.with_instrument(replace(kit["hat"], fx=ducked))
    player = Player(RATE)
    player.load(replace(s, kit=kit))
    player.play()
    play(player, 256)
    levels = player.levels()
    assert levels["kick"] == pytest.approx(10 ** ((-6 + 12) / 20), rel=1e-3)  # not -6 dB
    # the hat's click is the first frame of the duck's 4-frame attack: down 12 / 4 dB
    assert levels["hat"] == pytest.approx(10 ** ((-6 - 3) / 20), rel=1e-3)


def test_a_file_from_the_browser_plays_now(clicks, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = _clicky(clicks, pattern("beat", kick="x..."))
    player = Player(RATE)
    player.load(s)
    play(player, 1024)
    path = write_sound(tmp_path / "browse.wav", np.array([0.5], dtype=np.float32))
    player.preview_file(str(path))
    out = play(player, 1024)
    assert onsets(out) == [player.master.latency]
    assert out[player.master.latency, 0] == pytest.approx(
        0.5 * 10 ** (-6 / 20) * (100 / 127) ** 1.5, rel=1e-4
    )  # -6 dB of headroom, velocity 100 on the default curve
