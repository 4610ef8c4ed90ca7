"""The voice graph: sampler voices and tracks, summed with their strips and sends into
the master bus, rendered in blocks.

One renderer serves offline rendering and real-time playback, so a render sounds
exactly like playback: the live engine asks for small blocks, an offline render for
big ones, and the samples are the same (every hit is added in the same order, and
every filter, effect, bus and limiter carries its state from block to block).

- Voices: each hit adds its sound at its exact frame, times its level: the sound
  repitched for the step (soxr), then through the instrument's high-pass and
  low-pass filters (2nd-order Butterworth, 12 dB/octave, each voice filtered before
  its amplitude, like a sampler's VCF before its VCA), and a cut hit fades out
  (`voices.plan_hits` decides who is cut and where).
- Track: a track without effects is gained and panned as each hit is added (`Bus`);
  a track with effects renders its voices dry into its `Strip` (`beatseq.engine.strip`:
  inserts, fader, pan, ducking, sends).
- Sends: the strips' sends go to the song's reverb and delay (`beatseq.engine.sends`),
  whose returns join the mix.
- Master: the sum goes through `beatseq.engine.master.Master` (the song's gain, the
  glue compressor, the safety limiter at -1 dBFS); stems (when asked for) are one
  track and its own send returns, given the master's gain, so they sum to the mix.

Why not pyo objects per voice: measured on this machine, pyo costs 4-10 ns per object
per sample, so the 3-minute reference song (40 voices, about 220 objects) rendered at
14x real time. Adding whole sounds with numpy costs about a nanosecond per sample of
sound; pyo hosts the real-time output (`beatseq.engine.live`).

The hit loop runs compiled where the kernels are built (`beatseq.engine.native`,
`HitTable`; an offline block adds each run of tracks without strips in one call),
with the same float32 operations in the same order as the numpy loop kept here as
the fallback, so both give the same bits.
"""

from __future__ import annotations

import threading

import numpy as np

from beatseq.engine.dsp import peak
from beatseq.engine.master import CEILING_DB, Limiter, Master
from beatseq.engine.native import address, kernels
from beatseq.engine.sends import Returns
from beatseq.engine.sounds import Bank
from beatseq.engine.strip import Bus, Strip, pan_gains
from beatseq.engine.voices import TrackHits, fade_frames
from beatseq.model import Song
from beatseq.model.effects import Mix

__all__ = ["CEILING_DB", "Bus", "Limiter", "Master", "Mixer", "Strip", "TrackRenderer", "pan_gains"]


