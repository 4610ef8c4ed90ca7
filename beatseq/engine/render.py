"""Offline rendering: a song through the voice graph to WAV or FLAC, and stems.

`render` runs the whole job in a child process (so callers such as the UI stay
responsive) and relays progress; the command line, with nothing else to do meanwhile,
calls `render_here`. Inside, `render_audio` compiles the song, shapes the
sounds, plans the hits and runs the mixer (`beatseq.engine.mixer`, the same one the
live engine plays) block by block; the limiter's lookahead comes off the front.
A render keeps both cores busy: the tracks of one block, the send returns of the block
before and the master bus of the one before that run on threads of their own
(`bus_blocks`), the file is written and metered on two more, synth notes render on a
pool of two while the hits are planned, numpy's BLAS stays on one thread,
malloc keeps freed blocks for the next (`dsp.keep_freed_memory`), the per-sample
loops run compiled where the kernels are built (`beatseq.engine.native`), and a WAV
is handed to the disk as it is written (`AudioWriter`). Stems
are rendered track by track afterwards, each with its own send returns (the
buses are linear), and given the mix's master gain (song gain, glue compressor,
loudness trim and limiter, all as one gain per frame), so they sum to the mix and
memory stays bounded. A loudness target (`[mix] loudness` or the job's) is met by a
trim worked out from measuring whole passes first (`loudness_trim`); the mix up to the
glue that it measured is kept, and the render only puts it through the trim and the
limiter again instead of mixing the song a second time.

A render ends when the last sound has died away (at most TAIL_CAP_SECONDS after the
song's end, faded out if a sound rings longer). With `loop`, the file is exactly the
song's length and the tails that ring past its end are heard at its start: the song
is played enough times back to back for every tail to wrap, and the last pass kept.
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from beatseq.compile import Timeline, compile_song, loop_events
from beatseq.engine.dsp import keep_freed_memory, one_blas_thread, peak
from beatseq.engine.mixer import Bus, Limiter, Master, Mixer, TrackRenderer
from beatseq.engine.sounds import Bank, bank_for
from beatseq.engine.synths import SynthBank
from beatseq.engine.voices import TrackHits, plan_hits
from beatseq.errors import BeatseqError
from beatseq.formats.audio import AudioWriter, LoudnessMeter, check_output
from beatseq.model import Song

TAIL_CAP_SECONDS = 10.0
TAIL_FADE_SECONDS = 0.05
BLOCK = 131072
"""Frames an offline render mixes at a time (3 s at 44.1 kHz): about 60 blocks a
3-minute song. Half that was 10-15 % slower (fewer blocks, less Python a block);
twice it no faster. The samples are the same for any size, but for the float
rounding of some effects' state (one 24-bit step at a few frames of a song)."""
AHEAD = 4
"""Blocks the tracks and the send returns may run ahead of the master bus."""
Progress = Callable[[float], None]


@dataclass(frozen=True)
class RenderJob:
    song: Song
    output: str
    format: str = "wav"
    sample_rate: int = 44100
    bit_depth: str = "24"
    stems_dir: str | None = None
    loop: bool = False
    loudness: float | None = None
    """Integrated loudness (LUFS) to bring the render to; None: the song's `[mix]`."""


@dataclass(frozen=True)
class RenderReport:
    output: str
    frames: int
    sample_rate: int
    peak_dbfs: float
    lufs: float | None
    stems: tuple[str, ...]
    over: tuple[tuple[str, float], ...] = ()
    """Stems that pass full scale (where tracks cancel in the mix), with their peak
    dBFS: clipped there in a 16- or 24-bit file."""

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


@dataclass
class Rendered:
    mix: np.ndarray
    stems: dict[str, np.ndarray]
    sample_rate: int


def render(job: RenderJob, progress: Progress | None = None) -> RenderReport:
    """Render `job` in a child process and write its files; raises BeatseqError."""
    import multiprocessing  # (not for a render in this process: the command line's)

    check_output(job.format, job.bit_depth, job.sample_rate)
    context: Any = multiprocessing.get_context("fork" if _fork_is_safe() else "spawn")
    queue = context.Queue()
    worker = context.Process(target=_work, args=(job, queue), daemon=True)
    worker.start()
    try:
        while True:
            try:
                kind, value = queue.get(timeout=0.5)
            except Exception:  # queue.Empty: check the worker is still alive
                if not worker.is_alive():
                    raise BeatseqError(
                        f"the render process stopped unexpectedly (exit code {worker.exitcode})"
                    ) from None
                continue
            if kind == "progress":
                if progress is not None:
                    progress(value)
            elif kind == "done":
                return value  # type: ignore[no-any-return]
            else:
                raise BeatseqError(value)
    finally:
        worker.join(timeout=5)
        if worker.is_alive():
            worker.kill()


