"""Effects and mix settings in song files: read, written back equal, bad ones one line."""

from dataclasses import replace
from pathlib import Path

import pytest

from beatseq.errors import BeatseqError
from beatseq.formats.songfile import load_song, loads_song
from beatseq.formats.songwrite import dumps_song, save_song
from beatseq.model.effects import Compressor, Crush, Delay, Duck, Effects, Eq, Filter, Mix, Reverb

SONG = """\
[song]
bpm = 92

[kit]
use = "boom"
[kit.snare.fx]
filter = { type = "bandpass", cutoff = 1200, resonance = 0.3 }
drive = 0.4
crush = { bits = 12, rate = 26040 }
eq = { low = 3, mid = -2 }
comp = { threshold = -20, ratio = 4 }   # spelled out: the default ratio
reverb = -12
delay = -18
duck = { by = "kick", amount = 6 }

[mix]
reverb = { size = 0.7 }
delay = { time = "1/8t", feedback = 0.5 }
glue = { threshold = -12, ratio = 2 }
loudness = -14

[patterns.a]
kick = "x...|....|x...|...."
snare = "....|x...|....|x..."
"""


def test_effects_and_mix_are_read(tmp_path: Path) -> None:
    s = loads_song(SONG, tmp_path / "s.toml")
    assert s.kit["snare"].fx == Effects(
        filter=Filter("bandpass", 1200.0, 0.3),
        drive=0.4,
        crush=Crush(bits=12.0, rate=26040.0),
        eq=Eq(low=3.0, mid=-2.0),
        comp=Compressor(threshold=-20.0, ratio=4.0),
        reverb=-12.0,
        delay=-18.0,
        duck=Duck(by="kick", amount=6.0),
    )
    assert s.kit["kick"].fx == Effects()
    assert s.mix == Mix(
        reverb=Reverb(size=0.7),
        delay=Delay(time="1/8t", feedback=0.5),
        glue=Compressor(threshold=-12.0, ratio=2.0),
        loudness=-14.0,
    )


def test_save_and_load_give_the_same_song_and_keep_the_text(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(SONG)
    s = load_song(path)
    assert loads_song(dumps_song(s), path) == s
    save_song(s)
    assert path.read_text() == SONG  # defaults spelled out and comments kept
    changed = replace(
        s,
        kit=s.kit.with_instrument(replace(s.kit["kick"], fx=Effects(eq=Eq(high=2.0), delay=-6.0))),
        mix=replace(s.mix, glue=None, loudness=None),
    )
    save_song(changed)
    assert load_song(path) == changed
    text = path.read_text()
    assert "[kit.kick.fx]" in text and "glue" not in text


def test_a_song_without_effects_writes_none() -> None:
    s = loads_song(SONG.split("[kit.snare.fx]")[0] + '[patterns.a]\nkick = "x..."\n')
    text = dumps_song(s)
    assert "fx" not in text and "[mix]" not in text


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ("drive = 0.4", "s.toml:8: kit.snare.fx.drive: 2 is out of range (expected 0 to 1)"),
        (
            'filter = { type = "bandpass", cutoff = 1200, resonance = 0.3 }',
            "s.toml:7: kit.snare.fx.filter.type: 'notch' is not one of lowpass, highpass, bandpass",
        ),
        (
            'duck = { by = "kick", amount = 6 }',
            "s.toml:14: kit.snare.fx.duck.by: 'bass' is not another track (tracks: ",
        ),
        (
            'delay = { time = "1/8t", feedback = 0.5 }',
            "s.toml:18: mix.delay.time: '1/7' is not one of 1/2, 1/4, 1/8, 1/16",
        ),
        ("loudness = -14", "s.toml:20: mix.loudness: 3 is out of range (expected -40 to -5)"),
        ("reverb = -12", "s.toml:12: kit.snare.fx.reverb: expected a number from -60 to 6"),
        (
            "comp = { threshold = -20, ratio = 4 }",
            "s.toml:11: kit.snare.fx.comp.knee: unknown key (expected one of: threshold, ratio,",
        ),
    ],
)
def test_bad_settings_give_one_line_errors(tmp_path: Path, change: str, error: str) -> None:
    bad = {
        "drive = 0.4": "drive = 2",
        'filter = { type = "bandpass", cutoff = 1200, resonance = 0.3 }': 'filter = { type = "notch" }',
        'duck = { by = "kick", amount = 6 }': 'duck = { by = "bass" }',
        'delay = { time = "1/8t", feedback = 0.5 }': 'delay = { time = "1/7" }',
        "loudness = -14": "loudness = 3",
        "reverb = -12": 'reverb = "loud"',
        "comp = { threshold = -20, ratio = 4 }": "comp = { knee = 6 }",
    }[change]
    text = SONG.replace(change, bad, 1)
    with pytest.raises(BeatseqError) as caught:
        loads_song(text, tmp_path / "s.toml")
    message = str(caught.value)
    assert "\n" not in message
    assert error in message


def test_ducking_follows_a_renamed_track_and_goes_with_a_removed_one(tmp_path: Path) -> None:
    from beatseq.tui.edits import rename_track

    s = loads_song(SONG, tmp_path / "s.toml")
    renamed = rename_track(s, "kick", "bd")
    duck = renamed.kit["snare"].fx.duck
    assert duck is not None and duck.by == "bd"
    assert s.kit.without("kick")["snare"].fx.duck is None
