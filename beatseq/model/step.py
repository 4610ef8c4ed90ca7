"""A step: one cell of a track's grid, with everything a hit can carry.

A Step says what the producer wrote (velocity, probability, micro-timing, roll,
condition, pitch). It does not know where it sits in time or whether it plays on a
given pass: the compiler decides that. A rest is not a Step; tracks hold `None` there.

A step of a melodic track also carries notes (one, or several for a chord), how many
steps it is held for and whether it slides into the next note. The steps it holds
over are rests (`None`); `Track` checks that they are.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

ROLL_SIZES = (1, 2, 3, 4, 6, 8)
"""Hits inside one step: 1 is a plain hit, the rest are rolls (ratchets)."""

VELOCITY_RANGE = (1, 127)
PROBABILITY_RANGE = (0, 100)
NUDGE_RANGE = (-480, 480)
"""Micro-timing in ticks (an 8th note either way at PPQ 960)."""
PITCH_RANGE = (-48, 48)
CONDITION_MAX = 64
MAX_HOLD = 256
"""The longest a note is held, in steps (a track's longest length)."""
MAX_CHORD = 8


@dataclass(frozen=True, order=True)
class Condition:
    """Elektron-style A:B trig condition: play on the A-th of every B passes."""

    a: int
    b: int

    def __post_init__(self) -> None:
        if not 1 <= self.a <= self.b <= CONDITION_MAX:
            raise ValueError(f"condition {self.a}:{self.b} needs 1 <= A <= B <= {CONDITION_MAX}")

    def plays(self, pass_index: int) -> bool:
        """Whether the step plays on pass `pass_index` (0-based)."""
        return pass_index % self.b == self.a - 1

    def __str__(self) -> str:
        return f"{self.a}:{self.b}"


@dataclass(frozen=True)
class Step:
    velocity: int = 100
    probability: int = 100
    """Chance in percent that the step plays on a pass (drawn from the song's seed)."""
    nudge: int = 0
    """Micro-timing in ticks: negative is early, positive is late."""
    roll: int = 1
    """Hits spread evenly inside the step (1, 2, 3, 4, 6 or 8)."""
    roll_to: int | None = None
    """Velocity of a roll's last hit; the hits ramp from `velocity` to it. None: flat."""
    condition: Condition | None = None
    pitch: int = 0
    """Semitones up or down from the instrument's pitch."""
    notes: tuple[int, ...] = ()
    """MIDI notes, ascending: one for a note, more for a chord, none for a plain hit."""
    length: int = 1
    """Steps the hit is held for: 1, plus one for each `-` after it."""
    slide: bool = False
    """The note glides (legato) into the next one."""

    def __post_init__(self) -> None:
        _check("velocity", self.velocity, VELOCITY_RANGE)
        _check("probability", self.probability, PROBABILITY_RANGE)
        _check("nudge", self.nudge, NUDGE_RANGE)
        _check("pitch", self.pitch, PITCH_RANGE)
        if self.roll not in ROLL_SIZES:
            raise ValueError(f"a roll is 2, 3, 4, 6 or 8 hits, not {self.roll}")
        if self.roll_to is not None:
            if self.roll == 1:
                raise ValueError("a velocity ramp needs a roll of 2 or more hits")
            _check("roll velocity", self.roll_to, VELOCITY_RANGE)
        _check("length", self.length, (1, MAX_HOLD))
        if self.roll > 1 and (self.length > 1 or self.slide):
            raise ValueError("a roll fills one step: it cannot be held or slide")
        if len(self.notes) > MAX_CHORD:
            raise ValueError(f"a chord has at most {MAX_CHORD} notes, not {len(self.notes)}")
        for note in self.notes:
            _check("a note", note, (0, 127))
        if any(a >= b for a, b in itertools.pairwise(self.notes)):
            raise ValueError("a chord's notes are all different, lowest first")
        if self.notes and self.pitch:
            raise ValueError("a note is its own pitch: write another note instead of t+/-")
        if self.slide and not self.notes:
            raise ValueError("only a note can slide")

    @property
    def is_note(self) -> bool:
        """Whether the step plays notes of its own (a melodic step) rather than a hit."""
        return bool(self.notes)

    def roll_velocities(self) -> tuple[int, ...]:
        """Velocity of each hit of the step, ramping linearly when `roll_to` is set."""
        if self.roll == 1 or self.roll_to is None:
            return (self.velocity,) * self.roll
        span = self.roll_to - self.velocity
        return tuple(round(self.velocity + span * i / (self.roll - 1)) for i in range(self.roll))


def _check(what: str, value: int, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise ValueError(f"{what} must be {low} to {high}, not {value}")