def _fork_is_safe() -> bool:
    """Fork only from a single-threaded process (a forked thread's locks can deadlock)."""
    import threading

    return os.name == "posix" and threading.active_count() == 1


def _work(job: RenderJob, queue: Any) -> None:
    """The child process of `render`: the render, and its report or error on `queue`."""
    import traceback

    try:
        report = render_here(job, lambda f: queue.put(("progress", f)))
        queue.put(("done", report))
    except BeatseqError as err:
        queue.put(("error", str(err)))
    except Exception:  # a bug: say what, where
        queue.put(("error", "internal error while rendering:\n" + traceback.format_exc()))


def render_here(
    job: RenderJob,
    progress: Progress | None = None,
    compiled: Callable[[], Timeline] | None = None,
) -> RenderReport:
    """Render `job` in this process and write its files. `compiled` gives the song's
    timeline at the job's rate if it is being compiled already (`compile.ahead`).

    Blocks are written on one thread and metered on another while the next block
    renders, so the file and the report cost little on top of the mixing.
    """
    keep_freed_memory()
    with one_blas_thread():
        return _render_files(job, progress, compiled)


def _render_files(
    job: RenderJob, progress: Progress | None, compiled: Callable[[], Timeline] | None = None
) -> RenderReport:
    check_output(job.format, job.bit_depth, job.sample_rate)
    timeline = compiled() if compiled is not None else None
    plan = plan_render(job.song, job.sample_rate, loop=job.loop, timeline=timeline)
    target = job.loudness if job.loudness is not None else job.song.mix.loudness
    if target is not None:
        plan.trim, plan.glued = loudness_trim(plan, target)
    seed = job.song.seed
    meter = LoudnessMeter(job.sample_rate)
    stems = job.stems_dir is not None
    # the master's gain on every frame, which stems are given (32 MB a 3-minute song)
    gains = np.ones(plan.frames if stems else 0, dtype=np.float32)
    stem_paths: list[str] = []
    over: list[tuple[str, float]] = []
    total = plan.blocks() * (1 + (len(plan.stem_names) if job.stems_dir is not None else 0))
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(min(1.0, done / total))

    # one thread each, so blocks stay in order on both
    with ThreadPoolExecutor(max_workers=1) as pool, ThreadPoolExecutor(max_workers=1) as metering:
        with AudioWriter(
            job.output,
            job.sample_rate,
            format=job.format,
            bit_depth=job.bit_depth,
            dither_seed=seed,
        ) as writer:
            pending: deque[Future[None]] = deque()
            for at, block, gain in mix_blocks(plan):
                if stems:
                    gains[at : at + gain.shape[0]] = gain
                frames_first = np.ascontiguousarray(block.T)
                pending.append(pool.submit(writer.write, frames_first))
                pending.append(metering.submit(meter.add, frames_first))
                tick()
                while len(pending) > 2 * AHEAD:  # a few blocks in hand, not the song
                    pending.popleft().result()
            for future in pending:
                future.result()
        if job.stems_dir is not None:
            folder = Path(job.stems_dir)
            folder.mkdir(parents=True, exist_ok=True)
            for number, name in enumerate(plan.stem_names, start=1):
                path = folder / f"{number:02d}-{_safe(name)}.{job.format}"
                with AudioWriter(
                    path,
                    job.sample_rate,
                    format=job.format,
                    bit_depth=job.bit_depth,
                    dither_seed=seed + number,
                ) as stem_writer:
                    pending = deque()
                    loudest = 0.0
                    for block in stem_blocks(plan, name, gains):
                        loudest = max(loudest, peak(block))
                        pending.append(pool.submit(stem_writer.write, block.T))
                        tick()
                        while len(pending) > AHEAD:
                            pending.popleft().result()
                    for future in pending:
                        future.result()
                stem_paths.append(str(path))
                if loudest > 1.0:
                    over.append((str(path), 20 * math.log10(loudest)))
    levels = meter.levels()
    if progress is not None:
        progress(1.0)
    return RenderReport(
        output=job.output,
        frames=plan.frames,
        sample_rate=job.sample_rate,
        peak_dbfs=levels.peak_dbfs,
        lufs=levels.lufs,
        stems=tuple(stem_paths),
        over=tuple(over),
    )


