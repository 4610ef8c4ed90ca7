"""Synth voices' settings: what a producer dials in, not the sound itself.

A `Synth` is the part of an instrument that says "this track is played by a synth, set
like this" (today the 808 bass). The numbers are the ones on a producer's screen:
milliseconds, seconds, semitones, 0-1 amounts. Named presets (`SYNTH_PRESETS`) are
starting points a song file can name and then adjust. `beatseq.engine.synths` makes
the sound; the song file reads and writes these fields.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Literal

SynthKind = Literal["808"]
SYNTH_KINDS: tuple[SynthKind, ...] = ("808",)

# name: (low, high) for every number a song file may set
SYNTH_RANGES: dict[str, tuple[float, float]] = {
    "decay": (0.05, 10.0),
    "attack": (0.0, 50.0),
    "punch": (0.0, 24.0),
    "punch_time": (1.0, 200.0),
    "tone": (0.0, 1.0),
    "drive": (0.0, 1.0),
    "glide": (1.0, 1000.0),
    "release": (1.0, 5000.0),
}


@dataclass(frozen=True)
class Synth:
    """An 808-style bass: a sine with a falling pitch punch, decaying like the TR-808's
    bass drum tuned long, optional 2nd/3rd harmonics and saturation, and glide when a
    note slides into the next. Mono: a new note cuts the one ringing."""

    kind: SynthKind = "808"
    decay: float = 1.6
    """Seconds for a note to fall by 60 dB (ringing on after the step, as an 808 does)."""
    attack: float = 2.0
    """Milliseconds to full level (a click-free start)."""
    punch: float = 7.0
    """Semitones the pitch starts above the note, falling back quickly (the knock)."""
    punch_time: float = 30.0
    """Milliseconds for the punch to fall to a third of itself."""
    tone: float = 0.15
    """0-1: how much 2nd and 3rd harmonic (heard on small speakers)."""
    drive: float = 0.0
    """0-1: tanh saturation (the distorted 808)."""
    glide: float = 70.0
    """Milliseconds a slide takes to reach the next note."""
    release: float | None = None
    """Milliseconds to fall by 60 dB once the note's length is over; None: the note
    rings to its decay (or until the next note)."""

    def __post_init__(self) -> None:
        if self.kind not in SYNTH_KINDS:
            raise ValueError(f"synth must be one of {', '.join(SYNTH_KINDS)}, not {self.kind!r}")
        for field in fields(self):
            value = getattr(self, field.name)
            bounds = SYNTH_RANGES.get(field.name)
            if bounds is None or value is None:
                continue
            low, high = bounds
            if not low <= value <= high:
                raise ValueError(f"synth {field.name} must be {low:g} to {high:g}, not {value:g}")


SYNTH_PRESETS: dict[str, Synth] = {
    "808": Synth(),
    "808-long": Synth(decay=3.0, punch=5.0, tone=0.1),
    "808-short": Synth(decay=0.5, punch=9.0, release=80.0),
    "808-distorted": Synth(decay=2.0, punch=9.0, tone=0.35, drive=0.7),
}
"""Starting points a song names with `synth = "808-long"`; its own settings override."""


def synth_preset(name: str, **changes: float | None) -> Synth:
    """A named preset with some settings changed."""
    if name not in SYNTH_PRESETS:
        raise ValueError(f"no synth preset {name!r} (there are {', '.join(SYNTH_PRESETS)})")
    return replace(SYNTH_PRESETS[name], **changes)  # type: ignore[arg-type]
