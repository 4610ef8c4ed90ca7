"""Note lines: melodic step strings, their errors in song files, and saving them back."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beatseq.errors import BeatseqError
from beatseq.formats.notelines import is_note_line, layout_like
from beatseq.formats.songfile import load_song, loads_song
from beatseq.formats.songwrite import save_song
from beatseq.formats.steps import StepSyntaxError, format_steps, format_steps_like, parse_steps
from beatseq.model import Condition, Key, Step
from tests.strategies import note_step_lists


def test_the_example_line() -> None:
    steps = parse_steps("C2 . . . D#2~ . G1 - - .")
    assert steps == (
        Step(notes=(36,)),
        None,
        None,
        None,
        Step(notes=(39,), slide=True),
        None,
        Step(notes=(31,), length=3),
        None,
        None,
        None,
    )


def test_chords_holds_modifiers_and_plain_hits() -> None:
    steps = parse_steps("[Fm9] - | [F3,Ab3,C4]{v80 50%}~ x{r3} X - [Cm@4]{1:2 +12} .")
    assert steps[0] == Step(notes=(53, 56, 60, 63, 67), length=2)
    assert steps[2] == Step(notes=(53, 56, 60), velocity=80, probability=50, slide=True)
    assert steps[3] == Step(roll=3)
    assert steps[4] == Step(velocity=127, length=2)
    assert steps[6] == Step(notes=(60, 63, 67), condition=Condition(1, 2), nudge=12)
    assert len(steps) == 8
    # the slide mark may also follow the braces; | and extra spaces are only layout
    assert parse_steps("C2{v90}~  |  D2") == parse_steps("C2~{v90} D2")


def test_which_lines_are_note_lines() -> None:
    assert is_note_line("C2 . .")
    assert is_note_line("[Fm9]")
    assert is_note_line("x - .")
    assert not is_note_line("x...|x{r3>60 t-2}...")
    assert not is_note_line("....")


def test_format_is_canonical() -> None:
    text = "C2 - . D#2~{v90} [Fm9] - - [C3,D3]{50%} x{r3} X - Cb4"
    assert format_steps(parse_steps(text)) == "C2 - . D#2~{v90} [Fm9] - - [C3,D3]{50%} x{r3} X - B3"
    assert format_steps(parse_steps("D#2 [G#m]"), flats=True) == "Eb2 [Abm]"
    # drum lines are written exactly as before
    assert format_steps(parse_steps("x.X.o{50%}")) == "x.X.o{50%}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("C2 . H2", "step 3 ('H2'): not a step (expected a note like C2"),
        ("C2 Cx2", "step 2 ('Cx2'): not a step"),
        ("- C2", "step 1 ('-'): holds nothing, it starts the line"),
        ("C2 . -", "step 3 ('-'): holds nothing, step 2 is a rest"),
        ("C2 C10", "step 2 ('C10'): C10 is outside MIDI's notes (C-1 to G9)"),
        ("C2 [Fx9]", "step 2 ('[Fx9]'): 'Fx9' is not a chord"),
        ("[C3,C3]", "step 1 ('[C3,C3]'): C3 is in the chord twice"),
        ("C2 [C3, E3]", "step 2 ('[C3,'): a chord is written without spaces, like [F3,Ab3,C4]"),
        ("C2 D2{t+2}", "step 2 ('D2{t+2}'): a note is its own pitch"),
        ("C2 D2{v200}", "step 2 ('D2{v200}'): velocity must be 1 to 127, not 200"),
        ("C2 D2{q}", "step 2 ('D2{q}'): 'q' is not a modifier"),
        ("C2 x~", "step 2 ('x~'): only a note or a chord can slide"),
        ("C2 D2{r2}~", "step 2 ('D2{r2}~'): a roll fills one step: it cannot be held or slide"),
        ("C2 D2{r2} -", "step 3 ('-'): a roll fills one step"),
        ("C2~~", "step 1 ('C2~~'): one ~ is enough"),
        ("x-x-", "step 1 ('x-x-'): not a step"),
    ],
)
def test_errors_name_the_step_and_the_token(text: str, message: str) -> None:
    with pytest.raises(StepSyntaxError) as caught:
        parse_steps(text)
    assert str(caught.value).startswith(message)


@given(st.integers(1, 40).flatmap(note_step_lists), st.booleans())
def test_round_trip(steps: tuple[Step | None, ...], flats: bool) -> None:
    from beatseq.model import Track

    steps = Track("t", steps).steps  # holds cut as a track cuts them
    text = format_steps(steps, flats=flats)
    assert parse_steps(text) == steps


def test_layout_is_kept() -> None:
    new = format_steps(parse_steps("C2 - D2 - E2 . . . F2"))
    assert layout_like(new, "C2{v9 50%}  . D2 . | E2 . . .") == "C2  - D2 - | E2 . . . F2"
    assert layout_like(new, "C2 . |") == "C2 - D2 - E2 . . . F2"
    short = format_steps(parse_steps("C2 - D2"))
    assert layout_like(short, "C2 . . . | D2 . . .") == "C2 - D2"
    steps = parse_steps("G1 . . .")
    assert format_steps_like(steps, "C1 . | . .") == "G1 . | . ."
    assert format_steps_like(parse_steps("x..."), "C1 . | . .") == "x..."


SONG = """\
[song]
title = "Mel"
bpm = 90
key = "F minor"   # the key

