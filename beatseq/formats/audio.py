"""Audio files out: WAV or FLAC at 16 or 24 bit (dithered) or 32-bit float, and meters.

Samples are quantised here rather than by libsndfile so the result is exact and
repeatable: 16-bit output gets TPDF dither from a seeded generator, so the same song
and seed give byte-identical files. Files are written block by block (`AudioWriter`),
to a temporary name that replaces the target only when complete. `LoudnessMeter`
measures the peak (dBFS) and integrated loudness (LUFS, ITU-R BS.1770-4, computed the
way pyloudnorm does) of the same blocks as they go by. Where the compiled kernels are
built (`beatseq.engine.native`), 24-bit packing and the meter's filter and energies
run compiled; the numpy code here is what runs without them.
"""

from __future__ import annotations

import math
import os
import threading
import wave
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import numpy as np

from beatseq.engine import native
from beatseq.engine.dsp import LinearStream, biquad, peak
from beatseq.errors import BeatseqError
from beatseq.formats.atomic import atomic_path

WRITE_BACK = 4 << 20
"""Bytes after which a WAV's new blocks are synced to disk on a thread (`_WriteBehind`)."""
FORMATS = ("wav", "flac")
BIT_DEPTHS = ("16", "24", "32f")
SAMPLE_RATES = (44100, 48000, 96000)


@dataclass(frozen=True)
class Levels:
    peak_dbfs: float
    lufs: float | None
    """None when the audio is too short (under 0.4 s) or silent."""


def check_output(format: str, bit_depth: str, sample_rate: int) -> None:
    """Refuse combinations no file can hold, before any rendering starts."""
    if format not in FORMATS:
        raise BeatseqError(f"--format must be {' or '.join(FORMATS)}, not {format!r}")
    if bit_depth not in BIT_DEPTHS:
        raise BeatseqError(f"--bit-depth must be one of {', '.join(BIT_DEPTHS)}, not {bit_depth!r}")
    if sample_rate not in SAMPLE_RATES:
        rates = ", ".join(str(r) for r in SAMPLE_RATES)
        raise BeatseqError(f"--sample-rate must be one of {rates}, not {sample_rate}")
    if format == "flac" and bit_depth == "32f":
        raise BeatseqError("FLAC holds 16 or 24 bit integers: use --bit-depth 16 or 24, or WAV")


SFC_SET_ADD_PEAK_CHUNK = 0x1050
"""libsndfile's command that turns a float file's PEAK chunk off (sndfile.h)."""


def _no_peak_chunk(soundfile: Any, sound: Any) -> None:
    """No PEAK chunk in a float WAV: libsndfile stamps it with the time the file was
    written, so two renders of the same song and seed would differ in four bytes. Sent
    before any audio is written (libsndfile then leaves a PAD chunk of zeros)."""
    soundfile._snd.sf_command(sound._file, SFC_SET_ADD_PEAK_CHUNK, soundfile._ffi.NULL, 0)


class AudioWriter:
    """Stereo (or any channel count) audio written block by block, atomically.

    Blocks are float (frames, channels) in [-1, 1]. 16- and 24-bit WAV go through the
    standard library's `wave` (plain PCM, fast); FLAC and float WAV through soundfile.
    """

    def __init__(
        self,
        path: str | Path,
        sample_rate: int,
        channels: int = 2,
        *,
        format: str = "wav",
        bit_depth: str = "24",
        dither_seed: int = 0,
    ):
        check_output(format, bit_depth, sample_rate)
        self.bit_depth = bit_depth
        self._seed = dither_seed & 0xFFFFFFFF
        self._rng: Any = None  # the 16-bit dither's, made when first needed
        self._stack = ExitStack()
        temp = self._stack.enter_context(atomic_path(path, suffix=f".{format}"))
        self._wave: Any = None
        self._sound: Any = None
        self._behind: _WriteBehind | None = None
        if format == "wav" and bit_depth != "32f":
            file = self._stack.enter_context(open(temp, "wb"))  # noqa: SIM115
            self._wave = self._stack.enter_context(wave.open(file, "wb"))  # noqa: SIM115
            self._behind = _WriteBehind(file)
            self._stack.push(self._behind.finish)  # before the file closes
            self._wave.setnchannels(channels)
            self._wave.setsampwidth(2 if bit_depth == "16" else 3)
            self._wave.setframerate(sample_rate)
        else:
            import soundfile

            subtype = {"16": "PCM_16", "24": "PCM_24", "32f": "FLOAT"}[bit_depth]
            self._sound = self._stack.enter_context(
                soundfile.SoundFile(
                    str(temp), "w", sample_rate, channels, subtype=subtype, format=format.upper()
                )
            )
            if bit_depth == "32f":
                _no_peak_chunk(soundfile, self._sound)

    def write(self, block: np.ndarray) -> None:
        if self.bit_depth == "32f":
            self._sound.write(np.ascontiguousarray(block, dtype=np.float32))
            return
        if self.bit_depth == "16":
            if self._rng is None:
                self._rng = np.random.default_rng(self._seed)
            # TPDF, +-1 LSB: two uniforms a sample, drawn frame by frame, so any split
            # into blocks gives the same noise
            pairs = self._rng.random((*block.shape, 2), dtype=np.float32)
            noise = pairs[..., 0] - pairs[..., 1]
            samples = _quantise(block * np.float32(32767.0) + noise, 32767)
            if self._wave is not None:
                self._wave.writeframesraw(samples.astype("<i2").tobytes())
                self._wrote(block.size * 2)
            else:
                self._sound.write(samples.astype(np.int16))
            return
        if self._wave is not None:
            packed = native.pack24(block)  # compiled, or None
            if packed is None:
                self._wave.writeframesraw(
                    _pack24(_quantise(block * np.float32(8388607.0), 8388607))
                )
            else:
                self._wave.writeframesraw(packed)
            self._wrote(block.size * 3)
            return
        samples = _quantise(block * np.float32(8388607.0), 8388607)
        self._sound.write((samples << 8).astype(np.int32))  # libsndfile: top 3 bytes

    def _wrote(self, written: int) -> None:
        if self._behind is not None:
            self._behind.wrote(written)

    def close(self) -> None:
        self._stack.close()

    def abort(self) -> None:
        """Close without replacing the target (the temporary file is removed)."""
        self._stack.__exit__(BeatseqError, BeatseqError("aborted"), None)

    def __enter__(self) -> AudioWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self._stack.__exit__(kind, value, tb)


