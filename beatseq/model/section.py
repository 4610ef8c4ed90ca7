"""Sections: the parts of a song (intro, verse, hook), each patterns playing together.

A section plays its patterns at once for one pass (as long as its longest pattern;
shorter ones loop inside it), `repeat` times. It may mute tracks and set its own
tempo, which starts with the section. The arrangement (on the Song) orders sections.
"""

from __future__ import annotations

from dataclasses import dataclass

BPM_RANGE = (20.0, 300.0)
MAX_REPEAT = 999


def check_bpm(bpm: float) -> None:
    low, high = BPM_RANGE
    if not low <= bpm <= high:
        raise ValueError(f"bpm must be {low:g} to {high:g}, not {bpm:g}")


@dataclass(frozen=True)
class Section:
    name: str
    patterns: tuple[str, ...]
    repeat: int = 1
    mute: tuple[str, ...] = ()
    """Tracks (instrument names) that stay silent in this section."""
    bpm: float | None = None
    """The section's tempo; None plays at the song's bpm."""

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a section needs a name")
        if not self.patterns:
            raise ValueError(f"section {self.name} plays no patterns")
        if not 1 <= self.repeat <= MAX_REPEAT:
            raise ValueError(f"repeat must be 1 to {MAX_REPEAT}, not {self.repeat}")
        if self.bpm is not None:
            check_bpm(self.bpm)
