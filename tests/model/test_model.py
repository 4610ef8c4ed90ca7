"""The model: invariants, lookups, pure edits, and no heavy imports."""

import subprocess
import sys
from dataclasses import replace

import pytest

from beatseq.model import (
    Condition,
    Feel,
    Humanize,
    Instrument,
    Kit,
    Pattern,
    Section,
    Song,
    Step,
    Track,
)
from beatseq.model.gm import assign_midi, guess_midi
from tests.helpers import pattern, song


def test_importing_the_model_imports_no_audio_ui_or_midi_library():
    code = (
        "import sys, beatseq.model, beatseq.compile, beatseq.formats.songfile;"
        "print(sorted(m for m in ('pyo', 'textual', 'mido', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"velocity": 0}, "velocity must be 1 to 127"),
        ({"probability": 101}, "probability must be 0 to 100"),
        ({"nudge": 481}, "nudge must be -480 to 480"),
        ({"roll": 5}, "a roll is 2, 3, 4, 6 or 8 hits"),
        ({"roll_to": 40}, "a velocity ramp needs a roll"),
        ({"pitch": -49}, "pitch must be -48 to 48"),
    ],
)
def test_step_rejects_values_out_of_range(fields, message):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        Step(**fields)


def test_roll_velocity_ramp():
    assert Step(velocity=100, roll=4, roll_to=40).roll_velocities() == (100, 80, 60, 40)
    assert Step(velocity=30, roll=3, roll_to=120).roll_velocities() == (30, 75, 120)
    assert Step(velocity=90, roll=6).roll_velocities() == (90,) * 6


def test_condition():
    c = Condition(2, 4)
    assert [c.plays(i) for i in range(8)] == [False, True, False, False] * 2
    assert str(c) == "2:4"
    with pytest.raises(ValueError):
        Condition(5, 4)


def test_feel_and_humanize_limits():
    assert not Feel() and Feel(5)
    assert Feel(0.0, "ms") == Feel()
    assert str(Feel(-8, "ms")) == "-8ms" and str(Feel(12)) == "+12"
    with pytest.raises(ValueError):
        Feel(1.5)
    with pytest.raises(ValueError):
        Feel(300, "ms")
    with pytest.raises(ValueError):
        Humanize(timing=200)


def test_gm_guesses_from_names():
    assert guess_midi("kick") == (10, 36)
    assert guess_midi("Open Hat") == (10, 46)
    assert guess_midi("open-hat") == (10, 46)
    assert guess_midi("closed_hat") == (10, 42)
    assert guess_midi("hat") == (10, 42)
    assert guess_midi("pedal-hat") == (10, 44)
    assert guess_midi("tom-low") == (10, 41)
    assert guess_midi("crash") == (10, 49)
    assert guess_midi("shaker") == (10, 70)
    assert guess_midi("808") == (2, 29)
    assert guess_midi("bass drum") == (10, 36)
    assert guess_midi("vocal chop") is None
    assert assign_midi(["kick", "vocal chop", "zap"]) == [(10, 36), (10, 60), (10, 61)]


def test_instrument_midi_note_follows_pitch_only_off_the_drum_channel():
    drum = Instrument("snare", "s.wav", note=38)
    bass = Instrument("808", "b.wav", note=29, channel=2)
    assert drum.midi_note(5) == 38
    assert bass.midi_note(5) == 34
    with pytest.raises(ValueError):
        Instrument("x", "x.wav", channel=17)


def test_kit_edits_are_pure():
    kit = Kit((Instrument("kick", "k.wav"),))
    louder = kit.with_instrument(Instrument("kick", "k.wav", gain=3))
    assert kit["kick"].gain == 0 and louder["kick"].gain == 3
    assert kit.with_instrument(Instrument("snare", "s.wav")).names == ("kick", "snare")
    assert "snare" not in kit and kit.without("kick").names == ()
    with pytest.raises(ValueError, match="unique"):
        Kit((Instrument("a", "a.wav"), Instrument("a", "b.wav")))


def test_pattern_and_track_edits_are_pure():
    p = pattern(kick="x...")
    kick = p.track("kick")
    assert kick is not None
    edited = p.with_track(kick.with_step(1, Step(velocity=50)))
    assert p.track("kick") == kick
    assert edited.track("kick").steps[1] == Step(velocity=50)  # type: ignore[union-attr]
    assert edited.without_track("kick").tracks == ()
    assert p.length_ticks == 960
    with pytest.raises(ValueError, match="resolution"):
        Pattern("p", resolution="1/12")
    with pytest.raises(ValueError, match="twice"):
        Pattern("p", 4, tracks=(Track("a", (None,)), Track("a", (None,))))


def test_song_checks_every_name_it_uses():
    s = song(pattern(kick="x..."))
    with pytest.raises(ValueError, match="unknown pattern"):
        replace(s, sections=(Section("x", ("nope",)),))
    with pytest.raises(ValueError, match="unknown section"):
        replace(s, arrangement=("nope",))
    with pytest.raises(ValueError, match="not in the kit"):
        replace(s, kit=Kit())
    with pytest.raises(ValueError, match="mutes an unknown track"):
        replace(s, sections=(Section("p", ("p",), mute=("ghost",)),))
    with pytest.raises(ValueError, match="bpm"):
        replace(s, bpm=301)
    with pytest.raises(ValueError, match="time signature"):
        replace(s, time_signature=(4, 3))


def test_song_order_and_cuts():
    a, b = pattern("a", kick="x..."), pattern("b", kick="xx..")
    s = song(a, b, sections=(Section("v", ("a",), repeat=2), Section("h", ("a", "b"))))
    assert s.order == ("v", "h")
    assert replace(s, arrangement=("h", "v", "h")).order == ("h", "v", "h")
    assert s.only_section("h").order == ("h",)
    only = s.only_pattern("b")
    assert only.order == ("b",) and only.section("b").patterns == ("b",)
    assert s.section_ticks(s.section("v")) == 1920
    assert isinstance(s, Song)