Glued = tuple[np.ndarray, "np.ndarray | None", bool]
"""A block of the mix after the song's gain and the glue, the glue's gain on each of its
frames (None without glue), and whether the file keeps it (not warm-up)."""


@dataclass
class RenderPlan:
    """Everything a render needs, worked out before the first frame is mixed."""

    song: Song
    sample_rate: int
    banks: dict[str, Bank]
    hits: dict[str, TrackHits]
    start: int
    """First frame of the file, in the plan's frames."""
    end: int
    capped: bool
    """A sound rang past the tail cap: the file fades out at its end."""
    stem_names: list[str]
    trim: float = 0.0
    """dB on the master bus after the glue, to meet a loudness target."""
    glued: list[Glued] | None = None
    """The mix up to the glue, kept by `loudness_trim` for the render to finish."""

    @property
    def frames(self) -> int:
        return self.end - self.start

    def blocks(self) -> int:
        return max(1, math.ceil(self.frames / BLOCK))

    def tracks(self) -> dict[str, TrackRenderer]:
        instruments = {i.name: i for i in self.song.kit.instruments}
        return {
            name: TrackRenderer(
                self.banks[name],
                self.hits[name],
                Bus.of(instruments[name], self.song.kit.audible(name)),
            )
            for name in self.song.kit.names
            if name in self.hits
        }


def plan_render(
    song: Song, sample_rate: int, *, loop: bool = False, timeline: Timeline | None = None
) -> RenderPlan:
    """What rendering `song` takes: its sounds, its hits and where the file starts and
    ends; `timeline` is the song compiled at `sample_rate`, if it is already."""
    if timeline is None:
        timeline = compile_song(song, sample_rate)
    instruments = {i.name: i for i in song.kit.instruments}
    playing = {e.track for e in timeline.events}
    order = [n for n in song.kit.names if n in playing and instruments[n].sounds]
    notes = ThreadPoolExecutor(max_workers=2, thread_name_prefix="notes")
    banks = {n: bank_for(instruments[n], sample_rate, notes) for n in order}
    length = timeline.length_samples
    events = timeline.events
    start = 0
    if loop:
        longest = max((b.frames(0) for b in banks.values()), default=0)
        passes = 1 + math.ceil(longest / length) if length else 1
        events = loop_events(song, timeline, passes, length)
        start = (passes - 1) * length
    hits = plan_hits(events, instruments, banks, sample_rate, gates=timeline.gate_frames)
    _render_notes_ahead(banks, hits)
    capped = False
    if loop:
        end = start + length
    else:
        natural = max((int(h.stops.max()) for h in hits.values()), default=0)
        cap = length + round(TAIL_CAP_SECONDS * sample_rate)
        end = min(max(length, natural), cap)
        capped = natural > cap
    stem_names = [n for n in song.kit.names if n in playing]
    return RenderPlan(song, sample_rate, banks, hits, start, end, capped, stem_names)


def _render_notes_ahead(banks: dict[str, Bank], hits: dict[str, TrackHits]) -> None:
    """Start the synths' notes rendering on their pool, the first heard first, each as
    far as its longest hit plays it (`SynthBank.render_ahead`)."""
    wanted: dict[tuple[str, int], list[int]] = {}  # (track, key): [first start, frames]
    for name, bank in banks.items():
        if not isinstance(bank, SynthBank) or name not in hits:
            continue
        track = hits[name]
        starts, stops, keys = (a.tolist() for a in (track.starts, track.stops, track.pitches))
        for start, stop, key in zip(starts, stops, keys, strict=True):  # starts ascend
            found = wanted.setdefault((name, key), [start, 0])
            found[1] = max(found[1], stop - start)
    for (name, key), (_, frames) in sorted(wanted.items(), key=lambda item: item[1][0]):
        bank = banks[name]
        assert isinstance(bank, SynthBank)
        bank.render_ahead(key, frames)


