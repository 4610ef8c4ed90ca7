"""Pitch: note names, chords, keys and scales, as data tables and pure functions.

MIDI note numbers throughout (C4 = 60, C-1 = 0, G9 = 127). Names parse and print
here ("D#2", "Bb3", "Fm9@4"), so the song file, the UI and the edits spell notes the
same way; where notes sit in a step string is `beatseq.formats.steps`' business, and
what a note sounds like is the engine's.
"""

from __future__ import annotations

from dataclasses import dataclass

SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
ACCIDENTALS = {"#": 1, "b": -1}
NOTE_RANGE = (0, 127)
OCTAVE_RANGE = (-1, 9)
CHORD_OCTAVE = 3
"""The octave of a chord's root when the chord is written without `@octave`."""
MAX_CHORD = 8

NOTE_HELP = "a note like C4, D#2 or Bb1 (C D E F G A B, then # or b, then an octave -1 to 9)"

# quality -> semitones above the root. The first quality with a given shape is the one
# printed for it; aliases come after.
CHORDS: dict[str, tuple[int, ...]] = {
    "": (0, 4, 7),
    "m": (0, 3, 7),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10),
    "9": (0, 4, 7, 10, 14),
    "maj9": (0, 4, 7, 11, 14),
    "m9": (0, 3, 7, 10, 14),
    "add9": (0, 4, 7, 14),
    "madd9": (0, 3, 7, 14),
    "6": (0, 4, 7, 9),
    "m6": (0, 3, 7, 9),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "7sus4": (0, 5, 7, 10),
    "dim": (0, 3, 6),
    "dim7": (0, 3, 6, 9),
    "m7b5": (0, 3, 6, 10),
    "aug": (0, 4, 8),
    "5": (0, 7),
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "M7": (0, 4, 7, 11),
}
_CHORD_BY_SHAPE: dict[tuple[int, ...], str] = {}
for _quality, _shape in CHORDS.items():
    _CHORD_BY_SHAPE.setdefault(_shape, _quality)

# scale -> (semitones above the tonic, semitones from its parent major scale's tonic
# down to this tonic: how many flats or sharps it is written with).
SCALES: dict[str, tuple[tuple[int, ...], int]] = {
    "major": ((0, 2, 4, 5, 7, 9, 11), 0),
    "minor": ((0, 2, 3, 5, 7, 8, 10), 9),
    "ionian": ((0, 2, 4, 5, 7, 9, 11), 0),
    "dorian": ((0, 2, 3, 5, 7, 9, 10), 2),
    "phrygian": ((0, 1, 3, 5, 7, 8, 10), 4),
    "lydian": ((0, 2, 4, 6, 7, 9, 11), 5),
    "mixolydian": ((0, 2, 4, 5, 7, 9, 10), 7),
    "aeolian": ((0, 2, 3, 5, 7, 8, 10), 9),
    "locrian": ((0, 1, 3, 5, 6, 8, 10), 11),
    "harmonic minor": ((0, 2, 3, 5, 7, 8, 11), 9),
    "melodic minor": ((0, 2, 3, 5, 7, 9, 11), 9),
    "major pentatonic": ((0, 2, 4, 7, 9), 0),
    "minor pentatonic": ((0, 3, 5, 7, 10), 9),
    "blues": ((0, 3, 5, 6, 7, 10), 9),
}
FLAT_MAJORS = frozenset((5, 10, 3, 8, 1, 6))
"""Pitch classes of the major keys written with flats: F Bb Eb Ab Db Gb."""


def pitch_class(name: str) -> int:
    """0-11 for a note name without octave ("C#", "bb"); ValueError if it is not one."""
    if not 1 <= len(name) <= 2 or name[0].upper() not in LETTERS:
        raise ValueError(f"{name!r} is not a note name (C D E F G A B, then # or b)")
    shift = ACCIDENTALS.get(name[1:]) if len(name) == 2 else 0
    if shift is None:
        raise ValueError(f"{name!r} is not a note name (C D E F G A B, then # or b)")
    return (LETTERS[name[0].upper()] + shift) % 12


def _split_name(text: str) -> tuple[str, str]:
    """("Bb", "m7@4") from "Bbm7@4": the letter and its accidental, then the rest."""
    if not text or text[0].upper() not in LETTERS:
        return "", text
    end = 2 if len(text) > 1 and text[1] in ACCIDENTALS else 1
    return text[:end], text[end:]


def parse_note(text: str) -> int:
    """The MIDI note a name writes ("C4" is 60); ValueError naming what is wrong."""
    name, octave_text = _split_name(text)
    try:
        octave = int(octave_text)
    except ValueError:
        octave = None
    if not name or octave is None or not octave_text.lstrip("-").isdigit():
        raise ValueError(f"{text!r} is not {NOTE_HELP}")
    low, high = OCTAVE_RANGE
    note = (octave + 1) * 12 + LETTERS[name[0].upper()] + ACCIDENTALS.get(name[1:], 0)
    if not low <= octave <= high or not NOTE_RANGE[0] <= note <= NOTE_RANGE[1]:
        raise ValueError(f"{text} is outside MIDI's notes (C-1 to G9)")
    return note


