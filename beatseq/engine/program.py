"""Programs: a song, or one section or pattern of it, compiled and planned for playback.

A Program is what the live engine plays: the compiled timeline of the selection, each
track's hit plan in frames, and for loops the period after which it repeats. A looped
section is compiled as LOOP_PASSES visits (each rolls its own dice), a looped pattern
as enough passes for every trig condition to come round; the loop then repeats that.
Cuts across the loop's seam are worked out by planning three copies and keeping the
middle one. Playing it (transport, mixing) is `beatseq.engine.player`'s business.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from beatseq.compile import compile_song, loop_events
from beatseq.compile.timeline import SectionSpan, Timeline
from beatseq.engine.protocol import Selection
from beatseq.engine.sounds import Bank, bank_for
from beatseq.engine.voices import TrackHits, plan_hits
from beatseq.errors import BeatseqError
from beatseq.model import Instrument, Song
from beatseq.ticks import round_half_up

LOOP_PASSES = 4
"""Visits a looped section is compiled for: fresh probability dice on each."""
MAX_PATTERN_PASSES = 64


class Banks:
    """Banks by sound setting, kept across edits so nothing is reloaded (or rendered
    again, for a synth)."""

    def __init__(self, sample_rate: int):
        self.sample_rate = sample_rate
        self._banks: dict[tuple[object, ...], Bank] = {}

    def get(self, instrument: Instrument) -> Bank:
        key = (
            instrument.path,
            instrument.start,
            instrument.end,
            instrument.reverse,
            instrument.pitch,
            instrument.attack,
            instrument.hold,
            instrument.decay,
            instrument.lowpass,
            instrument.highpass,
            instrument.synth,
            (instrument.root, instrument.note) if instrument.synth is not None else None,
        )
        bank = self._banks.get(key)
        if bank is None:
            bank = self._banks[key] = bank_for(instrument, self.sample_rate)
        return bank


@dataclass
class Program:
    song: Song
    """The song as compiled: cut to the selection, repeated for a loop."""
    selection: Selection
    timeline: Timeline
    hits: dict[str, TrackHits]
    banks: dict[str, Bank]
    period: int | None
    """Frames after which a loop repeats; None plays once."""

    @property
    def length(self) -> int:
        return self.timeline.length_samples

    @property
    def longest(self) -> int:
        return max((h.longest for h in self.hits.values()), default=0)

    def tick_at(self, frame: int) -> float:
        """The (fractional) tick at a frame of the program (a loop's frames wrap)."""
        if self.period:
            frame %= self.period
        return self.timeline.tempo.tick_at_seconds(frame / self.timeline.sample_rate)

    def frame_at(self, tick: float) -> int:
        """The frame of a (fractional) tick: frame_at(tick_at(f)) is f again."""
        exact = self.timeline.tempo.exact_seconds(Fraction(tick))
        return round_half_up(exact * self.timeline.sample_rate)

    def span_at(self, tick: float) -> SectionSpan | None:
        return self.timeline.section_at(int(tick))

    def next_bar(self, frame: int) -> int:
        """The first frame at or after `frame` where a bar starts (loops wrap)."""
        bar = self.timeline.bar_ticks
        base = 0
        if self.period:
            base = (frame // self.period) * self.period
            frame -= base
        tick = self.tick_at(frame)
        next_tick = math.ceil(tick / bar - 1e-9) * bar
        if next_tick >= self.timeline.length:
            return base + (self.period or self.length)
        return base + max(frame, self.frame_at(next_tick))


def build_program(song: Song, selection: Selection, banks: Banks) -> Program:
    """Compile and plan `selection` of `song`; raises BeatseqError for unknown names."""
    cut = _cut(song, selection)
    rate = banks.sample_rate
    timeline = compile_song(cut, rate)
    instruments = {i.name: i for i in cut.kit.instruments}
    playing = {e.track for e in timeline.events}
    voice = {
        n: banks.get(instruments[n])
        for n in cut.kit.names
        if n in playing and instruments[n].sounds
    }
    if not selection.loop or timeline.length_samples == 0:
        hits = plan_hits(timeline.events, instruments, voice, rate, gates=timeline.gate_frames)
        return Program(cut, selection, timeline, hits, voice, None)
    period = timeline.length_samples
    three = plan_hits(
        loop_events(cut, timeline, 3, period), instruments, voice, rate, gates=timeline.gate_frames
    )
    hits = {name: _window(h, period, 2 * period) for name, h in three.items()}
    return Program(
        cut, selection, timeline, {n: h for n, h in hits.items() if len(h)}, voice, period
    )


def _cut(song: Song, selection: Selection) -> Song:
    if selection.kind == "song":
        return song
    name = selection.name or ""
    if selection.kind == "section":
        if name not in {s.name for s in song.sections}:
            raise BeatseqError(f"no section {name!r}")
        passes = LOOP_PASSES if selection.loop else 1
        return replace(song, arrangement=(name,) * passes)
    if name not in {p.name for p in song.patterns}:
        raise BeatseqError(f"no pattern {name!r}")
    alone = song.only_pattern(name)
    if not selection.loop:
        return alone
    section = replace(alone.sections[0], repeat=_pattern_passes(song, name))
    return replace(alone, sections=(section,))


def _pattern_passes(song: Song, name: str) -> int:
    """Passes a looped pattern needs for every A:B condition to come round (4 at least)."""
    passes = 4
    for track in song.pattern(name).tracks:
        for step in track.steps:
            if step is not None and step.condition is not None:
                passes = math.lcm(passes, step.condition.b)
    return min(passes, MAX_PATTERN_PASSES)


def _window(hits: TrackHits, start: int, end: int) -> TrackHits:
    """The hits starting in [start, end), moved to start at 0."""
    keep = (hits.starts >= start) & (hits.starts < end)
    starts = hits.starts[keep] - start
    stops = hits.stops[keep] - start
    return TrackHits(
        name=hits.name,
        starts=starts,
        levels=hits.levels[keep],
        pitches=hits.pitches[keep],
        stops=stops,
        cut=hits.cut[keep],
        longest=int(np.max(stops - starts)) if starts.size else 0,
    )