def bus_blocks(mixer: Mixer, spans: Iterable[tuple[int, int]]) -> Iterator[np.ndarray]:
    """What goes into the master bus for each (position, frames), in order: the tracks
    (`mixer.tracks_block`) and the send returns (`mixer.add_returns`) on a thread each,
    so one block's returns run while the next block's tracks do, and the caller's
    master bus on the block before (numpy and pedalboard let go of the GIL, so a render
    uses both cores). Each half keeps its own state and takes the blocks in order, so
    the samples are those of running them one after the other."""

    def returned(part: Future[tuple[np.ndarray, np.ndarray | None]]) -> np.ndarray:
        return mixer.add_returns(*part.result())

    with ThreadPoolExecutor(max_workers=1) as tracks, ThreadPoolExecutor(max_workers=1) as sends:
        pending: deque[Future[np.ndarray]] = deque()
        for position, frames in spans:
            part = tracks.submit(mixer.tracks_block, position, frames)
            pending.append(sends.submit(returned, part))
            if len(pending) > AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def mix_blocks(plan: RenderPlan) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(frame in the file, limited stereo block (2, n), its gains), block by block.

    After `loudness_trim` the mix up to the glue is already in the plan (`glued`): it
    only goes through the trim and the limiter again, which gives the samples of mixing
    it again with the trim (to float32 rounding) without mixing the song twice."""
    if plan.glued is not None:
        glued, plan.glued = plan.glued, None  # finished once, let go of block by block
        yield from _finished(plan, _trimmed(plan, glued))
        return
    mixer = Mixer(
        plan.tracks(), plan.sample_rate, plan.song.gain, song=plan.song, trim_db=plan.trim
    )
    limited = (
        (frames, kept, *mixer.master.process(bus)) for frames, kept, bus in _mixed(plan, mixer)
    )
    yield from _finished(plan, limited)


Limited = Iterator[tuple[int, bool, np.ndarray, np.ndarray]]
"""(frames, kept, limited block, its gains) for each block a render mixes."""


def _finished(plan: RenderPlan, blocks: Limited) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    at = 0
    for frames, kept, block, gain in blocks:
        if not kept:
            continue  # warm-up: earlier tails, effects' and limiter's state
        if plan.capped:
            _fade_tail(block, at, plan.frames, plan.sample_rate)
        yield at, block, gain
        at += frames


def _trimmed(plan: RenderPlan, glued: list[Glued]) -> Limited:
    """The mix up to the glue through the plan's trim and a new limiter."""
    master = Master(plan.sample_rate)
    trim = np.float32(10 ** (plan.trim / 20))
    while glued:
        block, glue, kept = glued.pop(0)
        frames = block.shape[1]
        gain = np.full(frames, trim, dtype=np.float32) if glue is None else glue * trim
        yield (frames, kept, *master.limited(block * trim, gain))


def _mixed(plan: RenderPlan, mixer: Mixer) -> Iterator[tuple[int, bool, np.ndarray]]:
    """(frames, kept, what goes into the master bus) for each block a render mixes."""
    spans = list(_spans(plan, mixer.latency))
    buses = bus_blocks(mixer, ((position, frames) for position, frames, _ in spans))
    for (_, frames, kept), bus in zip(spans, buses, strict=True):
        yield frames, kept, bus


def _spans(plan: RenderPlan, latency: int) -> Iterator[tuple[int, int, bool]]:
    """(first frame, frames, kept) of each block a render mixes: from frame 0 on (a
    loop's earlier passes and the limiter's lookahead are warm-up), then the file."""
    position = 0
    while position < plan.start + latency:
        frames = min(BLOCK, plan.start + latency - position)
        yield position, frames, False
        position += frames
    at = 0
    while at < plan.frames:
        frames = min(BLOCK, plan.frames - at)
        yield position, frames, True
        position += frames
        at += frames