class TrackRenderer:
    """One track: its hits through its bus, block by block. Buffers are (channels, frames).

    Frames are the track's own (a program's frames, for the live engine). With a
    `period`, the hits repeat every `period` frames (a loop), tails ringing over the
    seam; `since` and `before` keep only hits starting in that range, so an edit can
    hand over at a frame while the sounds already ringing ring on.
    """

    def __init__(self, bank: Bank, hits: TrackHits, bus: Bus):
        self.bank = bank
        self.hits = hits
        n = fade_frames(bank.sample_rate)
        self.fade = (10.0 ** (-3.0 * np.arange(n) / n)).astype(np.float32)
        self.set_bus(bus)
        self._heard = self.gains  # the gains last applied: a change ramps over a block
        self._table: HitTable | None = None
        self.metering = False
        self.peak = 0.0
        """With `metering`, the loudest sample this track added since it was reset."""

    def set_bus(self, bus: Bus) -> None:
        self.bus = bus
        left, right = pan_gains(bus.pan, stereo=self.bank.channels == 2)
        self.gains = (bus.gain * left, bus.gain * right)

    def voices(
        self,
        out: np.ndarray,
        start: int,
        gains: tuple[float, float] | None = None,
        *,
        period: int | None = None,
        since: int | None = None,
        before: int | None = None,
    ) -> None:
        """Add the hits sounding in [start, start + frames) to `out`.

        Without `gains`, `out` has the sound's channels (channels, frames). With
        (left, right) gains, `out` is stereo and each hit is panned as it is added.
        """
        hits = self.hits
        if not len(hits):
            return
        end = start + out.shape[1]
        if period is None:
            shifts = [0]
        else:
            first_pass = (start - hits.longest) // period
            shifts = [k * period for k in range(first_pass, end // period + 1)]
        for shift in shifts:
            self._add(out, start, end, shift, gains, since, before)

    def _add(
        self,
        out: np.ndarray,
        start: int,
        end: int,
        shift: int,
        gains: tuple[float, float] | None,
        since: int | None,
        before: int | None,
    ) -> None:
        hits = self.hits
        lo_frame = start - hits.longest - shift
        hi_frame = end - shift
        if since is not None:
            lo_frame = max(lo_frame, since - shift)
        if before is not None:
            hi_frame = min(hi_frame, before - shift)
        lo = int(hits.starts.searchsorted(lo_frame))
        hi = int(hits.starts.searchsorted(hi_frame))
        if hi <= lo:
            return
        fade = self.fade
        fade_len = fade.shape[0]
        routes = self._routes(gains)
        if kernels is not None and out.dtype == np.float32 and out.strides[1] == 4:
            loudest = self._hit_table().add(
                out, start, end, shift, lo, hi, routes, self.bank, metering=self.metering
            )
            if self.metering:
                self.peak = max(self.peak, loudest)
            return
        scratch = _scratch(min(end - start, hits.longest))
        starts, stops, pitches, levels, cut = (
            hits.starts,
            hits.stops,
            hits.pitches,
            hits.levels,
            hits.cut,
        )
        for i in range(lo, hi):
            first = int(starts[i]) + shift
            stop = int(stops[i]) + shift
            if stop <= start:
                continue
            data = self.bank.data(int(pitches[i]))
            a = max(first, start)
            b = min(stop, end, first + data.shape[1])
            if b <= a:
                continue
            fade_start = stop - fade_len
            faded = bool(cut[i]) and b > fade_start
            level = float(levels[i])
            for source, channel, gain in routes:
                if gain == 0.0:
                    continue
                work = scratch[: b - a]
                np.multiply(data[source, a - first : b - first], level * gain, out=work)
                if faded:
                    f_a = max(a, fade_start)
                    work[f_a - a :] *= fade[f_a - fade_start : b - fade_start]
                target = out[channel, a - start : b - start]
                np.add(target, work, out=target)
                if self.metering:
                    self.peak = max(self.peak, peak(work))

    def compiled_row(self) -> list[int] | None:
        """This track as `bs_add_tracks` reads it, for adding its hits after its bus
        (`add_to` without a period or a hand-over), or None where that cannot be
        compiled (no kernels, a gain still ramping, metering). Every note it plays is
        rendered first (a synth's on its pool)."""
        if not self.compilable:
            return None
        return self._hit_table().row(self.bank, self._routes(self.gains))

    @property
    def compilable(self) -> bool:
        """Whether `bs_add_tracks` can add this track's hits now: the kernels are built,
        no gain is still ramping and nothing meters it."""
        return kernels is not None and self._heard == self.gains and not self.metering

    def _routes(self, gains: tuple[float, float] | None) -> list[tuple[int, int, float]]:
        """(sound channel, out channel, gain) for each channel a hit is added to: its
        own channels as they are without `gains`, else stereo, panned."""
        channels = self.bank.channels
        if gains is None:
            return [(c, c, 1.0) for c in range(channels)]
        return [(0 if channels == 1 else c, c, gains[c]) for c in range(2)]

    def _hit_table(self) -> HitTable:
        if self._table is None:
            self._table = HitTable(self.hits, self.fade)
        return self._table

    def onsets(
        self,
        lo: int,
        hi: int,
        *,
        period: int | None = None,
        since: int | None = None,
        before: int | None = None,
    ) -> np.ndarray:
        """Frames where hits start in [lo, hi) (what a ducked track follows)."""
        starts = self.hits.starts
        if not len(starts):
            return starts
        if period is None:
            shifts = [0]
        else:
            first_pass = (lo - int(starts[-1])) // period
            shifts = [k * period for k in range(first_pass, hi // period + 1)]
        found = []
        low = lo if since is None else max(lo, since)
        high = hi if before is None else min(hi, before)
        for shift in shifts:
            frames = starts + shift
            found.append(frames[(frames >= low) & (frames < high)])
        return np.concatenate(found) if len(found) > 1 else found[0]

    def add_to(
        self,
        mix: np.ndarray,
        start: int,
        *,
        period: int | None = None,
        since: int | None = None,
        before: int | None = None,
    ) -> None:
        """Add the track after its bus to the stereo `mix`, which starts at frame `start`.

        A change of gain or pan since the last block is ramped across this block, so it
        never clicks or zips.
        """
        if self._heard == self.gains:
            self.voices(mix, start, self.gains, period=period, since=since, before=before)
            return
        dry = np.zeros((self.bank.channels, mix.shape[1]), dtype=np.float32)
        self.voices(dry, start, period=period, since=since, before=before)
        for channel in range(2):
            ramp = np.linspace(
                self._heard[channel], self.gains[channel], mix.shape[1], dtype=np.float32
            )
            mix[channel] += dry[0 if dry.shape[0] == 1 else channel] * ramp
        self._heard = self.gains


class HitTable:
    """A track's hits as the compiled hit loop (`_kernels.c`, `bs_add_hits`) reads
    them: each column in one array, and each hit's sound (where it lies, its frames and
    the distance between its rows), filled in for a pitch when it is first played (a
    synth renders its notes as they are needed)."""

    def __init__(self, hits: TrackHits, fade: np.ndarray):
        self.columns: list[np.ndarray] = [
            np.ascontiguousarray(hits.starts, dtype=np.int64),
            np.ascontiguousarray(hits.stops, dtype=np.int64),
            np.ascontiguousarray(hits.levels, dtype=np.float32),
            np.ascontiguousarray(hits.cut, dtype=np.uint8),
            np.zeros(len(hits), dtype=np.uintp),  # where each hit's sound lies
            np.zeros(len(hits), dtype=np.int64),  # its frames
            np.zeros(len(hits), dtype=np.int64),  # floats from one of its rows to the next
        ]
        self.pitches = hits.pitches
        self.longest = hits.longest
        self.fade = fade
        self._waiting = set(hits.pitches.tolist())  # (np.unique would import numpy.ma)
        self._kept: list[np.ndarray] = []  # sounds C reads: alive while the table is
        # routes -> (count, addresses, the arrays at those addresses)
        self._routes: dict[
            tuple[tuple[int, int, float], ...], tuple[int, list[int], list[np.ndarray]]
        ] = {}
        self._pinned = False  # `row` handed out route addresses: never let them go
        self._addresses = [address(column) for column in self.columns]

    def add(
        self,
        out: np.ndarray,
        start: int,
        end: int,
        shift: int,
        lo: int,
        hi: int,
        routes: list[tuple[int, int, float]],
        bank: Bank,
        *,
        metering: bool = False,
    ) -> float:
        """`TrackRenderer._add` for hits lo .. hi - 1, compiled; the loudest sample added."""
        if self._waiting:
            self._resolve(lo, hi, bank)
        count, pointers = self._route(tuple(routes))
        starts, stops, levels, cut, sounds, lengths, strides = self._addresses
        return float(
            kernels.bs_add_hits(  # type: ignore[union-attr]
                address(out),
                out.strides[0] // 4,
                start,
                end,
                shift,
                hi - lo,
                starts + 8 * lo,
                stops + 8 * lo,
                levels + 4 * lo,
                cut + lo,
                sounds + 8 * lo,
                lengths + 8 * lo,
                strides + 8 * lo,
                address(self.fade),
                self.fade.shape[0],
                count,
                *pointers,
                metering,
            )
        )

    def row(self, bank: Bank, routes: list[tuple[int, int, float]]) -> list[int]:
        """The whole table as `bs_add_tracks` reads it (every sound resolved): hit count,
        longest hit, the columns, the fade and its length, and the routes."""
        if self._waiting:
            self._resolve(0, len(self.pitches), bank)
        self._pinned = True
        count, pointers = self._route(tuple(routes))
        fade = self.fade
        sizes = [len(self.pitches), self.longest]
        return [*sizes, *self._addresses, address(fade), fade.shape[0], count, *pointers]

    def _resolve(self, lo: int, hi: int, bank: Bank) -> None:
        for pitch in sorted(set(self.pitches[lo:hi].tolist())):
            if pitch not in self._waiting:
                continue
            sound = bank.data(pitch)
            if sound.dtype != np.float32 or sound.strides[1] != 4:
                sound = np.ascontiguousarray(sound, dtype=np.float32)
            self._kept.append(sound)
            where = self.pitches == pitch
            self.columns[4][where] = address(sound)
            self.columns[5][where] = sound.shape[1]
            self.columns[6][where] = sound.strides[0] // 4
            self._waiting.discard(pitch)

    def _route(self, routes: tuple[tuple[int, int, float], ...]) -> tuple[int, list[int]]:
        """The routes as C reads them: their count and the addresses of their sources,
        channels and gains. A live track meets new gains edit after edit: past 64 the
        old ones are let go, unless `row` handed them out (an offline mixer keeps
        their addresses)."""
        found = self._routes.get(routes)
        if found is None:
            arrays: list[np.ndarray] = [
                np.array([r[0] for r in routes], dtype=np.int32),
                np.array([r[1] for r in routes], dtype=np.int32),
                np.array([r[2] for r in routes], dtype=np.float64),
            ]
            if len(self._routes) > 64 and not self._pinned:
                self._routes.clear()
            found = self._routes[routes] = (len(routes), [address(a) for a in arrays], arrays)
        return found[0], found[1]


_LOCAL = threading.local()


def _scratch(frames: int) -> np.ndarray:
    """A reusable work buffer of at least `frames` (big temporaries cost page faults),
    one per thread."""
    buffer: np.ndarray | None = getattr(_LOCAL, "scratch", None)
    if buffer is None or buffer.shape[0] < frames:
        buffer = _LOCAL.scratch = np.zeros(max(frames, 4096), dtype=np.float32)
    return buffer


class Mixer:
    """All tracks (with their strips and the send buses) into the master bus, block by
    block. With `only`, just that track and its own send returns (a stem)."""

    def __init__(
        self,
        tracks: dict[str, TrackRenderer],
        sample_rate: int,
        gain_db: float = 0.0,
        *,
        song: Song | None = None,
        trim_db: float = 0.0,
        only: str | None = None,
    ):
        self.tracks = tracks
        self.sample_rate = sample_rate
        self.only = only
        mix = song.mix if song is not None else Mix()
        self.strips: dict[str, Strip] = {}
        if song is not None:
            for name, track in tracks.items():
                fx = song.kit[name].fx
                if fx.active:
                    self.strips[name] = Strip(fx, track.bus, track.bank.channels, sample_rate)
        playing = [n for n in self.tracks if only is None or n == only]
        strips = [self.strips[n] for n in playing if n in self.strips]
        bpm = song.bpm if song is not None else 120.0
        self.returns = None
        if any(strip.sends for strip in strips):
            self.returns = Returns(mix, bpm, sample_rate)
            self.returns.need(
                reverb=any(strip.fx.reverb is not None for strip in strips),
                delay=any(strip.fx.delay is not None for strip in strips),
            )
        self.master = Master(sample_rate, gain_db, mix.glue, trim_db)
        # runs of tracks without strips, as `bs_add_tracks` reads them
        self._rows: dict[tuple[tuple[str, tuple[float, float]], ...], np.ndarray] = {}

    @property
    def latency(self) -> int:
        return self.master.latency

    @property
    def gain(self) -> float:
        return self.master.gain

    def tracks_block(self, start: int, frames: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Frames [start, start + frames) of the tracks summed, float32 (2, frames), and
        their sends (bus, channel, frame) when there are send buses. With
        `add_returns`, what goes into the master bus (`master.process`)."""
        mix = np.zeros((2, frames), dtype=np.float32)
        sends = np.zeros((2, 2, frames), dtype=np.float32) if self.returns is not None else None
        plain: list[str] = []  # tracks without a strip, added in a run (the same order)
        for name, track in self.tracks.items():
            if self.only is not None and name != self.only:
                continue
            strip = self.strips.get(name)
            if strip is None:
                plain.append(name)
                continue
            self._add_plain(mix, start, plain)
            plain = []
            dry = np.zeros((track.bank.channels, frames), dtype=np.float32)
            track.voices(dry, start)
            onsets = {
                key: self.tracks[key].onsets(start - strip.reach, start + frames)
                for key in strip.followed()
                if key in self.tracks
            }
            strip.process(dry, start, onsets, mix, sends)
        self._add_plain(mix, start, plain)
        return mix, sends

    def _add_plain(self, mix: np.ndarray, start: int, names: list[str]) -> None:
        """Tracks without strips added to `mix` in turn: in one compiled call
        (`bs_add_tracks`) when they all can be, else one by one (`add_to`)."""
        if not names:
            return
        tracks = [self.tracks[name] for name in names]
        key = tuple((name, track.gains) for name, track in zip(names, tracks, strict=True))
        rows = self._rows.get(key)
        if rows is not None and not all(track.compilable for track in tracks):
            rows = None  # (offline, this does not happen)
        if rows is None:
            found = [track.compiled_row() for track in tracks]
            if any(row is None for row in found):
                for track in tracks:
                    track.add_to(mix, start)
                return
            rows = self._rows[key] = np.array(found, dtype=np.int64)
        kernels.bs_add_tracks(  # type: ignore[union-attr]
            address(mix),
            mix.strides[0] // 4,
            start,
            start + mix.shape[1],
            len(names),
            address(rows),
        )

    def add_returns(self, mix: np.ndarray, sends: np.ndarray | None) -> np.ndarray:
        """The send buses' returns for `tracks_block`'s sends, added to its `mix`. The
        two keep separate state, so one block's returns can run while the next block's
        tracks do (`beatseq.engine.render.bus_blocks`)."""
        if self.returns is not None and sends is not None:
            mix += self.returns.process(sends)
        return mix
