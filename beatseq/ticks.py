"""Musical time: integer ticks at PPQ 960, step resolutions, and the tempo map.

Everything in beatseq is placed in integer ticks. 960 ticks per quarter note puts
16ths (240), 16th triplets (160), 32nds (120), 32nd triplets (80) and quintuplets on
whole ticks, maps 1:1 to a PPQ-960 MIDI file, and imports Hydrogen's 48 and the MPC's
96 exactly. Seconds and sample positions are derived from ticks through the tempo map,
each computed absolutely (segment start + offset, in exact fractions), never by
adding up per-step durations, so nothing drifts over a long song.

This module knows nothing of songs or patterns; the compiler builds a TempoMap from
the arrangement.
"""

from __future__ import annotations

import bisect
from fractions import Fraction

PPQ = 960
"""Ticks per quarter note."""

# name -> (ticks per step, is a triplet grid)
RESOLUTIONS: dict[str, tuple[int, bool]] = {
    "1/4": (960, False),
    "1/8": (480, False),
    "1/16": (240, False),
    "1/32": (120, False),
    "1/64": (60, False),
    "1/4t": (640, True),
    "1/8t": (320, True),
    "1/16t": (160, True),
    "1/32t": (80, True),
}

SWING_UNITS: dict[str, int] = {"1/8": 480, "1/16": 240, "1/32": 120}


def step_ticks(resolution: str) -> int:
    """Ticks in one step of `resolution` (one of RESOLUTIONS)."""
    return RESOLUTIONS[resolution][0]


def is_triplet(resolution: str) -> bool:
    return RESOLUTIONS[resolution][1]


def bar_ticks(numerator: int, denominator: int) -> int:
    """Ticks in one bar of numerator/denominator time."""
    return PPQ * 4 * numerator // denominator


def beat_ticks(denominator: int) -> int:
    return PPQ * 4 // denominator


def exact_bpm(bpm: float | int | Fraction) -> Fraction:
    """The tempo as an exact fraction: 92.5 means 185/2, not a binary float."""
    if isinstance(bpm, Fraction):
        return bpm
    return Fraction(str(bpm))


def ms_to_ticks(ms: float, bpm: float | Fraction) -> int:
    """Milliseconds at `bpm` as the nearest whole number of ticks."""
    exact = Fraction(str(ms)) / 1000 * exact_bpm(bpm) / 60 * PPQ
    return round_half_up(exact)


def round_half_up(value: Fraction) -> int:
    """Round to the nearest integer, halves away from -inf (stable for negatives too)."""
    return int((value + Fraction(1, 2)).__floor__())


class TempoMap:
    """Tempo segments: each (start tick, bpm) holds until the next one.

    The first segment starts at tick 0. The time of a tick is the exact start time of
    its segment plus the offset into it, in exact rational arithmetic (done with
    integers, so it is fast enough to place every hit of a song on each edit); only
    the final sample frame or float of seconds is rounded.
    """

    __slots__ = ("_frames", "_starts", "_ticks", "changes")

    def __init__(self, changes: tuple[tuple[int, Fraction], ...]):
        if not changes or changes[0][0] != 0:
            raise ValueError("a tempo map starts at tick 0")
        ticks = [t for t, _ in changes]
        if ticks != sorted(set(ticks)):
            raise ValueError("tempo changes must be at increasing ticks")
        self.changes = tuple((t, exact_bpm(b)) for t, b in changes)
        self._ticks = tuple(ticks)
        starts = [Fraction(0)]
        for (t0, bpm0), (t1, _) in zip(self.changes, self.changes[1:], strict=False):
            starts.append(starts[-1] + (t1 - t0) * _seconds_per_tick(bpm0))
        self._starts = tuple(starts)
        self._frames: dict[int, tuple[tuple[int, int, int, int], ...]] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TempoMap) and other.changes == self.changes

    def __hash__(self) -> int:
        return hash(self.changes)

    def __repr__(self) -> str:
        return f"TempoMap({self.changes!r})"

    @classmethod
    def constant(cls, bpm: float | Fraction) -> TempoMap:
        return cls(((0, exact_bpm(bpm)),))

    @classmethod
    def from_changes(cls, changes: list[tuple[int, float | Fraction]]) -> TempoMap:
        """Build from (tick, bpm) pairs, dropping changes that do not change the tempo."""
        merged: list[tuple[int, Fraction]] = []
        for tick, bpm in sorted(changes, key=lambda c: c[0]):
            value = exact_bpm(bpm)
            if merged and merged[-1][0] == tick:
                merged[-1] = (tick, value)
            elif not merged or merged[-1][1] != value:
                merged.append((tick, value))
        return cls(tuple(merged))

    def _segment(self, tick: int | Fraction) -> int:
        if len(self._ticks) == 1:
            return 0  # one tempo: most songs
        return max(0, bisect.bisect_right(self._ticks, tick) - 1)

    def bpm_at(self, tick: int | Fraction) -> Fraction:
        return self.changes[self._segment(tick)][1]

    def exact_seconds(self, tick: int | Fraction) -> Fraction:
        """Exact time of `tick` in seconds (ticks before 0 extrapolate the first tempo)."""
        i = self._segment(tick)
        t0, bpm = self.changes[i]
        return self._starts[i] + (tick - t0) * _seconds_per_tick(bpm)

    def _terms(self, i: int, rate: int) -> tuple[int, int, int, int]:
        """Segment i's time in frames as integers: (t0, start numerator, per tick, denominator)."""
        by_rate = self._frames.get(rate)
        if by_rate is None:
            terms = []
            for (t0, bpm), start in zip(self.changes, self._starts, strict=True):
                start_frames = start * rate
                per_tick = Fraction(60 * rate) / (bpm * PPQ)
                den = start_frames.denominator * per_tick.denominator
                terms.append(
                    (
                        t0,
                        start_frames.numerator * per_tick.denominator,
                        per_tick.numerator * start_frames.denominator,
                        den,
                    )
                )
            by_rate = self._frames[rate] = tuple(terms)
        return by_rate[i]

    def sample(self, tick: int, sample_rate: int) -> int:
        """The sample frame at which `tick` falls, rounded to the nearest frame."""
        t0, start, per_tick, den = self._terms(self._segment(tick), sample_rate)
        numerator = start + (tick - t0) * per_tick
        return (2 * numerator + den) // (2 * den)

    def seconds(self, tick: int) -> float:
        """Time of `tick` in seconds, as the nearest float to the exact value."""
        t0, start, per_tick, den = self._terms(self._segment(tick), 1)
        return (start + (tick - t0) * per_tick) / den

    def tick_at_seconds(self, seconds: float) -> float:
        """The (fractional) tick playing at `seconds`: for playheads and meters."""
        exact = Fraction(seconds)
        i = bisect.bisect_right(self._starts, exact) - 1
        i = max(0, min(i, len(self.changes) - 1))
        t0, bpm = self.changes[i]
        return float(t0 + (exact - self._starts[i]) / _seconds_per_tick(bpm))


def _seconds_per_tick(bpm: Fraction) -> Fraction:
    return Fraction(60) / (bpm * PPQ)