def stem_blocks(plan: RenderPlan, name: str, gains: np.ndarray) -> Iterator[np.ndarray]:
    """One track's stereo blocks (with its own send returns) and the mix's master gain:
    stems sum to the mix. Not clipped: where tracks cancel in the mix, one of them
    alone can pass full scale (a 32-bit float file keeps it; integer files clip)."""
    tracks = plan.tracks()
    mixer = Mixer(tracks, plan.sample_rate, song=plan.song, only=name) if name in tracks else None
    master = np.float32(10 ** (plan.song.gain / 20))
    stateful = mixer is not None and (mixer.strips or mixer.returns is not None)
    spans = []
    if stateful:  # a loop: effects' state before its pass
        spans = [
            (position, min(BLOCK, plan.start - position))
            for position in range(0, plan.start, BLOCK)
        ]
    warm = len(spans)
    spans += [
        (plan.start + at, min(BLOCK, plan.frames - at)) for at in range(0, plan.frames, BLOCK)
    ]
    buses = bus_blocks(mixer, spans) if mixer is not None else iter(())
    for index, (position, frames) in enumerate(spans):
        if mixer is None:
            yield np.zeros((2, frames), dtype=np.float32)  # a track without a sound
            continue
        block = next(buses)
        if index < warm:
            continue
        at = position - plan.start
        block = block * master * gains[at : at + frames]
        if plan.capped:
            _fade_tail(block, at, plan.frames, plan.sample_rate)
        yield block


def loudness_trim(plan: RenderPlan, target: float, passes: int = 4) -> tuple[float, list[Glued]]:
    """The gain (dB) after the glue compressor that brings the render to `target` LUFS,
    and the mix up to the glue (`RenderPlan.glued`, which the render then finishes).

    The mix up to the glue is rendered once; each pass puts it through a trim and the
    limiter and measures it, correcting until within 0.1 LU (the limiter, keeping the
    ceiling, is what can make it take more than one correction)."""
    mixer = Mixer(plan.tracks(), plan.sample_rate, plan.song.gain, song=plan.song)
    glued = [(*mixer.master.before_trim(bus), kept) for _, kept, bus in _mixed(plan, mixer)]
    trim = 0.0
    for _ in range(passes):
        limiter = Limiter(plan.sample_rate)
        meter = LoudnessMeter(plan.sample_rate)
        gain = np.float32(10 ** (trim / 20))
        at = 0
        for block, _, kept in glued:
            out, _ = limiter.process(block * gain)
            if kept:
                if plan.capped:
                    _fade_tail(out, at, plan.frames, plan.sample_rate)
                meter.add(np.ascontiguousarray(out.T))
                at += out.shape[1]
        lufs = meter.integrated()
        if lufs is None:
            return 0.0, glued  # too short or silent: nothing to aim at
        if abs(target - lufs) < 0.1:
            break
        trim += target - lufs
    return trim, glued


def render_audio(
    song: Song,
    sample_rate: int,
    *,
    stems: bool = False,
    loop: bool = False,
    loudness: float | None = None,
) -> Rendered:
    """The whole render in memory: float32 (frames, 2) mix, and stems if asked."""
    keep_freed_memory()
    with one_blas_thread():
        return _render_audio(song, sample_rate, stems=stems, loop=loop, loudness=loudness)


def _render_audio(
    song: Song, sample_rate: int, *, stems: bool, loop: bool, loudness: float | None
) -> Rendered:
    plan = plan_render(song, sample_rate, loop=loop)
    if loudness is None:
        loudness = song.mix.loudness
    if loudness is not None:
        plan.trim, plan.glued = loudness_trim(plan, loudness)
    mix = np.zeros((2, plan.frames), dtype=np.float32)
    gains = np.ones(plan.frames if stems else 0, dtype=np.float32)
    for at, block, gain in mix_blocks(plan):
        mix[:, at : at + block.shape[1]] = block
        if stems:
            gains[at : at + gain.shape[0]] = gain
    stem_audio: dict[str, np.ndarray] = {}
    if stems:
        for name in plan.stem_names:
            stem_audio[name] = np.ascontiguousarray(
                np.concatenate(list(stem_blocks(plan, name, gains)), axis=1).T
            )
    return Rendered(mix=np.ascontiguousarray(mix.T), stems=stem_audio, sample_rate=sample_rate)


def _fade_tail(block: np.ndarray, at: int, total: int, sample_rate: int) -> None:
    """Fade out the part of `block` (starting at frame `at`) in the file's last frames."""
    n = min(total, round(TAIL_FADE_SECONDS * sample_rate))
    fade_start = total - n
    a, b = max(at, fade_start), at + block.shape[1]
    if b > a:
        ramp = np.linspace(1.0, 0.0, n, dtype=np.float32)[a - fade_start : b - fade_start]
        block[:, a - at :] *= ramp


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "track"
