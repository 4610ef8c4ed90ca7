"""The live engine's command API: what clients send, and what the engine reports.

Clients (the `play` command, the UI) and the engine process exchange these frozen
dataclasses over a multiprocessing pipe. Commands go to the engine; reports come
back: `Ready` once, `Status` at least 30 times a second, `Problem` when something
goes wrong (fatal ones end the engine), `Finished` when it has shut down.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from beatseq.model import Song
from beatseq.model.effects import Effects

Audio = Literal["jack", "portaudio", "manual"]


@dataclass(frozen=True)
class Selection:
    """What to play: the whole song, one section or one pattern, once or looped."""

    kind: Literal["song", "section", "pattern"] = "song"
    name: str | None = None
    loop: bool = False


@dataclass(frozen=True)
class EngineOptions:
    audio: Audio = "jack"
    device: int | None = None
    """PortAudio output device index (see `beatseq devices`); None: the default."""
    sample_rate: int = 44100
    """PortAudio and manual only: with JACK the server's rate is used."""
    buffer_size: int = 256
    """PortAudio and manual only: with JACK the server's period is used."""
    connect: bool = True
    """JACK: connect the outputs to the system's playback ports."""
    capture: str | None = None
    """Manual only: record what pyo outputs to this file (for tests)."""


# commands ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """Play this song (an edit of the one loaded keeps playing from the same tick)."""

    song: Song
    selection: Selection = Selection()


@dataclass(frozen=True)
class Play:
    count_in: bool = False


@dataclass(frozen=True)
class Stop:
    pass


@dataclass(frozen=True)
class Locate:
    bar: int
    """1 is the first bar."""


@dataclass(frozen=True)
class Queue:
    """Switch to this section or pattern at the next bar line."""

    selection: Selection


@dataclass(frozen=True)
class SetTempo:
    bpm: float


@dataclass(frozen=True)
class SetChannel:
    """Mixer strip of one track; None leaves a setting as it is."""

    track: str
    volume: float | None = None
    """dB on top of the instrument's gain."""
    pan: float | None = None
    mute: bool | None = None
    solo: bool | None = None
    fx: Effects | None = None
    """The track's effects (inserts, sends, ducking) from now on, in place of the
    instrument's; a change glides in over about 23 ms. The song's buses (`[mix]`) change
    with a `Load` of the edited song."""


@dataclass(frozen=True)
class SetMetronome:
    on: bool


@dataclass(frozen=True)
class Preview:
    """Play one hit of a track now (audition)."""

    track: str
    velocity: int = 100


@dataclass(frozen=True)
class PreviewFile:
    """Play an audio file now (the sound browser)."""

    path: str


@dataclass(frozen=True)
class Record:
    """Start recording the output to `path` (a WAV), or stop with path None."""

    path: str | None


@dataclass(frozen=True)
class Advance:
    """Manual audio only: process this many buffers now (tests drive time with it)."""

    buffers: int


@dataclass(frozen=True)
class Shutdown:
    pass


Command = (
    Load
    | Play
    | Stop
    | Locate
    | Queue
    | SetTempo
    | SetChannel
    | SetMetronome
    | Preview
    | PreviewFile
    | Record
    | Advance
    | Shutdown
)


# reports -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    audio: Audio
    device: str
    sample_rate: int
    buffer_size: int


@dataclass(frozen=True)
class Status:
    playing: bool
    bar: int
    beat: int
    step: int
    tick: float
    section: str | None
    section_tick: float | None
    """Ticks since the section playing began (None when stopped)."""
    selection: Selection | None
    ended: bool
    """A song that is not looped has played to its end."""
    frames: int
    """Frames the audio device has played since the engine started."""
    xruns: int
    """Buffers that did not play on time: xruns the JACK server reported, plus any
    the engine rendered too late (PortAudio reports none of its own)."""
    dsp_load: float
    """Share of real time spent making the audio (0-1), over the last two seconds."""
    recording: str | None
    levels: tuple[tuple[str, float], ...] = ()
    """Each sounding track's meter: its recent peak, linear."""
    late: int = 0
    """Of the xruns, the buffers the engine rendered too late (the rest are the audio
    server's own): what a busy machine, or a busy client, costs."""


@dataclass(frozen=True)
class Problem:
    message: str
    fatal: bool = False


@dataclass(frozen=True)
class Finished:
    pass


Report = Ready | Status | Problem | Finished
