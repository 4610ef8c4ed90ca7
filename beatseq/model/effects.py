"""Effects and mix settings: what a producer dials in on a track's strip and the song's buses.

`Effects` are one track's channel strip beyond its level and pan: inserts (filter,
drive, bit-crush, EQ, compressor, always in that order), its sends to the song's reverb
and delay, and ducking under another track. `Mix` is the song's side: the two send
buses, the master glue compressor and the loudness a render aims for. The numbers are
the ones on a producer's screen (Hz, dB, ms, 0-1 amounts). Each table here says which
numbers a song file may set (`RANGES`); `beatseq.formats.effects` reads and writes
them, `beatseq.engine.effects` and `beatseq.engine.sends` make the sound.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar, Literal

from beatseq.ticks import PPQ

Ranges = dict[str, tuple[float, float]]
FilterKind = Literal["lowpass", "highpass", "bandpass"]
FILTER_KINDS: tuple[FilterKind, ...] = ("lowpass", "highpass", "bandpass")
SEND_RANGE = (-60.0, 6.0)
"""A send or return level, dB."""
DRIVE_RANGE = (0.0, 1.0)
LOUDNESS_RANGE = (-40.0, -5.0)

DELAY_NOTES: dict[str, int] = {
    "1/2": 2 * PPQ,
    "1/4": PPQ,
    "1/8": PPQ // 2,
    "1/16": PPQ // 4,
    "1/2d": 3 * PPQ,
    "1/4d": 3 * PPQ // 2,
    "1/8d": 3 * PPQ // 4,
    "1/16d": 3 * PPQ // 8,
    "1/2t": 4 * PPQ // 3,
    "1/4t": 2 * PPQ // 3,
    "1/8t": PPQ // 3,
    "1/16t": PPQ // 6,
}
"""A tempo-synced delay's note values, in ticks: d dotted (x1.5), t triplet (x2/3)."""


@dataclass(frozen=True)
class Filter:
    """A resonant 2-pole filter, 12 dB/octave."""

    kind: FilterKind = "lowpass"
    cutoff: float = 1000.0
    """Hz."""
    resonance: float = 0.0
    """0-0.95: Q from 0.71 (no peak) up by 20x per unit (0.9 is about +20 dB at the
    cutoff)."""

    RANGES: ClassVar[Ranges] = {"cutoff": (20.0, 20000.0), "resonance": (0.0, 0.95)}


@dataclass(frozen=True)
class Crush:
    """The sampler's converter: fewer bits, a lower sample rate (SP-1200: 12 bits at
    26,040 Hz; MPC60: 12 bits at 40,000 Hz), held without smoothing, so it aliases."""

    bits: float = 16.0
    rate: float | None = None
    """Hz; None keeps the render's rate."""

    RANGES: ClassVar[Ranges] = {"bits": (1.0, 24.0), "rate": (500.0, 96000.0)}


@dataclass(frozen=True)
class Eq:
    """Three bands: a low shelf, a mid peak, a high shelf, each a gain in dB."""

    low: float = 0.0
    mid: float = 0.0
    high: float = 0.0
    low_freq: float = 120.0
    mid_freq: float = 1000.0
    high_freq: float = 8000.0
    mid_q: float = 0.7

    RANGES: ClassVar[Ranges] = {
        "low": (-24.0, 24.0),
        "mid": (-24.0, 24.0),
        "high": (-24.0, 24.0),
        "low_freq": (20.0, 1000.0),
        "mid_freq": (100.0, 10000.0),
        "high_freq": (1000.0, 20000.0),
        "mid_q": (0.1, 10.0),
    }


@dataclass(frozen=True)
class Compressor:
    """A feed-forward compressor on the RMS level: `attack` is how long it averages,
    `release` how fast the gain comes back."""

    threshold: float = -18.0
    """dBFS of RMS level (a sine peaking at -6 dBFS is at -9 dB RMS)."""
    ratio: float = 4.0
    attack: float = 10.0
    """ms."""
    release: float = 120.0
    """ms."""
    makeup: float = 0.0
    """dB."""

    RANGES: ClassVar[Ranges] = {
        "threshold": (-60.0, 0.0),
        "ratio": (1.0, 50.0),
        "attack": (0.1, 500.0),
        "release": (1.0, 5000.0),
        "makeup": (0.0, 36.0),
    }