def note_name(note: int, *, flats: bool = False) -> str:
    """The name of a MIDI note: 60 is "C4", 63 is "D#4" (or "Eb4" with flats)."""
    octave, pc = divmod(note, 12)
    return f"{(FLAT_NAMES if flats else SHARP_NAMES)[pc]}{octave - 1}"


def parse_chord(text: str) -> tuple[int, ...]:
    """The notes of a named chord: "Fm9" (root in octave 3) or "Fm9@4"; ValueError."""
    name, rest = _split_name(text)
    quality, at, octave_text = rest.partition("@")
    if not name or quality not in CHORDS:
        raise ValueError(
            f"{text!r} is not a chord (expected a root like F or Bb, then one of"
            f" {', '.join(q for q in CHORDS if q)} or nothing for major, then @octave if not 3)"
        )
    octave = CHORD_OCTAVE
    if at:
        if not octave_text.lstrip("-").isdigit():
            raise ValueError(f"{text!r}: @{octave_text} is not an octave (-1 to 9)")
        octave = int(octave_text)
    root = parse_note(f"{name}{octave}")
    notes = tuple(root + interval for interval in CHORDS[quality])
    if notes[-1] > NOTE_RANGE[1]:
        raise ValueError(f"{text} reaches above G9, MIDI's highest note")
    return notes


def chord_name(notes: tuple[int, ...], *, flats: bool = False) -> str | None:
    """The name parse_chord reads back as `notes` (ascending), or None if there is none."""
    if len(notes) < 2:
        return None
    shape = tuple(n - notes[0] for n in notes)
    quality = _CHORD_BY_SHAPE.get(shape)
    if quality is None:
        return None
    octave, pc = divmod(notes[0], 12)
    octave -= 1
    root = (FLAT_NAMES if flats else SHARP_NAMES)[pc]
    return root + quality + ("" if octave == CHORD_OCTAVE else f"@{octave}")


@dataclass(frozen=True)
class Key:
    """A song's key: its tonic as written ("F", "Bb", "C#") and its scale."""

    tonic: str
    scale: str = "major"

    def __post_init__(self) -> None:
        pitch_class(self.tonic)
        if self.scale not in SCALES:
            raise ValueError(f"{self.scale!r} is not a scale (expected {', '.join(SCALES)})")

    def __str__(self) -> str:
        return f"{self.tonic} {self.scale}"

    @property
    def root(self) -> int:
        """The tonic's pitch class, 0-11."""
        return pitch_class(self.tonic)

    @property
    def pitch_classes(self) -> frozenset[int]:
        return frozenset((self.root + i) % 12 for i in SCALES[self.scale][0])

    @property
    def flats(self) -> bool:
        """Whether notes in this key are spelled with flats (Eb) rather than sharps (D#)."""
        if self.tonic[1:] in ACCIDENTALS:
            return self.tonic[1:] == "b"
        return (self.root - SCALES[self.scale][1]) % 12 in FLAT_MAJORS

    def contains(self, note: int) -> bool:
        return note % 12 in self.pitch_classes

    def transposed(self, semitones: int) -> Key:
        """The same scale on a tonic `semitones` away, spelled as this key spells."""
        names = FLAT_NAMES if self.tonic.endswith("b") else SHARP_NAMES
        return Key(names[(self.root + semitones) % 12], self.scale)


def parse_key(text: str) -> Key:
    """A key from its name: "F minor", "Eb major", "A minor pentatonic"; ValueError."""
    tonic, _, scale = text.strip().partition(" ")
    scale = " ".join(scale.lower().split()) or "major"
    try:
        pitch_class(tonic)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a key (expected a tonic C D E F G A B, with # or b, then a scale)"
        ) from None
    tonic = tonic[0].upper() + tonic[1:]
    if scale not in SCALES:
        raise ValueError(f"{scale!r} is not a scale (expected {', '.join(SCALES)})")
    return Key(tonic, scale)


def snap_to_scale(note: int, key: Key) -> int:
    """The note of `key`'s scale nearest `note`; halfway between two, the lower one."""
    for distance in range(12):
        for candidate in (note - distance, note + distance):
            if NOTE_RANGE[0] <= candidate <= NOTE_RANGE[1] and key.contains(candidate):
                return candidate
    return note  # unreachable: every scale has a note in any 12 semitones


def read_notes(text: str) -> tuple[int, ...]:
    """Notes as a producer types them: "C2", a chord "Fm9" or "Fm9@4", or notes
    "F3,Ab3,C4"; blank is none. Ascending; ValueError names what is wrong."""
    text = text.strip().strip("[]")
    if not text:
        return ()
    if "," in text:
        notes = sorted({parse_note(part.strip()) for part in text.split(",") if part.strip()})
        return tuple(notes)
    try:
        return (parse_note(text),)
    except ValueError:
        pass
    try:
        return parse_chord(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a note (like C2 or Eb3), a chord (like Fm9 or Fm9@4)"
            " or notes (like F3,Ab3,C4)"
        ) from None


def notes_text(notes: tuple[int, ...], *, flats: bool = False) -> str:
    """What `read_notes` reads back as `notes`: a note, a chord's name, or a list."""
    if len(notes) == 1:
        return note_name(notes[0], flats=flats)
    named = chord_name(notes, flats=flats)
    if named is not None:
        return named
    return ",".join(note_name(n, flats=flats) for n in notes)
