"""Sounds: audio files read once, checked, resampled, and shaped for each instrument.

`read_audio` opens any WAV, AIFF, FLAC, OGG or MP3 (libsndfile through soundfile;
plain 16- and 24-bit WAVs, like the shipped kits, through the standard library's
`wave`, to the same samples): mono or stereo, any bit depth, any rate, resampled with
soxr to the session rate, and cached. A missing, empty, truncated or unreadable file
is a BeatseqError naming it.

`instrument_sound` shapes a file for one instrument, the parts of a sampler voice that
do not change from hit to hit: trim, reverse, the instrument's own pitch (resampled
with soxr, cleaner than interpolating on playback) and the attack/hold/decay
envelope. A `VoiceBank` then gives what a hit plays at each step pitch: repitched
through soxr and passed through the instrument's low-pass and high-pass filters
(each voice filtered, as in a sampler, before its level and cut fade). What changes
per hit (level, choke cuts) is the mixer's business.
"""

from __future__ import annotations

import os
import re
import wave
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import soxr

from beatseq.engine.dsp import biquad, convolve, impulse_response
from beatseq.engine.synths import SynthBank
from beatseq.errors import BeatseqError
from beatseq.model import Instrument

FORMATS = "WAV, AIFF, FLAC, OGG or MP3"
DECLICK_MS = 2.0
"""Fade applied where a trim or a reverse would otherwise cut a sound mid-wave."""


@dataclass(frozen=True, eq=False)
class Shaped:
    """An instrument's sound, ready to play."""

    data: np.ndarray
    """float32, shape (channels, frames): each channel contiguous. Read-only."""
    sample_rate: int

    @property
    def frames(self) -> int:
        return int(self.data.shape[1])

    @property
    def channels(self) -> int:
        return int(self.data.shape[0])


def read_audio(path: str, sample_rate: int) -> np.ndarray:
    """The file's audio at `sample_rate`: float32, shape (frames, 1 or 2)."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise BeatseqError("sample file not found", file=path) from None
    except OSError as err:
        raise BeatseqError(f"cannot read sample file ({err.strerror})", file=path) from None
    return _read(path, stat.st_mtime_ns, stat.st_size, sample_rate)


@lru_cache(maxsize=256)
def _read(path: str, mtime: int, size: int, sample_rate: int) -> np.ndarray:
    if size == 0:
        raise BeatseqError(f"is empty (0 bytes), expected audio ({FORMATS})", file=path)
    found = _read_pcm_wav(path)
    if found is not None:
        return _checked(path, *found, sample_rate)
    import soundfile  # (20 ms to import: not for the plain WAVs most kits are)

    try:
        with soundfile.SoundFile(path) as handle:
            promised = _promised_frames(handle.extra_info, handle.frames)
            rate = handle.samplerate
            data = handle.read(dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as err:
        reason = str(err).split(":")[-1].strip() or "unknown format"
        raise BeatseqError(f"cannot read audio ({reason}): expected {FORMATS}", file=path) from None
    except OSError as err:
        raise BeatseqError(f"cannot read sample file ({err.strerror})", file=path) from None
    if promised > 0 and 0 < data.shape[0] < promised:
        raise BeatseqError(
            f"is truncated: its header promises {promised} frames, it holds {data.shape[0]}",
            file=path,
        )
    return _checked(path, data, rate, sample_rate)


def _read_pcm_wav(path: str) -> tuple[np.ndarray, int] | None:
    """A plain 16- or 24-bit PCM WAV whole, through the standard library: float32
    (frames, channels) as libsndfile gives it (the integers over 2^15 or 2^23,
    exactly), and its rate. None for anything else, or anything wrong with it, which
    soundfile then reads (or explains)."""
    if not path.lower().endswith(".wav"):
        return None
    try:
        with wave.open(path, "rb") as handle:
            width, channels = handle.getsampwidth(), handle.getnchannels()
            rate, promised = handle.getframerate(), handle.getnframes()
            if width not in (2, 3) or channels not in (1, 2) or handle.getcomptype() != "NONE":
                return None
            raw = handle.readframes(promised)
    except (wave.Error, EOFError, OSError):
        return None
    frames = len(raw) // (width * channels)
    if frames < promised or frames == 0:
        return None  # truncated or empty: soundfile's reading says which
    if width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / np.float32(32768.0)
    else:
        bytes3 = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        whole = (bytes3[:, 0] | bytes3[:, 1] << 8 | bytes3[:, 2] << 16) << 8 >> 8
        data = whole.astype(np.float32) / np.float32(8388608.0)
    return data.reshape(frames, channels), rate


def _checked(path: str, data: np.ndarray, rate: int, sample_rate: int) -> np.ndarray:
    """A file's audio checked, and at `sample_rate`."""
    if data.shape[0] == 0:
        raise BeatseqError("has no audio frames (an empty recording?)", file=path)
    if data.shape[1] > 2:
        raise BeatseqError(f"has {data.shape[1]} channels, expected mono or stereo", file=path)
    if not np.all(np.isfinite(data)):
        raise BeatseqError("holds invalid samples (NaN or infinity)", file=path)
    if rate != sample_rate:
        data = np.asarray(soxr.resample(data, rate, sample_rate, quality="VHQ"), np.float32)
    data.setflags(write=False)
    return np.asarray(data)


