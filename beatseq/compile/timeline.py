"""The Timeline: every hit of a song, placed in ticks, seconds and sample frames.

This is what the compiler produces and what the engine, the renderer, MIDI export
and the UI's playhead all read, so they agree. It holds results only; how they are
computed lives in `beatseq.compile.compiler`.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from beatseq.ticks import PPQ, TempoMap


@dataclass(frozen=True, slots=True)
class Event:
    """One hit."""

    tick: int
    """When it sounds, with swing, feel, nudge and humanize applied."""
    sample: int
    """Frame at the timeline's sample rate, from the tempo map (never accumulated)."""
    seconds: float
    track: str
    """The instrument it plays."""
    velocity: int
    pitch: int
    """Semitones from the instrument's own pitch (the step's pitch offset); for a
    melodic note, from the instrument's root (else its MIDI note) to the note."""
    length: int
    """Gate length in ticks: a step, or a roll's share of it. A melodic note (or a held
    hit) lasts until its end step's swung start, and never past the next note's start
    (a slid note reaches it exactly)."""
    section: str
    note: int
    """MIDI note."""
    channel: int
    """MIDI channel, 1-16."""
    grid_tick: int
    """Where the hit sits on the straight grid (before swing, feel, nudge, humanize)."""
    step: int
    """Index of the step in its track."""
    occurrence: int
    """Index of the section occurrence in the arrangement."""
    cuts: tuple[int, ...] = ()
    """Indices of earlier events in the same choke group whose voices this hit cuts."""
    slide: bool = False
    """A melodic note written to slide (glide, legato) into the next note."""
    slide_to: int | None = None
    """The MIDI note it slides into; None when nothing follows right after it."""
    grid_length: int | None = None
    """A note's length on the straight grid (for straight MIDI export); None for a
    plain hit, whose length is never swung."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "tick": self.tick,
            "sample": self.sample,
            "seconds": self.seconds,
            "track": self.track,
            "velocity": self.velocity,
            "pitch": self.pitch,
            "length": self.length,
            "section": self.section,
            "note": self.note,
            "channel": self.channel,
            "grid_tick": self.grid_tick,
            "step": self.step,
            "cuts": list(self.cuts),
            "slide": self.slide,
            "slide_to": self.slide_to,
            "grid_length": self.grid_length,
        }


def _event_maker() -> Callable[..., Event]:
    """`new_event`, written out for Event's fields as dataclasses writes `__init__`: one
    call of each slot's setter, in the order of the fields (a loop over them took 2.3
    against 1.4 us an event)."""
    names = [f.name for f in fields(Event)]
    scope: dict[str, Any] = {"_new": object.__new__, "Event": Event}
    lines = [f"def new_event({', '.join(names)}):", "    event = _new(Event)"]
    for i, name in enumerate(names):
        scope[f"_set{i}"] = getattr(Event, name).__set__
        lines.append(f"    _set{i}(event, {name})")
    lines.append("    return event")
    exec("\n".join(lines), scope)
    maker: Callable[..., Event] = scope["new_event"]
    maker.__doc__ = """`Event(*values)`, all of its fields in order, made four times as fast:
    each slot is set directly, where a frozen dataclass's own `__init__` goes through
    `object.__setattr__` for every field (5 against 1.4 us an event; a 3-minute song
    compiles 4,000). For the compiler's loop; the event is just as frozen."""
    return maker


new_event = _event_maker()


@dataclass(frozen=True, slots=True)
class SectionSpan:
    """Where one occurrence of a section sits in the song."""

    name: str
    occurrence: int
    """Index in the arrangement."""
    visit: int
    """How many times this section has played before (0 the first time)."""
    start: int
    end: int
    """Ticks, end exclusive."""
    pass_ticks: int
    repeat: int
    bpm: float
    start_bar: int
    """Bar number (0-based) of the section's first bar."""


@dataclass(frozen=True)
class Timeline:
    title: str
    events: tuple[Event, ...]
    sections: tuple[SectionSpan, ...]
    tempo: TempoMap
    sample_rate: int
    length: int
    """Ticks from the start of the song to the end of its last section."""
    time_signature: tuple[int, int]
    tracks: tuple[str, ...]
    """Instrument names in kit order."""
    ppq: int = PPQ
    _ticks: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ticks", tuple(e.tick for e in self.events))

    def gate_frames(self, event: Event) -> int:
        """How many frames an event's `length` lasts where it sounds (also for the
        copies of a loop, whose ticks run past the end)."""
        tick = event.tick % self.length if self.length else event.tick
        rate = self.sample_rate
        return self.tempo.sample(tick + event.length, rate) - self.tempo.sample(tick, rate)

    @property
    def length_samples(self) -> int:
        return self.tempo.sample(self.length, self.sample_rate)

    @property
    def length_seconds(self) -> float:
        return self.tempo.seconds(self.length)

    @property
    def bar_ticks(self) -> int:
        num, den = self.time_signature
        return self.ppq * 4 * num // den

    @property
    def bars(self) -> float:
        return self.length / self.bar_ticks

    def events_between(self, start: int, end: int) -> tuple[Event, ...]:
        """Events with start <= tick < end."""
        lo = bisect.bisect_left(self._ticks, start)
        hi = bisect.bisect_left(self._ticks, end)
        return self.events[lo:hi]

    def section_at(self, tick: int) -> SectionSpan | None:
        for span in self.sections:
            if span.start <= tick < span.end:
                return span
        return None