class _WriteBehind:
    """Syncs a file being written to disk as it grows, on a thread of its own: after
    every WRITE_BACK bytes, `fdatasync` (unless the last one is still going). The sync
    before the file takes its name (`atomic_path`) then has only the last few blocks
    and their metadata left: 1-5 ms instead of 45-70 ms for the 47 MB of a 3-minute
    render on this machine. `finish` runs before the file closes: it waits for the
    sync still going and, when the write is otherwise done, raises the error of any
    that failed (the system reports a failed write once, so the final sync might not
    see it). Blocks may still come from another thread while a failed render unwinds:
    after `finish`, none starts a sync."""

    def __init__(self, file: BinaryIO):
        self._file = file
        self._unsynced = 0
        self._thread: threading.Thread | None = None
        self._error: OSError | None = None
        self._lock = threading.Lock()
        self._finished = False

    def wrote(self, written: int) -> None:
        self._unsynced += written
        if self._unsynced < WRITE_BACK or (self._thread and self._thread.is_alive()):
            return
        with self._lock:
            if self._finished:
                return
            self._unsynced = 0
            self._file.flush()
            self._thread = threading.Thread(
                target=self._sync, args=(self._file.fileno(),), name="write-behind", daemon=True
            )
            self._thread.start()

    def _sync(self, fd: int) -> None:
        try:
            _sync_data(fd)
        except OSError as err:
            self._error = self._error or err

    def finish(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """ExitStack's exit callback: wait for the sync still going; if nothing else
        went wrong, raise the error of any sync that failed."""
        with self._lock:
            self._finished = True
        if self._thread is not None:
            self._thread.join()
        if kind is None and self._error is not None:
            raise self._error


def _sync_data(fd: int) -> None:
    getattr(os, "fdatasync", os.fsync)(fd)  # macOS has no fdatasync


def _quantise(scaled: np.ndarray, limit: int) -> np.ndarray:
    """Round to integers in [-limit - 1, limit] (float32 holds these exactly)."""
    rounded = np.rint(scaled.astype(np.float32, copy=False))
    np.clip(rounded, -limit - 1, limit, out=rounded)
    return rounded.astype(np.int32)


def _pack24(samples: np.ndarray) -> bytes:
    """Little-endian 24-bit PCM bytes of int32 samples (interleaved as they lie)."""
    flat = samples.reshape(-1)
    low = (flat & 0xFFFF).astype(np.uint16)
    out = np.empty(flat.shape[0] * 3, dtype=np.uint8)
    out[0::3] = low & 0xFF
    out[1::3] = low >> 8
    out[2::3] = (flat >> 16) & 0xFF
    return out.tobytes()


def write_audio(
    path: str | Path,
    audio: np.ndarray,
    sample_rate: int,
    *,
    format: str = "wav",
    bit_depth: str = "24",
    dither_seed: int = 0,
) -> None:
    """Write float audio (frames, channels) to `path`, atomically."""
    with AudioWriter(
        path,
        sample_rate,
        audio.shape[1],
        format=format,
        bit_depth=bit_depth,
        dither_seed=dither_seed,
    ) as writer:
        writer.write(audio)


# K-weighting as pyloudnorm builds it (RBJ biquads): (kind, gain dB, Q, centre Hz)
_K_WEIGHTING = (("high_shelf", 4.0, 1 / math.sqrt(2), 1500.0), ("highpass", 0.0, 0.5, 38.0))
BLOCK_SECONDS = 0.4
STEP_SECONDS = 0.1  # blocks overlap by 75 %: one block is four steps
ABSOLUTE_GATE = -70.0


class LoudnessMeter:
    """Peak and BS.1770-4 integrated loudness of audio fed block by block.

    It measures what pyloudnorm measures (same filters, 400 ms blocks every 100 ms,
    absolute and relative gates), keeping only the energy of each 100 ms step.
    """

    def __init__(self, sample_rate: int, channels: int = 2):
        self.rate = sample_rate
        self._step = round(STEP_SECONDS * sample_rate)
        weighting = tuple(
            biquad(kind, centre, sample_rate, q=q, gain_db=gain)
            for kind, gain, q, centre in _K_WEIGHTING
        )
        # stereo, compiled: filter and energies in one pass (`bs_weigh`; no `_filter`)
        compiled = native.kernels is not None and channels == 2
        self._sections = np.array(weighting, dtype=np.float64)
        self._state = np.zeros((channels, len(weighting), 2))
        self._progress = np.zeros(1, dtype=np.int64)
        # numpy: float32 halves the state space's cost, and the meter needs no more
        self._filter = None if compiled else LinearStream(weighting, channels, dtype=np.float32)
        self._steps: list[np.ndarray] = []  # energy per step, per channel
        self._carry = np.zeros(channels)  # energy of the step in progress
        self._filled = 0  # frames in the step in progress
        self.frames = 0
        self.peak = 0.0

    def add(self, block: np.ndarray) -> None:
        """Measure float (frames, channels) audio that follows what came before."""
        if block.shape[0] == 0:
            return
        self.peak = max(self.peak, peak(block))
        self.frames += block.shape[0]
        if self._filter is None:
            self._weigh(np.ascontiguousarray(block, dtype=np.float32))
        else:
            self._energy(self._filter.process(block.T))

    def _weigh(self, frames: np.ndarray) -> None:
        """`_energy` of the K-weighted `frames` (float32, (frames, 2), C order), compiled."""
        steps = np.empty((frames.shape[0] // self._step + 1, 2))
        self._progress[0] = self._filled
        count = native.kernels.bs_weigh(  # type: ignore[union-attr]
            native.address(frames),
            frames.shape[0],
            native.address(self._sections),
            self._sections.shape[0],
            native.address(self._state),
            self._step,
            native.address(self._progress),
            native.address(self._carry),
            native.address(steps),
        )
        self._steps.extend(steps[:count])
        self._filled = int(self._progress[0])

    def _energy(self, weighted: np.ndarray) -> None:
        """Add K-weighted (channels, frames) audio to the per-step energies."""
        squares = np.square(weighted.T, dtype=np.float64)
        at = 0
        if self._filled:
            take = min(self._step - self._filled, squares.shape[0])
            self._carry += squares[:take].sum(axis=0)
            self._filled += take
            at = take
            if self._filled == self._step:
                self._steps.append(self._carry)
                self._carry, self._filled = np.zeros_like(self._carry), 0
        whole = (squares.shape[0] - at) // self._step
        if whole:
            part = squares[at : at + whole * self._step]
            self._steps.extend(part.reshape(whole, self._step, -1).sum(axis=1))
            at += whole * self._step
        if at < squares.shape[0]:
            self._carry += squares[at:].sum(axis=0)
            self._filled += squares.shape[0] - at

    def levels(self) -> Levels:
        peak_db = 20 * math.log10(self.peak) if self.peak > 0 else -math.inf
        return Levels(peak_dbfs=peak_db, lufs=self.integrated())

    def integrated(self) -> float | None:
        """The integrated loudness of everything added (call once, at the end)."""
        seconds = self.frames / self.rate
        if seconds < BLOCK_SECONDS or self.peak == 0:
            return None
        steps = np.array([*self._steps, self._carry]) if self._filled else np.array(self._steps)
        blocks = int(np.round((seconds - BLOCK_SECONDS) / STEP_SECONDS)) + 1
        per_block = round(BLOCK_SECONDS / STEP_SECONDS)
        padded = np.zeros((blocks + per_block, steps.shape[1]))
        padded[: min(steps.shape[0], padded.shape[0])] = steps[: padded.shape[0]]
        cumulative = np.concatenate([np.zeros((1, steps.shape[1])), np.cumsum(padded, axis=0)])
        z = (cumulative[per_block : per_block + blocks] - cumulative[:blocks]) / (
            BLOCK_SECONDS * self.rate
        )
        with np.errstate(divide="ignore"):
            block_loudness = -0.691 + 10 * np.log10(np.sum(z, axis=1))
        above = block_loudness >= ABSOLUTE_GATE
        if not np.any(above):
            return None
        relative = -0.691 + 10 * math.log10(float(np.sum(np.mean(z[above], axis=0)))) - 10
        gated = (block_loudness > relative) & above
        if not np.any(gated):
            return None
        return -0.691 + 10 * math.log10(float(np.sum(np.mean(z[gated], axis=0))))


def measure(audio: np.ndarray, sample_rate: int) -> Levels:
    """Peak and integrated loudness of float (frames, channels) audio."""
    meter = LoudnessMeter(sample_rate, audio.shape[1])
    meter.add(audio)
    return meter.levels()