def _promised_frames(log: str, frames: int) -> int:
    """Frames the file's header promises; libsndfile's log notes a short data chunk as
    'data : 88200 (should be 2000)' and then reports only what is there."""
    found = re.search(r"data\s*:\s*(\d+)\s*\(should be (\d+)\)", log)
    align = re.search(r"Block Align\s*:\s*(\d+)", log)
    if found and align and int(found.group(2)) < int(found.group(1)):
        return int(found.group(1)) // max(1, int(align.group(1)))
    return frames


def instrument_sound(instrument: Instrument, sample_rate: int) -> Shaped:
    """The sound a hit of `instrument` plays (cached per sound setting and rate)."""
    if not instrument.path:
        raise BeatseqError(f"instrument {instrument.name!r} has no sound file")
    return _shape(
        instrument.path,
        sample_rate,
        instrument.start,
        instrument.end,
        instrument.reverse,
        instrument.pitch,
        instrument.attack,
        instrument.hold,
        instrument.decay,
    )


@lru_cache(maxsize=256)
def _shape(
    path: str,
    sample_rate: int,
    start: float,
    end: float | None,
    reverse: bool,
    pitch: float,
    attack: float,
    hold: float | None,
    decay: float,
) -> Shaped:
    data = read_audio(path, sample_rate)
    first = min(round(start * sample_rate), data.shape[0])
    last = data.shape[0] if end is None else min(round(end * sample_rate), data.shape[0])
    if last <= first:
        raise BeatseqError(
            f"trim start {start:g} s is past the sound's end ({data.shape[0] / sample_rate:.3f} s)",
            file=path,
        )
    sound = np.array(data[first:last], dtype=np.float32)
    if end is not None and last < data.shape[0]:
        _fade_out(sound, _ms(DECLICK_MS, sample_rate))
    if reverse:
        sound = sound[::-1].copy()
        _fade_out(sound, _ms(DECLICK_MS, sample_rate))
    if pitch:
        sound = _resample_pitch(sound, sample_rate, pitch)
    sound = np.ascontiguousarray(_envelope(sound, sample_rate, attack, hold, decay).T)
    sound.setflags(write=False)
    return Shaped(data=sound, sample_rate=sample_rate)


@lru_cache(maxsize=1024)
def repitched(sound: Shaped, semitones: int) -> Shaped:
    """`sound` played `semitones` higher (shorter) or lower (longer), like a sampler does."""
    if semitones == 0:
        return sound
    data = np.ascontiguousarray(_resample_pitch(sound.data.T, sound.sample_rate, semitones).T)
    data.setflags(write=False)
    return Shaped(data=data, sample_rate=sound.sample_rate)


