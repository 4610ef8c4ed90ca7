"""MIDI export: exact messages for small songs, golden files, and a DAW's view of them."""

import os
from pathlib import Path

import mido
import pretty_midi
import pytest
from hypothesis import given, settings

from beatseq.compile import compile_song
from beatseq.errors import BeatseqError
from beatseq.formats.midi import timeline_to_midi, write_midi
from beatseq.formats.songfile import load_song
from beatseq.model import Section, Song
from tests.helpers import pattern, song
from tests.strategies import songs

VALID = Path(__file__).parent.parent / "fixtures" / "songs" / "valid"
GOLDEN = Path(__file__).parent.parent / "golden" / "midi"
REGENERATE = os.environ.get("BEATSEQ_REGEN_GOLDEN") == "1"


def _messages(track: mido.MidiTrack) -> list[tuple[int, str]]:
    return [(m.time, str(m.copy(time=0))) for m in track]


def test_a_one_bar_beat_message_by_message():
    s = song(pattern(kick="x.......x.......", snare="....X.......o..."), bpm=120, title="Tiny")
    midi = timeline_to_midi(compile_song(s))
    assert midi.type == 1 and midi.ticks_per_beat == 960
    conductor, kick, snare = midi.tracks
    assert _messages(conductor) == [
        (0, "MetaMessage('track_name', name='Tiny', time=0)"),
        (
            0,
            "MetaMessage('time_signature', numerator=4, denominator=4, clocks_per_click=24,"
            " notated_32nd_notes_per_beat=8, time=0)",
        ),
        (0, "MetaMessage('set_tempo', tempo=500000, time=0)"),
        (0, "MetaMessage('marker', text='p', time=0)"),
        (3840, "MetaMessage('end_of_track', time=0)"),
    ]
    assert _messages(kick) == [
        (0, "MetaMessage('track_name', name='kick', time=0)"),
        (0, "note_on channel=9 note=36 velocity=100 time=0"),
        (240, "note_off channel=9 note=36 velocity=0 time=0"),
        (1680, "note_on channel=9 note=36 velocity=100 time=0"),
        (240, "note_off channel=9 note=36 velocity=0 time=0"),
        (1680, "MetaMessage('end_of_track', time=0)"),
    ]
    assert [m for _, m in _messages(snare)][1] == "note_on channel=9 note=38 velocity=127 time=0"
    assert [t for t, _ in _messages(snare)][1:4] == [960, 240, 1680]


def test_swing_and_feel_are_exported_and_straight_removes_them():
    s = song(pattern(hat="xxxx"), swing=60, bpm=100)
    swung = timeline_to_midi(compile_song(s))
    ons = [m for m in _abs(swung.tracks[1]) if m[1].type == "note_on"]
    assert [t for t, _ in ons] == [0, 288, 480, 768]
    straight = timeline_to_midi(compile_song(s), straight=True)
    ons = [m for m in _abs(straight.tracks[1]) if m[1].type == "note_on"]
    assert [t for t, _ in ons] == [0, 240, 480, 720]


def test_notes_never_overlap_the_next_hit_of_the_same_note():
    # a roll of 8 on a 1/16 step: hits 30 ticks apart; and a nudge that pulls hits together
    s = song(pattern(hat="x{r8}x{-200}..x.x{-239}"), bpm=90)
    midi = timeline_to_midi(compile_song(s))
    on_at: dict[int, int] = {}
    spans = []
    for tick, message in _abs(midi.tracks[1]):
        if message.type == "note_on":
            on_at[message.note] = tick
        elif message.type == "note_off":
            spans.append((on_at.pop(message.note), tick))
    assert len(spans) == 11
    for (start, stop), (next_start, _) in zip(spans, spans[1:]):
        assert start < stop <= next_start


def test_two_hits_of_one_note_on_one_tick_become_the_louder():
    a = pattern("a", kick="x...")
    b = pattern("b", kick="X...")
    s = song(a, b, sections=(Section("both", ("a", "b")),))
    midi = timeline_to_midi(compile_song(s))
    ons = [m for _, m in _abs(midi.tracks[1]) if m.type == "note_on"]
    assert [(m.note, m.velocity) for m in ons] == [(36, 127)]


def test_other_ppq_rescales_ticks():
    s = song(pattern(hat="xxxx"), swing=58)
    midi = timeline_to_midi(compile_song(s), ppq=96)
    ons = [t for t, m in _abs(midi.tracks[1]) if m.type == "note_on"]
    assert midi.ticks_per_beat == 96
    assert ons == [0, 28, 48, 76]  # 278 and 758 ticks at 960 round to 28 and 76 at 96
    with pytest.raises(BeatseqError):
        timeline_to_midi(compile_song(s), ppq=7)


