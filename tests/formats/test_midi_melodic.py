"""MIDI export of melodic tracks, read back as a DAW reads it (pretty_midi)."""

from pathlib import Path

import mido
import pretty_midi

from beatseq.compile import compile_song
from beatseq.formats.midi import SLIDE_OVERLAP, timeline_to_midi, write_midi
from beatseq.formats.songfile import loads_song

SONG = """\
[song]
bpm = 120
swing = 60

[kit]
use = "boom"
[kit.bass]
sample = "808/808"
channel = 5
[kit.keys]
sample = "808/808"
channel = 10

[patterns.a]
steps = 8
kick = "x...x..."
bass = "C2 - D#2~ G1 - . A1 ."
keys = "[Fm9] - - - . . [C4,E4]{v90} -"
"""
TICK = 0.5 / 960  # seconds per tick at 120 BPM


def _export(tmp_path: Path, **options: object) -> tuple[pretty_midi.PrettyMIDI, mido.MidiFile]:
    song = loads_song(SONG, tmp_path / "song.toml")
    midi = timeline_to_midi(compile_song(song), **options)  # type: ignore[arg-type]
    path = tmp_path / "song.mid"
    write_midi(midi, path)
    return pretty_midi.PrettyMIDI(str(path)), mido.MidiFile(str(path))


def _ticks(pm: pretty_midi.PrettyMIDI, name: str) -> list[tuple[int, int, int, int]]:
    """(start tick, length in ticks, pitch, velocity) of the notes of the named track."""
    (instrument,) = [i for i in pm.instruments if i.name == name]
    return [
        (round(n.start / TICK), round((n.end - n.start) / TICK), n.pitch, n.velocity)
        for n in sorted(instrument.notes, key=lambda n: (n.start, n.pitch))
    ]


def test_melodic_notes_read_back_with_their_pitch_start_and_length(tmp_path: Path) -> None:
    pm, _ = _export(tmp_path)
    assert [i.name for i in pm.instruments] == ["kick", "bass", "keys"]
    # swing 60: odd 16ths start at 288. C2 held to step 2 (480); D#2 slides into G1
    # at 768 and overlaps it; G1 held to step 5 (1248 = 960 + 288)
    assert _ticks(pm, "bass") == [
        (0, 480, 36, 100),
        (480, 288 + SLIDE_OVERLAP, 39, 100),
        (768, 480, 31, 100),
        (1440, 288, 33, 100),  # an even step: to the swung odd one (1728)
    ]
    assert _ticks(pm, "keys") == [
        (0, 960, 53, 100),
        (0, 960, 56, 100),
        (0, 960, 60, 100),
        (0, 960, 63, 100),
        (0, 960, 67, 100),
        (1440, 480, 60, 90),
        (1440, 480, 64, 90),
    ]


def test_channels_melodic_on_their_own_drums_on_ten(tmp_path: Path) -> None:
    _, midi = _export(tmp_path)
    channels = {
        track.name: {m.channel + 1 for m in track if m.type == "note_on"}
        for track in midi.tracks[1:]
    }
    # the bass keeps its channel; keys was on 10 (drums) and is given channel 1
    assert channels == {"kick": {10}, "bass": {5}, "keys": {1}}
    pm, _ = _export(tmp_path)
    assert [i.is_drum for i in pm.instruments] == [True, False, False]


def test_a_slid_note_ends_after_the_next_note_on(tmp_path: Path) -> None:
    _, midi = _export(tmp_path)
    bass = midi.tracks[2]
    now, events = 0, []
    for message in bass:
        now += message.time
        if message.type in ("note_on", "note_off"):
            events.append((now, message.type, message.note))
    assert (768, "note_on", 31) in events
    assert (768 + SLIDE_OVERLAP, "note_off", 39) in events
    assert events.index((768, "note_on", 31)) < events.index((798, "note_off", 39))
    # without a slide, a note ends before (or as) the next one starts
    assert (480, "note_off", 36) in events and (480, "note_on", 39) in events


def test_straight_export_puts_notes_and_lengths_on_the_grid(tmp_path: Path) -> None:
    pm, _ = _export(tmp_path, straight=True)
    assert _ticks(pm, "bass") == [
        (0, 480, 36, 100),
        (480, 240 + SLIDE_OVERLAP, 39, 100),
        (720, 480, 31, 100),
        (1440, 240, 33, 100),
    ]


def test_another_ppq_scales_notes_and_the_overlap(tmp_path: Path) -> None:
    pm, midi = _export(tmp_path, ppq=96)
    assert midi.ticks_per_beat == 96
    assert [(round(n.start / TICK), n.pitch) for n in pm.instruments[1].notes] == [
        (0, 36),
        (480, 39),
        (770, 31),  # 768 ticks is 76.8 at PPQ 96: 77, within one of the file's ticks
        (1440, 33),
    ]
    slid = pm.instruments[1].notes[1]
    assert round((slid.end - slid.start) / TICK) == 290 + 30  # 29 + 3 ticks at PPQ 96
