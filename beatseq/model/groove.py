"""Groove settings shared by songs, patterns and tracks: swing, feel and humanize.

Plain values only; what they do to time is the compiler's business
(`beatseq.compile.groove`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SWING_RANGE = (50.0, 75.0)
"""MPC-style swing percent: 50 is straight, 66.7 a triplet shuffle, 75 a dotted feel."""
FEEL_TICKS_RANGE = (-480, 480)
FEEL_MS_RANGE = (-250.0, 250.0)
HUMANIZE_TIMING_RANGE = (0, 120)
HUMANIZE_VELOCITY_RANGE = (0, 64)


def check_swing(value: float) -> None:
    low, high = SWING_RANGE
    if not low <= value <= high:
        raise ValueError(f"swing must be {low:g} to {high:g} percent, not {value:g}")


@dataclass(frozen=True)
class Feel:
    """A constant early (negative) or late (positive) offset: the lazy snare, the pushed hat."""

    amount: float = 0
    unit: Literal["ticks", "ms"] = "ticks"

    def __post_init__(self) -> None:
        low: float
        high: float
        if self.amount == 0:  # no offset is no offset, whatever the unit
            object.__setattr__(self, "amount", 0)
            object.__setattr__(self, "unit", "ticks")
        if self.unit == "ticks":
            if self.amount != int(self.amount):
                raise ValueError(f"a feel in ticks is a whole number, not {self.amount:g}")
            low, high = FEEL_TICKS_RANGE
        elif self.unit == "ms":
            low, high = FEEL_MS_RANGE
        else:
            raise ValueError(f"feel unit must be ticks or ms, not {self.unit}")
        if not low <= self.amount <= high:
            raise ValueError(f"feel must be {low:g} to {high:g} {self.unit}, not {self.amount:g}")

    def __bool__(self) -> bool:
        return self.amount != 0

    def __str__(self) -> str:
        amount = f"{self.amount:+g}"
        return amount + ("ms" if self.unit == "ms" else "")


@dataclass(frozen=True)
class Humanize:
    """Random timing (ticks, either way) and velocity (either way) per hit, from the seed."""

    timing: int = 0
    velocity: int = 0

    def __post_init__(self) -> None:
        low, high = HUMANIZE_TIMING_RANGE
        if not low <= self.timing <= high:
            raise ValueError(f"humanize timing must be {low} to {high} ticks, not {self.timing}")
        low, high = HUMANIZE_VELOCITY_RANGE
        if not low <= self.velocity <= high:
            raise ValueError(f"humanize velocity must be {low} to {high}, not {self.velocity}")

    def __bool__(self) -> bool:
        return bool(self.timing or self.velocity)
