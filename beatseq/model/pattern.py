"""Patterns and their tracks: the grid a producer programs.

A Pattern is a grid of steps at one resolution; each Track is a row of it that plays
one instrument (named like the instrument). A track may run at its own length for
polymeter (a 12-step hat over a 16-step kick), and carry its own swing, feel and
humanize. Patterns say what is written, not when it sounds: the compiler places it.

A track is melodic when its steps carry notes (`Step.notes`); a note held over
several steps leaves rests on the steps it holds. A hold stops at the next step that
is not a rest and at the track's end: a Track shortens any hold that runs further,
so an edit that puts a hit inside a held note, or shortens the track, cuts the note.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from beatseq.model.groove import Feel, Humanize, check_swing
from beatseq.model.step import Step
from beatseq.ticks import RESOLUTIONS, step_ticks

MAX_STEPS = 256


@dataclass(frozen=True)
class Track:
    name: str
    """The instrument this track plays."""
    steps: tuple[Step | None, ...]
    """One entry per step; None is a rest. Its length is the track's length."""
    swing: float | None = None
    """Swing percent for this track only; None follows the pattern and song."""
    feel: Feel = Feel()
    humanize: Humanize | None = None
    """Humanize for this track only; None follows the song."""

    def __post_init__(self) -> None:
        if not 1 <= len(self.steps) <= MAX_STEPS:
            raise ValueError(f"a track has 1 to {MAX_STEPS} steps, not {len(self.steps)}")
        if self.swing is not None:
            check_swing(self.swing)
        object.__setattr__(self, "steps", _cut_holds(self.steps))

    @property
    def length(self) -> int:
        return len(self.steps)

    @property
    def melodic(self) -> bool:
        """Whether any step carries notes."""
        return any(s is not None and s.is_note for s in self.steps)

    @property
    def hits(self) -> int:
        return sum(1 for s in self.steps if s is not None)

    def with_step(self, index: int, step: Step | None) -> Track:
        steps = list(self.steps)
        steps[index] = step
        return replace(self, steps=tuple(steps))


def _cut_holds(steps: tuple[Step | None, ...]) -> tuple[Step | None, ...]:
    """`steps` with each hold cut at the next step that is not a rest, or at the end."""
    if all(s is None or s.length == 1 for s in steps):
        return steps
    result = list(steps)
    for index, step in enumerate(steps):
        if step is None or step.length == 1:
            continue
        room = 1
        while room < step.length and index + room < len(steps) and steps[index + room] is None:
            room += 1
        if room < step.length:
            result[index] = replace(step, length=room)
    return tuple(result)


@dataclass(frozen=True)
class Pattern:
    name: str
    steps: int = 16
    """Length in steps."""
    resolution: str = "1/16"
    tracks: tuple[Track, ...] = ()
    swing: float | None = None
    """Swing percent for this pattern; None follows the song."""
    source: str | None = field(default=None, compare=False)
    """The pattern file it was read from, as the song file wrote it, if any."""

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a pattern needs a name")
        if not 1 <= self.steps <= MAX_STEPS:
            raise ValueError(f"a pattern has 1 to {MAX_STEPS} steps, not {self.steps}")
        if self.resolution not in RESOLUTIONS:
            raise ValueError(
                f"resolution must be one of {', '.join(RESOLUTIONS)}, not {self.resolution}"
            )
        if self.swing is not None:
            check_swing(self.swing)
        names = [t.name for t in self.tracks]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"pattern {self.name} has the track {dupes[0]} twice")

    @property
    def step_ticks(self) -> int:
        return step_ticks(self.resolution)

    @property
    def length_ticks(self) -> int:
        return self.steps * self.step_ticks

    @property
    def track_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tracks)

    def track(self, name: str) -> Track | None:
        for track in self.tracks:
            if track.name == name:
                return track
        return None

    def with_track(self, track: Track) -> Pattern:
        """This pattern with `track` replacing the one of the same name, or appended."""
        tracks = list(self.tracks)
        for i, existing in enumerate(tracks):
            if existing.name == track.name:
                tracks[i] = track
                return replace(self, tracks=tuple(tracks))
        return replace(self, tracks=(*tracks, track))

    def without_track(self, name: str) -> Pattern:
        return replace(self, tracks=tuple(t for t in self.tracks if t.name != name))
