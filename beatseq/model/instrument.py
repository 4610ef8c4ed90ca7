"""Instruments and the kit: which sound each track plays, and how it sits in the mix.

An Instrument names a sound (a shipped `kit/sound` or a file path, as the producer
wrote it) and carries its mix and MIDI settings. It never opens the file: the song
file loader resolves `sample` to `path`, and the engine loads the audio.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from beatseq.model.effects import PLAIN_EFFECTS, Effects
from beatseq.model.gm import DRUM_CHANNEL
from beatseq.model.synth import Synth

GAIN_RANGE = (-60.0, 24.0)
PAN_RANGE = (-1.0, 1.0)
INSTRUMENT_PITCH_RANGE = (-48.0, 48.0)
TRIM_RANGE = (0.0, 600.0)
"""Sample start and end, seconds into the file."""
ENVELOPE_RANGE = (0.0, 20000.0)
"""Attack, hold and decay, in milliseconds."""
FILTER_RANGE = (20.0, 20000.0)
"""Low-pass and high-pass cutoffs, Hz."""
VELOCITY_CURVE_RANGE = (0.0, 4.0)
"""Level = (velocity / 127) ** curve: 0 ignores velocity, 2 is the MIDI DLS curve."""


@dataclass(frozen=True)
class Instrument:
    name: str
    sample: str
    """The sound as written: "boom/kick" (a shipped kit sound) or a path; "" for a
    synth."""
    gain: float = 0.0
    """Level in dB."""
    pan: float = 0.0
    """-1 (left) to 1 (right)."""
    pitch: float = 0.0
    """Repitch in semitones."""
    choke: str | None = None
    """Choke group: a hit cuts the ringing voices of the other instruments in it."""
    note: int = 36
    channel: int = DRUM_CHANNEL
    """MIDI channel, 1-16."""
    root: int | None = None
    """MIDI note the sound is tuned to, for pitched sounds (the 808)."""
    start: float = 0.0
    """Trim: seconds of the file skipped before the sound starts."""
    end: float | None = None
    """Trim: where the sound stops, seconds into the file (None: the file's end)."""
    reverse: bool = False
    attack: float = 0.0
    """Fade-in, milliseconds."""
    hold: float | None = None
    """Milliseconds at full level before the decay; None plays the whole sample."""
    decay: float = 0.0
    """Milliseconds from the end of the hold down to silence (-60 dB)."""
    lowpass: float | None = None
    """Low-pass cutoff in Hz (12 dB/octave), or None."""
    highpass: float | None = None
    """High-pass cutoff in Hz (12 dB/octave), or None."""
    velocity_curve: float = 1.5
    """Level = (velocity / 127) ** curve."""
    mono: bool = False
    """Each hit cuts the one before (last-note priority): the 808's behaviour."""
    mute: bool = False
    """Silent in renders and playback (still exported to MIDI)."""
    solo: bool = False
    """While any instrument is soloed, only soloed ones sound."""
    range: tuple[int, int] | None = None
    """The lowest and highest note it plays (MIDI); written notes outside are skipped.
    What makes a pitched sample a chopped-sample instrument."""
    synth: Synth | None = None
    """Played by a synth voice instead of a sample (`beatseq.model.synth`); the sample
    settings above do not apply to it."""
    fx: Effects = PLAIN_EFFECTS
    """The track's strip beyond gain and pan: inserts, sends, ducking."""
    path: str = field(default="", compare=False)
    """The resolved audio file (absolute), filled in by the loader; "" if unknown."""

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("an instrument needs a name")
        if not self.sample and self.synth is None:
            raise ValueError("an instrument needs a sample or a synth")
        _check_float("gain", self.gain, GAIN_RANGE)
        _check_float("pan", self.pan, PAN_RANGE)
        _check_float("pitch", self.pitch, INSTRUMENT_PITCH_RANGE)
        if not 0 <= self.note <= 127:
            raise ValueError(f"note must be 0 to 127, not {self.note}")
        if not 1 <= self.channel <= 16:
            raise ValueError(f"channel must be 1 to 16, not {self.channel}")
        _check_float("start", self.start, TRIM_RANGE)
        if self.end is not None:
            _check_float("end", self.end, TRIM_RANGE)
            if self.end <= self.start:
                raise ValueError(f"end ({self.end:g} s) must come after start ({self.start:g} s)")
        for name in ("attack", "decay"):
            _check_float(name, getattr(self, name), ENVELOPE_RANGE)
        if self.hold is not None:
            _check_float("hold", self.hold, ENVELOPE_RANGE)
        for name in ("lowpass", "highpass"):
            value = getattr(self, name)
            if value is not None:
                _check_float(name, value, FILTER_RANGE)
        _check_float("velocity_curve", self.velocity_curve, VELOCITY_CURVE_RANGE)
        if self.range is not None:
            low, high = self.range
            if not 0 <= low <= high <= 127:
                raise ValueError(f"range must be two notes 0 to 127, low to high, not {low}-{high}")

    @property
    def sounds(self) -> bool:
        """Whether there is something to play: a synth, or a sample file that was found."""
        return self.synth is not None or bool(self.path)

    def plays(self, note: int) -> bool:
        """Whether a written `note` is in the instrument's range."""
        return self.range is None or self.range[0] <= note <= self.range[1]

    @property
    def is_drum(self) -> bool:
        """On the General MIDI drum channel: its MIDI note does not follow pitch."""
        return self.channel == DRUM_CHANNEL

    def velocity_level(self, velocity: int) -> float:
        """Linear amplitude of a hit at `velocity`, before the instrument's gain."""
        return float((velocity / 127) ** self.velocity_curve)

    def midi_note(self, pitch: int = 0) -> int:
        """The MIDI note of a hit with a step pitch offset of `pitch` semitones."""
        if self.is_drum:
            return self.note
        return max(0, min(127, self.note + pitch))


@dataclass(frozen=True)
class Kit:
    instruments: tuple[Instrument, ...] = ()
    base: str | None = field(default=None, compare=False)
    """The shipped kit this one started from (`use = "boom"`), if any: how it is saved."""

    def __post_init__(self) -> None:
        names = [i.name for i in self.instruments]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"instrument names must be unique: {', '.join(dupes)}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.instruments)

    def get(self, name: str) -> Instrument | None:
        for instrument in self.instruments:
            if instrument.name == name:
                return instrument
        return None

    def __getitem__(self, name: str) -> Instrument:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def __contains__(self, name: object) -> bool:
        return any(i.name == name for i in self.instruments)

    def with_instrument(self, instrument: Instrument) -> Kit:
        """This kit with `instrument` replacing the one of the same name, or appended."""
        items = list(self.instruments)
        for i, existing in enumerate(items):
            if existing.name == instrument.name:
                items[i] = instrument
                return replace(self, instruments=tuple(items))
        return replace(self, instruments=(*items, instrument))

    def audible(self, name: str) -> bool:
        """Whether an instrument sounds, given the kit's mutes and solos."""
        instrument = self[name]
        if instrument.mute:
            return False
        return instrument.solo or not any(i.solo for i in self.instruments)

    def without(self, name: str) -> Kit:
        """This kit without instrument `name` (and without ducking under it)."""
        kept = []
        for i in self.instruments:
            if i.name == name:
                continue
            if i.fx.duck is not None and i.fx.duck.by == name:
                i = replace(i, fx=replace(i.fx, duck=None))
            kept.append(i)
        return replace(self, instruments=tuple(kept))


def _check_float(what: str, value: float, bounds: tuple[float, float]) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise ValueError(f"{what} must be {low:g} to {high:g}, not {value:g}")
