"""Hit plans: where each hit of each track starts, how loud, at what pitch, and where it stops.

Planning is arithmetic on the compiled Timeline. A hit rings until its sound ends,
unless something cuts it: a hit in its choke group (or the next hit of a mono
instrument; the timeline's `cuts`), or a track running out of voices (more than
POLYPHONY hits ringing at once, or a synth's own voice count: the oldest goes). A cut
hit fades out over CUT_FADE_MS instead of stopping dead. A mono synth (the 808) cuts
the note before with each note, except a slid note, which takes over from it at its
exact frame (see `beatseq.engine.synths`); a polyphonic synth plays each note as its
own voice, and a note slid into glides from the slid note's pitch (if its kind
glides). A written note outside its instrument's `range` is not played. The mixer
plays the plans; tests can read them.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from beatseq.compile.timeline import Event
from beatseq.engine.synths import SynthBank
from beatseq.model import Instrument


class Voicing(Protocol):
    """How long a hit of an instrument rings at a step pitch (a VoiceBank)."""

    def frames(self, pitch: int) -> int: ...


POLYPHONY = 16
"""Hits of one track that may ring at once."""
CUT_FADE_MS = 5.0


@dataclass(frozen=True, eq=False)
class TrackHits:
    name: str
    starts: np.ndarray
    """Frame of each hit, ascending (int64)."""
    levels: np.ndarray
    """Amplitude from velocity (float32); the track's gain and pan are the bus's."""
    pitches: np.ndarray
    """Semitones from the instrument's sound (int64); for a synth, its bank's note keys."""
    stops: np.ndarray
    """Frame where each hit falls silent (int64)."""
    cut: np.ndarray
    """Whether the hit fades out before `stops` (bool)."""
    longest: int
    """The longest hit, in frames: how far back a block must look for ringing hits."""

    def __len__(self) -> int:
        return int(self.starts.shape[0])


def fade_frames(sample_rate: int) -> int:
    return max(1, round(CUT_FADE_MS * sample_rate / 1000))


def plan_hits(
    events: Iterable[Event],
    instruments: Mapping[str, Instrument],
    sounds: Mapping[str, Voicing],
    sample_rate: int,
    *,
    offset: int = 0,
    polyphony: int = POLYPHONY,
    gates: Callable[[Event], int] | None = None,
) -> dict[str, TrackHits]:
    """The hits of every track that has a sound; `offset` is added to every frame.

    `gates` gives an event's written length in frames (synth notes with a release
    need it). A synth track's hits carry its bank's note keys where a sampler's carry
    step pitches.
    """
    fade = fade_frames(sample_rate)
    rows: dict[str, list[list[int | float | bool]]] = {name: [] for name in sounds}
    where: dict[int, tuple[str, int]] = {}  # timeline index -> (track, row)
    ringing: dict[str, list[tuple[int, int]]] = {name: [] for name in sounds}  # (stop, row)
    synth_last: dict[str, tuple[int, Event]] = {}  # a mono synth track's last row and event
    # where slid notes of a polyphonic synth end: (track, tick) -> {next note: from note}
    slid: dict[tuple[str, int], dict[int, int]] = {}
    playing: dict[str, list[int]] = {}  # a polyphonic synth track's rows, oldest first
    for index, event in enumerate(events):
        start = event.sample + offset
        for cut in event.cuts:
            found = where.get(cut)
            if found is not None:
                _cut(rows[found[0]][found[1]], start, fade)
        sound = sounds.get(event.track)
        if sound is None:
            continue
        track_rows = rows[event.track]
        instrument = instruments[event.track]
        if event.grid_length is not None and not instrument.plays(event.note):
            continue  # outside the instrument's range
        if isinstance(sound, SynthBank):  # a synth note's written length shapes it
            gate = gates(event) if gates is not None else 0
        if isinstance(sound, SynthBank) and sound.voices == 1:
            row = _synth_row(
                sound,
                instruments[event.track],
                event,
                start,
                gate,
                track_rows,
                synth_last.get(event.track),
                fade,
            )
            track_rows.append(row)
            synth_last[event.track] = (len(track_rows) - 1, event)
            where[index] = (event.track, len(track_rows) - 1)
            continue
        if isinstance(sound, SynthBank):  # polyphonic: a key per distinct note
            note = _synth_note(instrument, event)
            glide_from = _glide_from(slid, event)
            if glide_from is not None:
                glide_from += instrument.pitch
            key = sound.new_note(note, gate, event.velocity, glide_from)
            if event.slide and event.slide_to is not None:
                ends = slid.setdefault((event.track, event.tick + event.length), {})
                ends[event.slide_to] = event.note
            # out of voices: the oldest note still sounding is cut
            sounding = [r for r in playing.get(event.track, []) if int(track_rows[r][3]) > start]
            while len(sounding) >= sound.voices:
                _cut(track_rows[sounding.pop(0)], start, fade)
            level = instrument.velocity_level(event.velocity)
            track_rows.append([start, level, key, start + sound.frames(key), False])
            playing[event.track] = [*sounding, len(track_rows) - 1]
            where[index] = (event.track, len(track_rows) - 1)
            continue
        heap = ringing[event.track]
        while heap and (heap[0][0] <= start or track_rows[heap[0][1]][3] <= start):
            heapq.heappop(heap)
        if len(heap) >= polyphony:
            _, oldest = heapq.heappop(heap)
            _cut(track_rows[oldest], start, fade)
        length = sound.frames(event.pitch)
        row = [start, instrument.velocity_level(event.velocity), event.pitch, start + length, False]
        track_rows.append(row)
        heapq.heappush(heap, (start + length, len(track_rows) - 1))
        where[index] = (event.track, len(track_rows) - 1)
    return {name: _arrays(name, r) for name, r in rows.items() if r}


def _synth_row(
    bank: SynthBank,
    instrument: Instrument,
    event: Event,
    start: int,
    gate: int,
    rows: list[list[int | float | bool]],
    last: tuple[int, Event] | None,
    fade: int,
) -> list[int | float | bool]:
    """A synth note: mono, so it cuts the note before; a slide continues it instead."""
    note = _synth_note(instrument, event)
    level = instrument.velocity_level(event.velocity)
    if last is not None:
        row_index, before = last
        row = rows[row_index]
        began = int(row[0])
        legato = (
            before.slide
            and before.slide_to == event.note
            and event.grid_length is not None
            and began < start <= int(row[3])
        )
        if legato:
            # the old note stops exactly here and this one carries on from it: same
            # phase, same place on the envelope, same level
            row[3], row[4] = start, False
            key = bank.slide(int(row[2]), start - began, note, gate)
            return [start, row[1], key, start + bank.frames(key), False]
        _cut(row, start, fade)
    key = bank.new_note(note, gate)
    return [start, level, key, start + bank.frames(key), False]


def _synth_note(instrument: Instrument, event: Event) -> float:
    """The note a synth plays for an event: a written note, or for a plain hit the
    instrument's own note moved by the step's pitch; then the instrument's pitch."""
    if event.grid_length is not None:  # a written note
        note = float(event.note)
    else:
        base = instrument.root if instrument.root is not None else instrument.note
        note = float(base + event.pitch)
    return note + instrument.pitch


def _glide_from(slid: dict[tuple[str, int], dict[int, int]], event: Event) -> float | None:
    """The note a polyphonic synth's note glides from: the note slid into it, if one
    ended right where it starts."""
    found = slid.get((event.track, event.tick))
    if found is None or event.grid_length is None:
        return None
    note = found.get(event.note)
    return float(note) if note is not None else None


def _cut(row: list[int | float | bool], at: int, fade: int) -> None:
    """Fade the hit out from `at`, if it still sounds there."""
    if int(row[3]) > at:
        stop = max(int(row[0]), at) + fade
        if stop < int(row[3]):
            row[3] = stop
            row[4] = True


def _arrays(name: str, rows: list[list[int | float | bool]]) -> TrackHits:
    starts = np.array([r[0] for r in rows], dtype=np.int64)
    stops = np.array([r[3] for r in rows], dtype=np.int64)
    return TrackHits(
        name=name,
        starts=starts,
        levels=np.array([r[1] for r in rows], dtype=np.float32),
        pitches=np.array([r[2] for r in rows], dtype=np.int64),
        stops=stops,
        cut=np.array([r[4] for r in rows], dtype=bool),
        longest=int(np.max(stops - starts)) if rows else 0,
    )