[kit]
use = "boom"
[kit.bass]
sample = "808/808"

[patterns.a]
steps = 16
kick = "x...|....|x...|...."
bass = "F1 - . . | Ab1~ C2 . . | [Fm9] - - - | . . Eb2{v90} ."   # the bassline
"""


def test_a_song_with_a_melodic_track(tmp_path: Path) -> None:
    song = loads_song(SONG, tmp_path / "mel.toml")
    assert song.key == Key("F", "minor")
    assert song.melodic_instruments == ("bass",)
    bass = song.pattern("a").track("bass")
    assert bass is not None and bass.length == 16
    assert bass.steps[0] == Step(notes=(29,), length=2)
    assert bass.steps[14] == Step(notes=(39,), velocity=90)


def test_saving_keeps_the_line_its_layout_and_comment(tmp_path: Path) -> None:
    path = tmp_path / "mel.toml"
    path.write_text(SONG)
    song = load_song(path)
    save_song(song)
    assert path.read_text() == SONG
    pattern = song.pattern("a")
    bass = pattern.track("bass")
    assert bass is not None
    edited = song.with_pattern(pattern.with_track(bass.with_step(5, Step(notes=(41,)))))
    save_song(edited)
    assert load_song(path) == edited
    assert 'bass = "F1 - . . | Ab1~ F2 . . | [Fm9] - - - | . . Eb2{v90} ."   # the bassline' in (
        path.read_text()
    )


def test_the_canonical_file_spells_notes_in_the_key(tmp_path: Path) -> None:
    song = loads_song(SONG, tmp_path / "mel.toml")
    saved = save_song(song, tmp_path / "new.toml", merge=False)
    text = (tmp_path / "new.toml").read_text()
    assert 'bass = "F1 - . . Ab1~ C2 . . [Fm9] - - - . . Eb2{v90} ."' in text
    assert 'key = "F minor"' in text
    assert load_song(tmp_path / "new.toml") == saved == song


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('bass = "F1 - . .', 'bass = "F1 - . H2'),
            "mel.toml:14: patterns.a.bass: step 4 ('H2'): not a step (expected a note like C2",
        ),
        (
            ('bass = "F1 - . .', 'bass = "F1 . - .'),
            "mel.toml:14: patterns.a.bass: step 3 ('-'): holds nothing, step 2 is a rest",
        ),
        (
            ('Eb2{v90} ."', 'Eb2{v90}"'),
            "mel.toml:14: patterns.a.bass: step string has 15 steps, expected 16",
        ),
        (
            ('key = "F minor"', 'key = "F minour"'),
            "mel.toml:4: song.key: 'minour' is not a scale (expected major, minor, ionian,",
        ),
        (
            ('key = "F minor"', 'key = "H minor"'),
            "mel.toml:4: song.key: 'H minor' is not a key",
        ),
        (('key = "F minor"', "key = 5"), "mel.toml:4: song.key: expected a string, got 5"),
    ],
)
def test_errors_in_a_song_file_name_the_file_line_track_and_token(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    with pytest.raises(BeatseqError) as caught:
        loads_song(SONG.replace(*change), "mel.toml")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