class VoiceBank:
    """What the hits of one instrument play, by step pitch: (channels, frames), cached."""

    def __init__(self, sound: Shaped, lowpass: float | None = None, highpass: float | None = None):
        self.sound = sound
        self.lowpass = lowpass
        self.highpass = highpass
        self._response = filter_response(lowpass, highpass, sound.sample_rate)
        self._cache: dict[int, np.ndarray] = {}

    @classmethod
    def of(cls, instrument: Instrument, sample_rate: int) -> VoiceBank:
        return cls(
            instrument_sound(instrument, sample_rate), instrument.lowpass, instrument.highpass
        )

    @property
    def channels(self) -> int:
        return self.sound.channels

    @property
    def sample_rate(self) -> int:
        return self.sound.sample_rate

    def data(self, pitch: int) -> np.ndarray:
        found = self._cache.get(pitch)
        if found is None:
            found = repitched(self.sound, pitch).data
            if self._response is not None:
                found = _trim_silence(convolve(found, self._response).astype(np.float32))
            self._cache[pitch] = found
        return found

    def frames(self, pitch: int) -> int:
        return int(self.data(pitch).shape[1])


Bank = VoiceBank | SynthBank
"""What a track's hits play: a sampler's repitched sound, or a synth's notes."""


def bank_for(instrument: Instrument, sample_rate: int, pool: Executor | None = None) -> Bank:
    """The bank that plays `instrument`'s hits (a synth's renders its notes on `pool`,
    if given)."""
    if instrument.synth is not None:
        note = instrument.root if instrument.root is not None else instrument.note
        return SynthBank(instrument.synth, note + instrument.pitch, sample_rate, pool)
    return VoiceBank.of(instrument, sample_rate)


def filter_response(lowpass: float | None, highpass: float | None, rate: int) -> np.ndarray | None:
    """Impulse response of an instrument's filters (12 dB/octave each), or None."""
    sections = []
    if highpass is not None:
        sections.append(biquad("highpass", highpass, rate))
    if lowpass is not None and lowpass < rate * 0.45:
        sections.append(biquad("lowpass", lowpass, rate))
    return impulse_response(tuple(sections), rate) if sections else None


def _trim_silence(data: np.ndarray) -> np.ndarray:
    """Drop a filtered sound's tail once it stays below -120 dB of its peak."""
    level = np.max(np.abs(data), axis=0)
    loud = np.nonzero(level >= 1e-6 * max(float(level.max(initial=0.0)), 1e-30))[0]
    end = int(loud[-1]) + 1 if loud.size else 1
    data = np.ascontiguousarray(data[:, :end])
    data.setflags(write=False)
    return data


def _resample_pitch(sound: np.ndarray, rate: int, semitones: float) -> np.ndarray:
    ratio = 2.0 ** (semitones / 12.0)  # read as if recorded faster: fewer frames, higher
    out = soxr.resample(sound, rate * ratio, rate, quality="VHQ")
    return np.ascontiguousarray(out, dtype=np.float32).reshape(-1, sound.shape[1])


def _envelope(
    sound: np.ndarray, rate: int, attack: float, hold: float | None, decay: float
) -> np.ndarray:
    """Attack (linear), hold, then an exponential decay to -60 dB where the sound ends."""
    if attack > 0:
        n = min(_ms(attack, rate), sound.shape[0])
        sound[:n] *= np.linspace(0.0, 1.0, n, endpoint=False, dtype=np.float32)[:, None]
    if hold is None:
        return sound
    start = min(_ms(attack + hold, rate), sound.shape[0])
    if decay > 0:
        n = min(_ms(decay, rate), sound.shape[0] - start)
        curve = 10.0 ** (-3.0 * np.arange(n, dtype=np.float64) / _ms(decay, rate))
        sound[start : start + n] *= curve.astype(np.float32)[:, None]
        end = start + n
    else:
        end = start
    sound = sound[: max(end, 1)]
    _fade_out(sound, _ms(DECLICK_MS, rate))
    return sound


def _fade_out(sound: np.ndarray, frames: int) -> None:
    n = min(frames, sound.shape[0])
    if n > 0:
        sound[-n:] *= np.linspace(1.0, 0.0, n, dtype=np.float32)[:, None]


def _ms(ms: float, rate: int) -> int:
    return round(ms * rate / 1000.0)
