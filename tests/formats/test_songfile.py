"""Song files: valid fixtures load as expected, invalid ones give their exact error."""

from pathlib import Path

import pytest

from beatseq.errors import BeatseqError
from beatseq.formats.songfile import load_song, loads_song
from beatseq.model import Condition, Feel, Humanize, Step

FIXTURES = Path(__file__).parent.parent / "fixtures" / "songs"
INVALID = FIXTURES / "invalid"
BOOM_SOUNDS = (
    "kick, snare, rim, clap, snap, closed-hat, pedal-hat, open-hat, tambourine, shaker, conga,"
    " ride, crash"
)

# fixture -> the one-line error it must give ({dir} is the fixture folder)
EXPECTED = {
    "bad-feel": ":11: patterns.a.snare.feel: expected ticks (like -12) or milliseconds"
    ' (like "8ms" or "-5.5ms", within 250ms), got \'late\'',
    "bad-modifier": ":10: patterns.a.kick: step 5: 'q3' is not a modifier (expected"
    " v<velocity>, <n>%, +/-<ticks>, r<hits>[><velocity>], <A>:<B> or t+/-<semitones>)",
    "bad-resolution": ":10: patterns.a.resolution: '1/12' is not one of 1/4, 1/8, 1/16, 1/32,"
    " 1/64, 1/4t, 1/8t, 1/16t, 1/32t",
    "bad-step-character": ":10: patterns.a.kick: step 9: 'y' is not a step (expected . x X o"
    " 1-9, or | between beats)",
    "bad-time-signature": ":4: song.time_signature: '4/5' is not a time signature (expected"
    ' like "4/4" or "6/8")',
    "bpm-not-a-number": ":3: song.bpm: expected a number from 20 to 300, got 'fast'",
    "bpm-out-of-range": ":3: song.bpm: 400 is out of range (expected 20 to 300)",
    "condition-out-of-range": ":10: patterns.a.kick: step 9: condition 5:4 needs 1 <= A <= B <= 64",
    "duplicate-section": ":18: sections[2].name: a section called 'a' already exists",
    "instrument-without-sample": ":7: kit.vox.sample: is missing (expected a shipped sound like"
    ' "boom/kick" or a path to an audio file, or synth = "808")',
    "kit-sound-typo": f":8: kit.snare.sample: kit 'boom' has no sound 'snar' (sounds:"
    f" {BOOM_SOUNDS})",
    "malformed-toml": ":4: malformed TOML: expected '=' after a key in a key/value pair",
    "missing-sample": ":8: kit.snare.sample: sample file not found: {dir}/sounds/my-snare.wav",
    "mute-unknown-track": f":16: sections[1].mute: unknown track 'bass' (tracks: {BOOM_SOUNDS})",
    "pattern-file-missing": ":14: patterns.b.file: pattern file not found: {dir}/nowhere/b.toml",
    "polymeter-length-mismatch": ":11: patterns.a.snare.grid: step string has 12 steps,"
    " expected 10",
    "repeat-zero": ":16: sections[1].repeat: 0 is out of range (expected 1 to 999)",
    "rest-with-modifier": ":10: patterns.a.kick: step 2 is a rest and cannot take modifiers",
    "roll-size": ":10: patterns.a.kick: step 9: a roll is 2, 3, 4, 6 or 8 hits, not 5",
    "step-string-too-short": ":11: patterns.a.snare: step string has 15 steps, expected 16"
    ' (or write { grid = "...", length = 15 } for polymeter)',
    "swing-out-of-range": ":4: song.swing: 80 is out of range (expected 50 to 75)",
    "unclosed-brace": ":10: patterns.a.kick: step 5: '{' is never closed by '}'",
    "unknown-kit": ":6: kit.use: no shipped kit called '909' (kits: 808, boom, chops)",
    "unknown-pattern": ":15: sections[1].patterns: unknown pattern 'b' (patterns: a)",
    "unknown-section-in-arrangement": ":4: song.arrangement: item 2: unknown section 'hook'"
    " (sections: a)",
    "unknown-song-key": ":4: song.tempo: unknown key (expected one of: title, gain, bpm,"
    " time_signature, swing, swing_unit, seed, humanize, key, arrangement)",
    "unknown-track": f":11: patterns.a.cowbell: unknown track 'cowbell' (the kit has"
    f" {BOOM_SOUNDS}; add [kit.cowbell] with a sample)",
    "velocity-modifier-range": ":10: patterns.a.kick: step 1: velocity must be 1 to 127, not 130",
}