@dataclass(frozen=True)
class Duck:
    """Sidechain ducking: every hit of track `by` turns this one down by `amount` dB
    (reached in `attack` ms), back up linearly in dB over `release` ms."""

    by: str
    amount: float = 6.0
    release: float = 150.0
    attack: float = 1.0

    RANGES: ClassVar[Ranges] = {
        "amount": (0.0, 60.0),
        "release": (1.0, 5000.0),
        "attack": (0.0, 50.0),
    }


@dataclass(frozen=True)
class Effects:
    """A track's strip: inserts in the order filter, drive, crush, EQ, compressor (before
    the fader and pan), ducking after the fader, then sends taken after both."""

    filter: Filter | None = None
    drive: float = 0.0
    """0-1: up to 24 dB into a tanh saturator; a peak at -6 dBFS stays at -6 dBFS."""
    crush: Crush | None = None
    eq: Eq | None = None
    comp: Compressor | None = None
    reverb: float | None = None
    """Send level to the song's reverb, dB; None sends nothing."""
    delay: float | None = None
    """Send level to the song's delay, dB; None sends nothing."""
    duck: Duck | None = None

    def __post_init__(self) -> None:
        _check("drive", self.drive, DRIVE_RANGE)
        for name in ("reverb", "delay"):
            value = getattr(self, name)
            if value is not None:
                _check(name, value, SEND_RANGE)
        for part in (self.filter, self.crush, self.eq, self.comp, self.duck):
            if part is not None:
                check_ranges(part)
        if self.filter is not None and self.filter.kind not in FILTER_KINDS:
            raise ValueError(f"filter type must be one of {', '.join(FILTER_KINDS)}")

    @property
    def active(self) -> bool:
        """Whether the strip does anything beyond level and pan."""
        return self != PLAIN_EFFECTS

    @property
    def inserts(self) -> bool:
        return bool(self.filter or self.drive or self.crush or self.eq or self.comp)


@dataclass(frozen=True)
class Reverb:
    """The song's reverb bus (a Freeverb-style room)."""

    size: float = 0.5
    damping: float = 0.5
    """0-1: how fast the highs die away."""
    width: float = 1.0
    level: float = 0.0
    """Return level, dB."""

    RANGES: ClassVar[Ranges] = {
        "size": (0.0, 1.0),
        "damping": (0.0, 1.0),
        "width": (0.0, 1.0),
        "level": SEND_RANGE,
    }


@dataclass(frozen=True)
class Delay:
    """The song's delay bus, synced to the song's tempo (`[song] bpm`)."""

    time: str = "1/8d"
    """A note value from DELAY_NOTES."""
    feedback: float = 0.35
    lowpass: float = 4000.0
    """Hz: each repeat goes through this low-pass, so repeats grow darker."""
    level: float = 0.0
    """Return level, dB."""

    RANGES: ClassVar[Ranges] = {
        "feedback": (0.0, 0.95),
        "lowpass": (200.0, 20000.0),
        "level": SEND_RANGE,
    }

    def seconds(self, bpm: float) -> float:
        return DELAY_NOTES[self.time] / PPQ * 60.0 / bpm


@dataclass(frozen=True)
class Mix:
    """The song's buses: sends, the master glue compressor, the loudness target."""

    reverb: Reverb = Reverb()
    delay: Delay = Delay()
    glue: Compressor | None = None
    """Master compressor before the safety limiter; None: none."""
    loudness: float | None = None
    """Integrated loudness (LUFS) a render is brought to by gain; None: as mixed."""

    def __post_init__(self) -> None:
        check_ranges(self.reverb)
        check_ranges(self.delay)
        if self.delay.time not in DELAY_NOTES:
            raise ValueError(f"delay time must be one of {', '.join(DELAY_NOTES)}")
        if self.glue is not None:
            check_ranges(self.glue)
        if self.loudness is not None:
            _check("loudness", self.loudness, LOUDNESS_RANGE)


def check_ranges(part: object) -> None:
    """Check every number of a settings table against its class's RANGES."""
    ranges: Ranges = getattr(part, "RANGES", {})
    for field in fields(part):  # type: ignore[arg-type]
        value = getattr(part, field.name)
        bounds = ranges.get(field.name)
        if bounds is not None and value is not None:
            _check(field.name, value, bounds)


def _check(what: str, value: float, bounds: tuple[float, float]) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise ValueError(f"{what} must be {low:g} to {high:g}, not {value:g}")


PLAIN_EFFECTS = Effects()
