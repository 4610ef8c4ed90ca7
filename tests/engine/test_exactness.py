"""Every hit lands on the timeline's frame, and renders add up the way a DAW expects."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from beatseq.compile import compile_song
from beatseq.engine.render import render_audio
from beatseq.formats.steps import parse_steps
from beatseq.model import Feel, Section, Track
from tests.engine.conftest import onsets
from tests.helpers import pattern, song


def _groove_song():  # type: ignore[no-untyped-def]
    """Swing, feel (ticks and ms), nudge, rolls and a tempo change in one song."""
    hat = Track("hat", parse_steps("x.x{r3}xx{-17}x.x{r4}xxx.xx{+33}x.x"), feel=Feel(-6, "ms"))
    snare = Track("snare", parse_steps("....x{r2}.......x{+40}..."), feel=Feel(21))
    verse = pattern("verse", kick="x..x..x.x{r6}.x....x.", snare=snare, hat=hat)
    return song(
        verse,
        sections=(Section("verse", ("verse",), repeat=2), Section("fast", ("verse",), bpm=131.5)),
        bpm=87,
        swing=61,
    )


@pytest.mark.parametrize("rate", [44100, 48000, 96000])
def test_every_onset_is_on_its_timeline_frame(clicks, rate: int) -> None:  # type: ignore[no-untyped-def]
    s = clicks(_groove_song(), rate, velocity_curve=0.0)
    timeline = compile_song(s, sample_rate=rate)
    rendered = render_audio(s, rate, stems=True)
    for name, stem in rendered.stems.items():
        expected = sorted({e.sample for e in timeline.events if e.track == name})
        assert onsets(stem) == expected, name
    # and in the mix, where hits can coincide
    assert onsets(rendered.mix) == sorted({e.sample for e in timeline.events})


def test_click_levels_follow_velocity_gain_and_pan(clicks) -> None:  # type: ignore[no-untyped-def]
    s = clicks(song(pattern(kick="x.X.9.o.")))
    s = replace(s, kit=s.kit.with_instrument(replace(s.kit["kick"], gain=-6.0, pan=-1.0)))
    mix = render_audio(s, 44100).mix
    hits = [mix[f] for f in onsets(mix)]
    gain = 10 ** (-6 / 20) * np.sqrt(2)  # hard left: +3 dB in the left channel
    for (left, right), velocity in zip(hits, (100, 127, 127, 50)):
        assert left == pytest.approx(gain * (velocity / 127) ** 1.5, rel=1e-5)
        assert abs(right) < 1e-7


def test_stems_sum_to_the_mix(tmp_path: Path) -> None:
    from beatseq.formats.songfile import load_song

    s = load_song(Path(__file__).parents[2] / "patterns" / "boom-bap.toml").only_section("verse")
    rendered = render_audio(s, 44100, stems=True)
    total = sum(rendered.stems.values())
    error = np.max(np.abs(total - rendered.mix))
    assert 20 * np.log10(error / np.max(np.abs(rendered.mix))) < -60
    lengths = {a.shape for a in rendered.stems.values()}
    assert lengths == {rendered.mix.shape}


def test_a_loop_repeated_equals_the_pattern_played_four_times(tmp_path: Path) -> None:
    from tests.engine.conftest import with_sounds, write_sound

    # sounds that ring past the end of the pattern: the loop must wrap them
    rate = 44100
    t = np.arange(int(2.6 * rate)) / rate  # rings past the end of the 2-second pattern
    tone = (np.sin(2 * np.pi * 110 * t) * np.exp(-t * 2)).astype(np.float32) * 0.3
    noise = (np.random.default_rng(1).standard_normal(int(0.3 * rate)) * 0.05).astype(np.float32)
    paths = {
        "kick": write_sound(tmp_path / "k.wav", tone),
        "hat": write_sound(tmp_path / "h.wav", noise),
    }
    beat = pattern("beat", kick="x.....x...x.....", hat="x.x.x.x.x.x.x.xx")
    # at 120 BPM a bar is a whole number of frames, so a loop file can repeat exactly
    looped = with_sounds(song(beat, bpm=120), paths)
    four = replace(looped, sections=(Section("beat", ("beat",), repeat=4),))
    loop = render_audio(looped, rate, loop=True).mix
    played = render_audio(four, rate).mix
    length = loop.shape[0]
    assert length == compile_song(looped, rate).length_samples
    tiled = np.concatenate([loop] * 4)
    # away from the first tail: passes 2 to 4
    difference = np.max(np.abs(tiled[length : 4 * length] - played[length : 4 * length]))
    assert difference < 1e-3 * np.max(np.abs(played))  # better than -60 dB
    # and the wrap is really there: the loop's start holds the tail of the pass before
    assert np.max(np.abs(loop[:100] - render_audio(looped, rate).mix[:100])) > 1e-3
