"""Synth voices' settings: what a producer dials in, not the sound itself.

A `Synth` is the part of an instrument that says "this track is played by a synth, set
like this". There are three kinds, one dataclass each: `Bass808` (the 808 bass),
`Keys` (an FM electric piano) and `Sub` (a subtractive synth: oscillators, a resonant
low-pass filter, envelopes). The numbers are the ones on a producer's screen:
milliseconds for attacks and releases, seconds for decays, cents, Hz, 0-1 amounts.
Each kind's settings and their ranges are data (`SYNTH_RANGES`, `SYNTH_CHOICES`);
one check validates them all. Named presets (`SYNTH_PRESETS`) are starting points a
song file can name and then adjust. `beatseq.engine.synths` makes the sound; the
song file reads and writes these fields.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import ClassVar

# kind: name -> (low, high), for every number a song file may set
SYNTH_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "808": {
        "decay": (0.05, 10.0),
        "attack": (0.0, 50.0),
        "punch": (0.0, 24.0),
        "punch_time": (1.0, 200.0),
        "tone": (0.0, 1.0),
        "drive": (0.0, 1.0),
        "glide": (1.0, 1000.0),
        "release": (1.0, 5000.0),
    },
    "keys": {
        "decay": (0.05, 20.0),
        "attack": (0.0, 100.0),
        "release": (1.0, 5000.0),
        "ratio": (0.5, 16.0),
        "index": (0.0, 10.0),
        "index_decay": (0.01, 10.0),
        "tine": (0.0, 1.0),
        "velocity": (0.0, 1.0),
    },
    "sub": {
        "oscillators": (1, 4),
        "detune": (0.0, 100.0),
        "width": (0.05, 0.95),
        "cutoff": (20.0, 20000.0),
        "resonance": (0.0, 1.0),
        "env_amount": (-8.0, 8.0),
        "velocity": (0.0, 1.0),
        "filter_attack": (0.0, 10000.0),
        "filter_decay": (0.01, 20.0),
        "filter_sustain": (0.0, 1.0),
        "attack": (0.0, 10000.0),
        "decay": (0.01, 20.0),
        "sustain": (0.0, 1.0),
        "release": (1.0, 10000.0),
        "glide": (1.0, 1000.0),
    },
}
WAVES = ("saw", "square", "triangle", "pulse")
SYNTH_CHOICES: dict[str, dict[str, tuple[str, ...]]] = {"sub": {"wave": WAVES}}
"""kind: name -> the words a text setting may be."""
SYNTH_VOICES: dict[str, int] = {"808": 1, "keys": 16, "sub": 8}
"""Notes of one track a kind sounds at once: 1 is mono (last-note priority, legato
slides); a polyphonic kind cuts its oldest note when it runs out."""


@dataclass(frozen=True)
class Synth:
    """The settings of one synth voice; a subclass per kind."""

    kind: ClassVar[str]

    @property
    def voices(self) -> int:
        return SYNTH_VOICES[self.kind]

    def __post_init__(self) -> None:
        ranges = SYNTH_RANGES[self.kind]
        choices = SYNTH_CHOICES.get(self.kind, {})
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name in choices:
                if value not in choices[field.name]:
                    allowed = ", ".join(choices[field.name])
                    raise ValueError(f"synth {field.name} must be one of {allowed}, not {value!r}")
                continue
            bounds = ranges.get(field.name)
            if bounds is None or value is None:
                continue
            low, high = bounds
            if not low <= value <= high:
                raise ValueError(f"synth {field.name} must be {low:g} to {high:g}, not {value:g}")


@dataclass(frozen=True)
class Bass808(Synth):
    """An 808-style bass: a sine with a falling pitch punch, decaying like the TR-808's
    bass drum tuned long, optional 2nd/3rd harmonics and saturation, and glide when a
    note slides into the next. Mono: a new note cuts the one ringing."""

    kind: ClassVar[str] = "808"
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


@dataclass(frozen=True)
class Keys(Synth):
    """An FM electric piano (the DX7's Rhodes-like E.PIANO): a sine carrier
    phase-modulated by a sine at `ratio` times its frequency, the modulation depth
    set by velocity and falling faster than the note (bright attack, mellow tail),
    plus a quickly fading tine (a modulator at 14 times the note: the bell in the
    attack). Polyphonic: every note rings on its own."""

    kind: ClassVar[str] = "keys"
    decay: float = 4.0
    """Seconds for a held middle C to fall by 60 dB; an octave up rings 1/sqrt(2) as
    long (as a real EP's higher tines do)."""
    attack: float = 1.0
    """Milliseconds to full level."""
    release: float = 250.0
    """Milliseconds to fall by 60 dB once the note's length is over (the damper)."""
    ratio: float = 1.0
    """Modulator frequency over the note's (1: a warm, harmonic EP)."""
    index: float = 2.0
    """Modulation index at full velocity (0: a sine; 3 and up: hard and nasal)."""
    index_decay: float = 1.2
    """Seconds for the modulation to fall by 60 dB (the brightness dying away)."""
    tine: float = 0.35
    """0-1: level of the tine's bell in the first few hundred milliseconds."""
    velocity: float = 0.7
    """0-1: how much a softer note is also a darker one (the index follows velocity)."""


@dataclass(frozen=True)
class Sub(Synth):
    """A subtractive synth: 1-4 band-limited oscillators of one wave, detuned, into a
    resonant 12 dB/octave low-pass filter with its own envelope, then an amp ADSR
    whose gate is the note's written length. Polyphonic (8 voices); a slide glides
    the next note's pitch from the slid note (portamento)."""

    kind: ClassVar[str] = "sub"
    wave: str = "saw"
    """saw, square, triangle or pulse."""
    oscillators: int = 2
    """Oscillators per note, spread evenly across `detune`."""
    detune: float = 10.0
    """Cents between the lowest and the highest oscillator."""
    width: float = 0.25
    """The pulse wave's duty cycle, 0.05-0.95 (0.5 is a square)."""
    cutoff: float = 2000.0
    """The filter's cutoff in Hz before its envelope."""
    resonance: float = 0.2
    """0-1: the filter's peak at cutoff (Q from 0.707, flat, to 20 at 1)."""
    env_amount: float = 2.0
    """Octaves the filter envelope moves the cutoff at its peak (negative: down)."""
    velocity: float = 0.5
    """0-1: how much a softer note gets less filter envelope."""
    filter_attack: float = 2.0
    """Milliseconds for the filter envelope to rise."""
    filter_decay: float = 0.4
    """Seconds for the filter envelope to fall (60 dB of the way) to its sustain."""
    filter_sustain: float = 0.0
    """0-1: the filter envelope's level while the note is held."""
    attack: float = 3.0
    """Milliseconds to full level."""
    decay: float = 1.0
    """Seconds to fall (60 dB of the way) to the sustain level."""
    sustain: float = 0.7
    """0-1: level while the note is held."""
    release: float = 150.0
    """Milliseconds to fall by 60 dB once the note's length is over."""
    glide: float = 80.0
    """Milliseconds a slid-into note takes to reach its pitch."""


SYNTH_KINDS: dict[str, type[Synth]] = {"808": Bass808, "keys": Keys, "sub": Sub}

SYNTH_PRESETS: dict[str, Synth] = {
    "808": Bass808(),
    "808-long": Bass808(decay=3.0, punch=5.0, tone=0.1),
    "808-short": Bass808(decay=0.5, punch=9.0, release=80.0),
    "808-distorted": Bass808(decay=2.0, punch=9.0, tone=0.35, drive=0.7),
    "rhodes": Keys(),
    "dx-bell": Keys(decay=2.5, ratio=3.5, index=3.0, index_decay=0.6, tine=0.6),
    "dark-pad": Sub(
        oscillators=3,
        detune=18.0,
        cutoff=500.0,
        resonance=0.15,
        env_amount=1.5,
        filter_attack=1200.0,
        filter_decay=2.5,
        filter_sustain=0.4,
        attack=900.0,
        decay=3.0,
        sustain=0.8,
        release=1500.0,
    ),
    "saw-lead": Sub(
        oscillators=2,
        detune=8.0,
        cutoff=2500.0,
        resonance=0.3,
        env_amount=1.0,
        filter_decay=0.6,
        filter_sustain=0.5,
        attack=4.0,
        decay=0.8,
        sustain=0.8,
        release=120.0,
        glide=60.0,
    ),
    "stab": Sub(
        oscillators=2,
        detune=12.0,
        cutoff=700.0,
        resonance=0.45,
        env_amount=3.0,
        filter_attack=1.0,
        filter_decay=0.25,
        filter_sustain=0.0,
        attack=1.0,
        decay=0.35,
        sustain=0.0,
        release=80.0,
    ),
}
"""Starting points a song names with `synth = "808-long"`; its own settings override."""


def synth_preset(name: str, **changes: float | str | None) -> Synth:
    """A named preset with some settings changed."""
    if name not in SYNTH_PRESETS:
        raise ValueError(f"no synth preset {name!r} (there are {', '.join(SYNTH_PRESETS)})")
    return replace(SYNTH_PRESETS[name], **changes)
