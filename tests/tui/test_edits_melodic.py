"""Edits on melodic tracks: transposition (pattern, section, song), the key, held notes."""

from __future__ import annotations

from dataclasses import replace

from beatseq.model import Key, Section, Song, Step
from beatseq.tui import edits
from tests.helpers import pattern, song
from tests.tui.test_edits import edit, grid, refused


def melodic() -> Song:
    """Patterns a (bass and kick) and b (keys); sections verse (a, b) and hook (b)."""
    s = song(
        pattern("a", bass="C2 - D#2~ G1", kick="x.x{t+2}."),
        pattern("b", keys="[Fm9] - . [C4,E4]{v90}"),
        sections=(Section("verse", ("a", "b")), Section("hook", ("b",))),
    )
    return replace(s, key=Key("F", "minor"))


def test_transpose_a_pattern_moves_its_notes_only() -> None:
    after = edit(edits.transpose_pattern, melodic(), "a", 2)
    assert grid(after, "a", "bass") == "D2 - F2~ A1"
    assert grid(after, "a", "kick") == "x.x{t+2}."  # drums untouched
    assert grid(after, "b", "keys") == "[Fm9] - . [C4,E4]{v90}"
    assert after.key == Key("F", "minor")


def test_transpose_a_section_moves_the_patterns_it_plays() -> None:
    after = edit(edits.transpose_section, melodic(), "hook", -1)
    assert grid(after, "b", "keys") == "[Em9] - . [B3,D#4]{v90}"
    assert grid(after, "a", "bass") == "C2 - D#2~ G1"
    after = edit(edits.transpose_section, melodic(), "verse", 12)
    assert grid(after, "a", "bass") == "C3 - D#3~ G2"
    assert grid(after, "b", "keys") == "[Fm9@4] - . [C5,E5]{v90}"


def test_transpose_the_song_moves_every_note_and_the_key() -> None:
    after = edit(edits.transpose_song, melodic(), 3)
    assert grid(after, "a", "bass") == "D#2 - F#2~ A#1"
    assert grid(after, "b", "keys") == "[G#m9] - . [D#4,G4]{v90}"
    assert grid(after, "a", "kick") == "x.x{t+2}."
    assert after.key == Key("G#", "minor")
    assert edit(edits.transpose_song, after, -3) == melodic()
    flat = replace(melodic(), key=Key("Bb", "minor"))
    assert edit(edits.transpose_song, flat, 1).key == Key("B", "minor")
    assert edit(edits.transpose_song, flat, 2).key == Key("C", "minor")


def test_transposing_out_of_midi_range_is_refused() -> None:
    refused(
        edits.transpose_song,
        melodic(),
        -40,
        expect="-40 semitones takes step 1 of 'bass' in pattern 'a' out of MIDI's notes"
        " (C-1 to G9)",
    )
    refused(
        edits.transpose_pattern,
        melodic(),
        "a",
        1.5,
        expect=("transpose by a whole number of semitones, not 1.5"),
    )
    refused(edits.transpose_section, melodic(), "bridge", 1, expect="no section called 'bridge'")


def test_set_the_key_and_step_notes() -> None:
    after = edit(edits.set_song, melodic(), key=Key("C", "dorian"))
    assert after.key == Key("C", "dorian")
    refused(
        edits.set_song, melodic(), key="C dorian", expect="key must be Key or None, not 'C dorian'"
    )
    after = edit(edits.update_step, melodic(), "a", "bass", 3, notes=(30,), slide=True)
    assert grid(after, "a", "bass") == "C2 - D#2~ F#1~"
    after = edit(edits.update_step, melodic(), "a", "bass", 0, length=1)
    assert grid(after, "a", "bass") == "C2 . D#2~ G1"


def test_a_hit_inside_a_held_note_cuts_it() -> None:
    after = edit(edits.toggle_step, melodic(), "b", "keys", 1)
    assert grid(after, "b", "keys") == "[Fm9] x . [C4,E4]{v90}"
    after = edit(edits.rotate_track, melodic(), "b", "keys", 3)
    assert grid(after, "b", "keys") == ". . [C4,E4]{v90} [Fm9]"  # the hold cut at the end
    after = edit(edits.rotate_track, melodic(), "b", "keys", 1)
    assert after.pattern("b").track("keys").steps[1] == Step(notes=(53, 56, 60, 63, 67), length=2)
    after = edit(edits.set_pattern_length, melodic(), "a", 1)
    assert grid(after, "a", "bass") == "C2"
