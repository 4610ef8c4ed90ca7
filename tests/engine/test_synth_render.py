"""A synth bass in a song: what the render plays, measured (pitch track, glide, mono,
release), and its song-file settings loaded, saved and refused."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from beatseq.engine.render import render_audio
from beatseq.engine.synths import note_hz
from beatseq.errors import BeatseqError
from beatseq.formats.songfile import load_song
from beatseq.formats.songwrite import save_song
from beatseq.model import Bass808
from beatseq.tui.edits import set_instrument
from tests.engine.conftest import cents, frequency, live_against_render

RATE = 44100
STEP = 0.125  # 1/16 at 120 BPM

SONG = """\
[song]
title = "Slides"
bpm = 120

[kit.bass]
synth = {{ preset = "808", glide = 100, punch = 0 }}
root = 33

[patterns.a]
steps = 16
resolution = "1/16"
bass = "{line}"

[[sections]]
name = "a"
patterns = ["a"]
"""


def render(tmp_path: Path, line: str, synth: str | None = None) -> np.ndarray:
    text = SONG.format(line=line)
    if synth is not None:
        text = text.replace('{ preset = "808", glide = 100, punch = 0 }', synth)
    path = tmp_path / "slides.toml"
    path.write_text(text)
    return render_audio(load_song(path), RATE).mix[:, 0]


def peak_db(x: np.ndarray, start: float, end: float) -> float:
    return 20 * math.log10(float(np.max(np.abs(x[int(start * RATE) : int(end * RATE)]))) + 1e-12)


def test_the_bass_plays_the_written_notes_and_glides_into_a_slid_one(tmp_path: Path) -> None:
    # A1 for 8 steps, then C2 sliding into D2 four steps later
    mix = render(tmp_path, "A1 - - - - - - - C2~ - - - D2 - - -")
    assert abs(cents(frequency(mix, 0.3, 0.95), note_hz(33))) < 3
    assert abs(cents(frequency(mix, 1.15, 1.48), note_hz(36))) < 3
    gliding = frequency(mix, 1.51, 1.59)
    assert note_hz(36) * 1.01 < gliding < note_hz(38) * 0.99
    assert abs(cents(frequency(mix, 1.7, 1.98), note_hz(38))) < 3
    # the slid D2 carries on at the level C2 reached (no new attack, no gap)
    assert peak_db(mix, 1.5, 1.515) == pytest.approx(peak_db(mix, 1.485, 1.5), abs=1.0)


def test_the_bass_is_mono_a_struck_note_cuts_the_one_ringing(tmp_path: Path) -> None:
    mix = render(tmp_path, "A1 . . . . . . . E2 . . . . . . .")
    # A1 would ring for seconds; after E2 starts only E2 is heard
    assert abs(cents(frequency(mix, 1.05, 1.9), note_hz(40))) < 3


def test_a_note_with_a_release_stops_after_its_written_length(tmp_path: Path) -> None:
    short = '{ preset = "808", release = 40, punch = 0 }'
    mix = render(tmp_path, "A1 - - - . . . . . . . . . . . .", synth=short)
    gate = 4 * STEP
    assert peak_db(mix, gate - 0.05, gate) > -25  # decaying as an 808 does, still loud
    assert peak_db(mix, gate + 0.06, gate + 0.3) < peak_db(mix, gate - 0.05, gate) - 50


def test_plain_hits_on_a_synth_track_play_its_root(tmp_path: Path) -> None:
    mix = render(tmp_path, "x . . . . . . . . . . . . . . .")
    assert abs(cents(frequency(mix, 0.3, 1.0), note_hz(33))) < 3


def test_synth_settings_load_save_and_load_back_equal(tmp_path: Path) -> None:
    path = tmp_path / "slides.toml"
    path.write_text(SONG.format(line="A1 - . . " * 4))
    song = load_song(path)
    bass = song.kit["bass"]
    assert bass.synth == Bass808(glide=100.0, punch=0.0)
    assert bass.sample == "" and bass.sounds
    out = tmp_path / "saved.toml"
    save_song(song, out)
    assert load_song(out) == song
    edited = set_instrument(song, "bass", synth=Bass808(decay=3.0, punch=5.0, tone=0.1))
    save_song(edited, out)
    assert 'synth = "808-long"' in out.read_text()
    assert load_song(out) == edited


@pytest.mark.parametrize(
    ("synth", "message"),
    [
        ('"moog"', "slides.toml:6: kit.bass.synth.preset: no synth preset 'moog'"),
        ('{ preset = "808", decay = 90 }', "kit.bass.synth.decay: 90 is out of range"),
        ('{ preset = "808", wobble = 1 }', "kit.bass.synth"),
        ("12", "kit.bass.synth: expected a preset name"),
    ],
)
def test_bad_synth_settings_are_one_line_errors(tmp_path: Path, synth: str, message: str) -> None:
    path = tmp_path / "slides.toml"
    text = SONG.format(line="A1 . . . " * 4).replace(
        '{ preset = "808", glide = 100, punch = 0 }', synth
    )
    path.write_text(text)
    with pytest.raises(BeatseqError) as caught:
        load_song(path)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_live_playback_of_a_synth_equals_the_render(tmp_path: Path) -> None:
    path = tmp_path / "slides.toml"
    path.write_text(SONG.format(line="A1 - - - - - - - C2~ - - - D2 - - -"))
    assert live_against_render(load_song(path)) < 1e-3  # better than -60 dB
