"""Groove arithmetic for the compiler: the swing time warp and seeded randomness.

Pure functions on numbers; the compiler decides which swing, feel and humanize apply
to which hit.
"""

from __future__ import annotations

import zlib
from fractions import Fraction
from functools import lru_cache

_MASK = (1 << 64) - 1


def swing_share(percent: float) -> tuple[int, int] | None:
    """Swing percent as an exact fraction of the pair (58 -> 29/50); None when straight."""
    if percent == 50:
        return None
    share = Fraction(str(percent)) / 100
    return share.numerator, share.denominator


def swing_tick(position: int, per: int, unit: int, share: tuple[int, int] | None) -> int:
    """The tick where the straight position `position / per` ticks lands under swing.

    MPC semantics: the grid is read in pairs of `unit`; the second unit of each pair
    starts at `share` of the pair instead of half way (at 58 % on 1/16ths, every
    second 16th starts at 58 % of the 8th). Positions inside a unit move with it
    linearly, so rolls and finer steps stay inside their swung step. Positions are
    measured from the groove's anchor; the result is rounded to the nearest tick.
    Integer arithmetic throughout: exact, and fast enough to run on every edit.
    """
    if share is None:
        return _nearest(position, per)
    a, b = share
    pair = 2 * unit * per
    whole, inside = divmod(position, pair)
    half = unit * per
    if inside < half:
        warped = inside * 2 * a
    else:
        warped = 2 * unit * per * a + (inside - half) * 2 * (b - a)
    return whole * 2 * unit + _nearest(warped, per * b)


def _nearest(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves up."""
    return (2 * numerator + denominator) // (2 * denominator)


def _mix(value: int) -> int:
    """splitmix64's finaliser: a fast, well-spread 64-bit hash step."""
    z = (value + 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


@lru_cache(maxsize=4096)
def _text(value: str) -> int:
    return zlib.crc32(value.encode("utf-8"))


def _part(value: int | str) -> int:
    if isinstance(value, str):
        return _text(value)
    return value & _MASK


class Dice:
    """Numbers fixed by the seed and a key, never by how often they are asked for.

    The key names the hit: the prefix given here (section, visit, pattern, track),
    then the step, what the number is for and which hit of a roll. A change to one
    track never reshuffles the dice of another. The prefix is hashed once.
    """

    PROBABILITY = 1
    TIMING = 2
    VELOCITY = 3

    def __init__(self, seed: int, *prefix: int | str):
        h = _mix(_part(seed))
        for part in prefix:
            h = _mix(h ^ _part(part))
        self._prefix = h
        self._step = (-1, 0)  # the last step hashed (a step asks several questions)

    def _hash(self, step: int, purpose: int, sub: int) -> int:
        last, mixed = self._step
        if step != last or last == -1:
            mixed = _mix(self._prefix ^ (step & _MASK))
            self._step = (step, mixed)
        return _mix(mixed ^ (purpose << 8 | sub))

    def chance(self, step: int, purpose: int, sub: int = 0) -> float:
        """A number in [0, 1)."""
        return (self._hash(step, purpose, sub) >> 11) / 2.0**53

    def spread(self, step: int, purpose: int, sub: int = 0) -> float:
        """A number in (-1, 1), more often near 0 (the sum of two uniforms): humanize."""
        h = self._hash(step, purpose, sub)
        return ((h >> 32) + (h & 0xFFFFFFFF) + 1) / 2.0**32 - 1.0