def test_tempo_map_and_section_markers():
    s = load_song(VALID / "everything.toml")
    timeline = compile_song(s)
    midi = timeline_to_midi(timeline)
    conductor = _abs(midi.tracks[0])
    tempos = [(t, round(mido.tempo2bpm(m.tempo), 3)) for t, m in conductor if m.type == "set_tempo"]
    assert tempos == [(0, 92.5), (23040, 94.0), (38400, 92.5), (53760, 94.0)]
    markers = [(t, m.text) for t, m in conductor if m.type == "marker"]
    assert markers == [
        (0, "intro"),
        (7680, "verse"),
        (23040, "hook"),
        (38400, "verse"),
        (53760, "hook"),
    ]
    names = [t.name for t in midi.tracks[1:]]
    assert names == [n for n in s.kit.names if any(e.track == n for e in timeline.events)]
    channels = {t.name: {m.channel for m in t if m.type == "note_on"} for t in midi.tracks[1:]}
    assert channels["sub"] == {1} and channels["kick"] == {9}


def _abs(track: mido.MidiTrack) -> list[tuple[int, mido.Message]]:
    now, out = 0, []
    for message in track:
        now += message.time
        out.append((now, message))
    return out


def _pretty_notes(path: Path) -> list[tuple[float, int, int, str]]:
    pm = pretty_midi.PrettyMIDI(str(path))
    return sorted(
        (n.start, n.pitch, n.velocity, inst.name) for inst in pm.instruments for n in inst.notes
    )


def _check_against_timeline(path: Path, s: Song) -> None:
    """A DAW's reading of the file (pretty_midi) finds every note within one tick."""
    timeline = compile_song(s)
    found = _pretty_notes(path)
    expected: dict[tuple[int, str, int], int] = {}
    for e in timeline.events:  # hits of one note on one tick merge into the louder
        key = (e.tick, e.track, e.note)
        expected[key] = max(expected.get(key, 0), e.velocity)
    assert len(found) == len(expected)
    wanted = sorted(
        (timeline.tempo.seconds(t), note, v, name) for (t, name, note), v in expected.items()
    )
    for (start, pitch, velocity, name), (seconds, note, vel, track) in zip(found, wanted):
        one_tick = 60 / (float(timeline.tempo.bpm_at(0)) * 960)
        assert abs(start - seconds) <= max(one_tick, 60 / (20 * 960))
        assert (pitch, velocity, name) == (note, vel, track)


@pytest.mark.parametrize(
    ("fixture", "options"),
    [
        ("everything", {}),
        ("everything", {"straight": True}),
        ("minimal", {"ppq": 96}),
        ("triplets-and-time", {}),
    ],
)
def test_golden_files(tmp_path: Path, fixture: str, options: dict) -> None:  # type: ignore[type-arg]
    """Regenerate with BEATSEQ_REGEN_GOLDEN=1 after a deliberate change, and review the diff."""
    s = load_song(VALID / f"{fixture}.toml")
    midi = timeline_to_midi(compile_song(s), **options)
    name = fixture + "".join(f"-{k}{'' if v is True else v}" for k, v in options.items())
    golden = GOLDEN / f"{name}.mid"
    out = tmp_path / "out.mid"
    write_midi(midi, out)
    if REGENERATE:
        golden.write_bytes(out.read_bytes())
    expected = mido.MidiFile(str(golden), charset="utf-8")
    actual = mido.MidiFile(str(out), charset="utf-8")
    assert len(actual.tracks) == len(expected.tracks)
    for mine, theirs in zip(actual.tracks, expected.tracks, strict=True):
        assert [str(m) for m in mine] == [str(m) for m in theirs]
    if not options.get("straight"):
        _check_against_timeline(out, s)


@settings(max_examples=25, deadline=None)
@given(songs())
def test_any_song_reads_back_in_pretty_midi(song: Song) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "song.mid"
        write_midi(timeline_to_midi(compile_song(song)), path)
        timeline = compile_song(song)
        pm = pretty_midi.PrettyMIDI(str(path))
        starts = sorted(n.start for i in pm.instruments for n in i.notes)
        ticks = sorted({(e.tick, e.track, e.note) for e in timeline.events})
        assert len(starts) == len(ticks)
        expected = sorted(timeline.tempo.seconds(t) for t, _, _ in ticks)
        for got, want in zip(starts, expected):
            tick_at = timeline.tempo.tick_at_seconds(want)
            one_tick = 60 / (float(timeline.tempo.bpm_at(round(tick_at))) * 960)
            assert abs(got - want) <= one_tick
