"""Pitch: note names, chords, keys, scale snapping and melodic MIDI channels."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beatseq.model import Step, Track
from beatseq.model.gm import melodic_channels
from beatseq.model.pitch import (
    CHORDS,
    Key,
    chord_name,
    note_name,
    parse_chord,
    parse_key,
    parse_note,
    snap_to_scale,
)
from tests.strategies import keys


@pytest.mark.parametrize(
    ("name", "note"),
    [("C4", 60), ("A4", 69), ("C-1", 0), ("G9", 127), ("D#2", 39), ("Eb2", 39), ("bb1", 34)],
)
def test_note_names(name: str, note: int) -> None:
    assert parse_note(name) == note


@given(st.integers(0, 127), st.booleans())
def test_note_names_round_trip(note: int, flats: bool) -> None:
    assert parse_note(note_name(note, flats=flats)) == note


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("H2", "'H2' is not a note like C4"),
        ("C", "'C' is not a note like C4"),
        ("G#9", "G#9 is outside MIDI's notes (C-1 to G9)"),
        ("C10", "C10 is outside MIDI's notes"),
    ],
)
def test_bad_notes(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_note(text)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("name", "notes"),
    [
        ("Fm9", (53, 56, 60, 63, 67)),  # F3 Ab3 C4 Eb4 G4
        ("Fm9@4", (65, 68, 72, 75, 79)),
        ("C", (48, 52, 55)),
        ("Cmaj", (48, 52, 55)),
        ("Am", (57, 60, 64)),
        ("G7", (55, 59, 62, 65)),
        ("Dmaj7@2", (38, 42, 45, 49)),
        ("Bbm7", (58, 61, 65, 68)),
        ("C9", (48, 52, 55, 58, 62)),
        ("Cadd9", (48, 52, 55, 62)),
        ("Csus2", (48, 50, 55)),
        ("Csus4", (48, 53, 55)),
        ("Bdim", (59, 62, 65)),
        ("Caug", (48, 52, 56)),
    ],
)
def test_chords(name: str, notes: tuple[int, ...]) -> None:
    assert parse_chord(name) == notes


@given(st.sampled_from(list(CHORDS)), st.integers(0, 11), st.integers(-1, 7), st.booleans())
def test_chord_names_round_trip(quality: str, pc: int, octave: int, flats: bool) -> None:
    notes = parse_chord(
        f"{note_name(pc + 12 * (octave + 1), flats=flats)[:-1].rstrip('-')}{quality}@{octave}"
    )
    name = chord_name(notes, flats=flats)
    assert name is not None and parse_chord(name) == notes


def test_chord_name_of_an_unnamed_shape() -> None:
    assert chord_name((48, 49, 50)) is None
    assert chord_name((60,)) is None
    assert chord_name((53, 56, 60), flats=True) == "Fm"
    assert chord_name((56, 60, 63), flats=True) == "Ab"
    assert chord_name((56, 60, 63)) == "G#"


def test_bad_chords() -> None:
    with pytest.raises(ValueError, match="'Fx9' is not a chord"):
        parse_chord("Fx9")
    with pytest.raises(ValueError, match="@x is not an octave"):
        parse_chord("Fm@x")
    with pytest.raises(ValueError, match="above G9"):
        parse_chord("Gm9@9")


@pytest.mark.parametrize(
    ("text", "key", "pcs", "flats"),
    [
        ("F minor", Key("F", "minor"), {5, 7, 8, 10, 0, 1, 3}, True),
        ("c major", Key("C", "major"), {0, 2, 4, 5, 7, 9, 11}, False),
        ("A minor pentatonic", Key("A", "minor pentatonic"), {9, 0, 2, 4, 7}, False),
        ("E harmonic  minor", Key("E", "harmonic minor"), {4, 6, 7, 9, 11, 0, 3}, False),
        ("G dorian", Key("G", "dorian"), {7, 9, 10, 0, 2, 4, 5}, True),
        ("F# blues", Key("F#", "blues"), {6, 9, 11, 0, 1, 4}, False),
        ("Eb", Key("Eb", "major"), {3, 5, 7, 8, 10, 0, 2}, True),
        ("D major pentatonic", Key("D", "major pentatonic"), {2, 4, 6, 9, 11}, False),
    ],
)
def test_keys(text: str, key: Key, pcs: set[int], flats: bool) -> None:
    assert parse_key(text) == key
    assert key.pitch_classes == pcs
    assert key.flats is flats
    assert parse_key(str(key)) == key


def test_bad_keys() -> None:
    with pytest.raises(ValueError, match="'H minor' is not a key"):
        parse_key("H minor")
    with pytest.raises(ValueError, match="'super locrian' is not a scale"):
        parse_key("C super locrian")


def test_snap_to_scale() -> None:
    f_minor = parse_key("F minor")  # F G Ab Bb C Db Eb
    assert snap_to_scale(parse_note("F3"), f_minor) == parse_note("F3")
    assert snap_to_scale(parse_note("A3"), f_minor) == parse_note("Ab3")  # Ab and Bb: lower
    assert snap_to_scale(parse_note("E3"), f_minor) == parse_note("Eb3")  # Eb and F: lower
    assert snap_to_scale(parse_note("B3"), f_minor) == parse_note("Bb3")
    blues = parse_key("C minor pentatonic")  # C Eb F G Bb
    assert snap_to_scale(parse_note("D4"), blues) == parse_note("Eb4")
    assert snap_to_scale(parse_note("E4"), blues) == parse_note("Eb4")  # Eb and F: lower
    assert snap_to_scale(parse_note("A4"), blues) == parse_note("Bb4")
    assert snap_to_scale(parse_note("Ab4"), blues) == parse_note("G4")
    assert snap_to_scale(127, parse_key("C major")) == 127
    assert snap_to_scale(0, parse_key("D major")) == 1  # B-2 does not exist: up to C#-1


@given(st.integers(0, 127), keys)
def test_snapping_lands_in_the_scale_within_two_semitones(note: int, key: Key) -> None:
    snapped = snap_to_scale(note, key)
    assert key.contains(snapped)
    assert abs(snapped - note) <= 2  # the blues and pentatonic scales have 3-semitone gaps
    assert snap_to_scale(snapped, key) == snapped


def test_transposed_keys_keep_their_spelling() -> None:
    assert parse_key("F minor").transposed(2) == Key("G", "minor")
    assert parse_key("Eb major").transposed(-1) == Key("D", "major")
    assert parse_key("Eb major").transposed(1) == Key("E", "major")
    assert parse_key("Bb dorian").transposed(1) == Key("B", "dorian")
    assert parse_key("A minor").transposed(-3) == Key("F#", "minor")


def test_melodic_channels_skip_ten_and_keep_the_instruments_own() -> None:
    channels = {"kick": 10, "bass": 2, "keys": 10, "lead": 10, "pad": 10}
    assert melodic_channels(channels, ("bass", "keys", "lead")) == {
        "bass": 2,
        "keys": 1,
        "lead": 3,
    }
    many = {f"t{i}": 10 for i in range(17)}
    given_ = melodic_channels(many, tuple(many))
    assert 10 not in given_.values()
    assert [given_[f"t{i}"] for i in (0, 8, 9, 14, 15)] == [1, 9, 11, 16, 1]


def test_steps_and_tracks_check_notes_and_cut_holds() -> None:
    with pytest.raises(ValueError, match="a note is its own pitch"):
        Step(notes=(60,), pitch=2)
    with pytest.raises(ValueError, match="only a note can slide"):
        Step(slide=True)
    with pytest.raises(ValueError, match="cannot be held or slide"):
        Step(notes=(60,), roll=2, length=2)
    with pytest.raises(ValueError, match="all different, lowest first"):
        Step(notes=(64, 60))
    held = Step(notes=(60,), length=4)
    track = Track("bass", (held, None, Step(), None, None))
    assert track.steps[0] == Step(notes=(60,), length=2)  # a hit inside a hold cuts it
    assert Track("bass", (None, held, None)).steps[1] == Step(notes=(60,), length=2)
    assert track.melodic and not Track("kick", (Step(),)).melodic