def test_every_invalid_fixture_has_an_expected_error():
    assert sorted(p.stem for p in INVALID.glob("*.toml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_fixture_gives_its_exact_error(name: str) -> None:
    path = INVALID / f"{name}.toml"
    with pytest.raises(BeatseqError) as caught:
        load_song(path)
    message = str(caught.value)
    assert message == str(path) + EXPECTED[name].replace("{dir}", str(INVALID))
    assert "\n" not in message


def test_missing_sample_loads_silent_when_allowed():
    warnings: list[BeatseqError] = []
    song = load_song(INVALID / "missing-sample.toml", on_missing=warnings.append)
    assert song.kit["snare"].path == ""
    assert song.kit["kick"].path.endswith("samples/boom/kick.wav")
    assert len(warnings) == 1 and "my-snare.wav" in str(warnings[0])


def test_minimal_song_defaults():
    song = load_song(FIXTURES / "valid" / "minimal.toml")
    assert song.title == "minimal"
    assert song.bpm == 92 and song.swing == 50 and song.time_signature == (4, 4)
    assert [s.name for s in song.sections] == ["beat"]
    assert song.order == ("beat",)
    assert song.pattern("beat").steps == 16
    assert song.kit.base == "boom"
    assert song.kit["closed-hat"].choke == "hats"


def test_everything_fixture_reads_every_feature():
    song = load_song(FIXTURES / "valid" / "everything.toml")
    assert song.bpm == 92.5 and song.swing == 58 and song.seed == 7
    assert song.humanize == Humanize(timing=4, velocity=6)
    assert song.order == ("intro", "verse", "hook", "verse", "hook")
    kick = song.kit["kick"]
    assert kick.gain == -2.0 and kick.note == 36 and kick.sample == "boom/kick"
    sub = song.kit["sub"]
    assert (sub.sample, sub.pitch, sub.channel, sub.note, sub.root) == ("808/808", -2, 2, 29, 29)
    perc = song.kit["perc"]
    assert perc.note == 62 and perc.pan == -0.4 and perc.path.endswith("valid/sounds/perc.wav")
    verse = song.pattern("verse")
    snare = verse.track("snare")
    assert snare is not None
    assert snare.steps[4] == Step(velocity=127)
    assert snare.steps[12] == Step(velocity=127, roll=3, roll_to=60)
    hat = verse.track("closed-hat")
    assert hat is not None and hat.length == 12 and hat.feel == Feel(-8, "ms")
    rim = verse.track("rim")
    assert rim is not None
    assert rim.steps[2] == Step(velocity=50, probability=50)
    assert rim.steps[10] == Step(velocity=50, condition=Condition(1, 2))
    sub_track = verse.track("sub")
    assert sub_track is not None and sub_track.steps[10] == Step(pitch=3)
    hook = song.pattern("hook")
    assert hook.swing == 62 and hook.steps == 32
    clap = hook.track("clap")
    assert clap is not None and clap.swing == 50 and clap.humanize == Humanize()
    assert clap.steps[28] == Step(velocity=127, nudge=-6)
    fill = song.pattern("fill")
    assert fill.source == "parts/fill.toml" and fill.resolution == "1/32t"
    assert song.section("intro").mute == ("kick", "sub")
    assert song.section("hook").bpm == 94 and song.section("hook").patterns == ("hook", "fill")


def test_step_strings_ignore_beat_separators_and_spaces():
    text = '[kit.kick]\nsample="boom/kick"\n[patterns.a]\nkick = "x... x...|x...|x..."\n'
    song = loads_song(text)
    assert song.pattern("a").steps == 16


def test_steps_inferred_from_the_first_track():
    text = '[kit]\nuse="boom"\n[patterns.a]\nkick = "x..."\nsnare = "..x."\n'
    assert loads_song(text).pattern("a").steps == 4


def test_a_name_guess_gives_general_midi_notes():
    text = (
        '[kit.Open_Hat]\nsample="boom/open-hat"\n[kit.tamb]\nsample="boom/tambourine"\n'
        '[kit.zap]\nsample="../../../../samples/boom/snap.wav"\n'
        '[kit."808 sub"]\nsample="../../../../samples/808/808.wav"\n'
    )
    song = loads_song(text, FIXTURES / "valid" / "x.toml")
    # a shipped sound brings its manifest's note; a file is guessed from the name
    assert song.kit["Open_Hat"].note == 46
    assert song.kit["tamb"].note == 54
    assert (song.kit["zap"].channel, song.kit["zap"].note) == (10, 60)  # first spare note
    assert (song.kit["808 sub"].channel, song.kit["808 sub"].note) == (2, 29)
