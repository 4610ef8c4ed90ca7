"""MIDI export: a Timeline as a Standard MIDI File (type 1) that any DAW imports.

Track 0 is the conductor: song name, time signature, the tempo map and a marker at
each section start. Then one track per instrument that plays, named after it, on its
channel and note. Notes sit exactly where the timeline puts them (swing, feel,
nudge and humanize included), or on the straight grid with `straight=True`. Drum
notes are short and never overlap the next hit of the same note; two hits of one
note on one tick become one (the louder).

Melodic tracks are their own MIDI tracks on the channel the compiler gave them (never
10), with each note's real pitch and length. A slid note's note-off comes
SLIDE_OVERLAP ticks after the next note's note-on, so a DAW's mono synth glides.

Ticks are rescaled from beatseq's PPQ 960 to the file's PPQ, rounding to the nearest
tick. Only the Timeline is read: what plays is decided by the compiler.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import mido

from beatseq.compile.timeline import Event, Timeline
from beatseq.errors import BeatseqError
from beatseq.formats.atomic import atomic_path
from beatseq.ticks import round_half_up

PPQ_RANGE = (24, 32767)
SLIDE_OVERLAP = 30
"""Ticks (at PPQ 960; scaled to the file's) a slid note overlaps the note it slides into."""


def timeline_to_midi(
    timeline: Timeline, *, ppq: int = 960, straight: bool = False
) -> mido.MidiFile:
    """The MIDI file for `timeline` at `ppq` ticks per quarter note."""
    low, high = PPQ_RANGE
    if not low <= ppq <= high:
        raise BeatseqError(f"--ppq must be {low} to {high}, not {ppq}")
    # Names are written as UTF-8: DAWs that expect Latin-1 show accents oddly, not crash.
    midi = mido.MidiFile(type=1, ticks_per_beat=ppq, charset="utf-8")
    end = _scale(timeline.length, timeline.ppq, ppq)
    midi.tracks.append(_conductor(timeline, ppq, end))
    by_track: dict[str, list[Event]] = defaultdict(list)
    for event in timeline.events:
        by_track[event.track].append(event)
    for name in timeline.tracks:
        if by_track.get(name):
            midi.tracks.append(
                _instrument_track(name, by_track[name], timeline.ppq, ppq, straight, end)
            )
    return midi


def write_midi(midi: mido.MidiFile, path: str | Path) -> None:
    """Save atomically: a failed write leaves any earlier file as it was."""
    with atomic_path(path, suffix=".mid") as temp:
        midi.save(str(temp))


def _scale(tick: int, source_ppq: int, ppq: int) -> int:
    return round_half_up(Fraction(tick * ppq, source_ppq))


def _conductor(timeline: Timeline, ppq: int, end: int) -> mido.MidiTrack:
    num, den = timeline.time_signature
    timed: list[tuple[int, int, mido.MetaMessage]] = [
        (0, 0, mido.MetaMessage("track_name", name=timeline.title, time=0)),
        (
            0,
            1,
            mido.MetaMessage(
                "time_signature",
                numerator=num,
                denominator=den,
                clocks_per_click=24,
                notated_32nd_notes_per_beat=8,
            ),
        ),
    ]
    for tick, bpm in timeline.tempo.changes:
        tempo = round_half_up(Fraction(60_000_000) / bpm)
        timed.append(
            (_scale(tick, timeline.ppq, ppq), 2, mido.MetaMessage("set_tempo", tempo=tempo))
        )
    for span in timeline.sections:
        marker = mido.MetaMessage("marker", text=span.name)
        timed.append((_scale(span.start, timeline.ppq, ppq), 3, marker))
    return _track(timed, end)


def _instrument_track(
    name: str, events: list[Event], source_ppq: int, ppq: int, straight: bool, end: int
) -> mido.MidiTrack:
    # (channel, note) -> {start tick: (velocity, length)}
    notes: dict[tuple[int, int], dict[int, tuple[int, int]]] = defaultdict(dict)
    overlap = max(1, _scale(SLIDE_OVERLAP, source_ppq, ppq))
    for event in events:
        start = _scale(event.grid_tick if straight else event.tick, source_ppq, ppq)
        written = event.grid_length if straight and event.grid_length is not None else event.length
        length = max(1, _scale(written, source_ppq, ppq))
        if event.slide_to is not None:
            length += overlap
        key = (event.channel - 1, event.note)
        previous = notes[key].get(start)
        if previous is None or event.velocity > previous[0]:
            notes[key][start] = (event.velocity, length)
    timed: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [
        (0, 0, mido.MetaMessage("track_name", name=name)),
    ]
    for (channel, note), hits in notes.items():
        starts = sorted(hits)
        for start, following in zip(starts, [*starts[1:], None], strict=True):
            velocity, length = hits[start]
            stop = start + length
            if following is not None:
                stop = min(stop, following)
            stop = min(stop, max(end, start + 1))
            # At one tick, note-offs (order 1) go before note-ons (order 2).
            timed.append(
                (start, 2, mido.Message("note_on", channel=channel, note=note, velocity=velocity))
            )
            timed.append(
                (stop, 1, mido.Message("note_off", channel=channel, note=note, velocity=0))
            )
    return _track(timed, end)


def _track(
    timed: list[tuple[int, int, mido.Message | mido.MetaMessage]], end: int
) -> mido.MidiTrack:
    """Absolute (tick, order, message) triples as a track with delta times."""
    track = mido.MidiTrack()
    now = 0
    for tick, _order, message in sorted(timed, key=lambda t: (t[0], t[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(0, end - now)))
    return track
