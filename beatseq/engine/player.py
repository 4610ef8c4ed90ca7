"""The Player: transport and mixer for live playback, rendering the next block on demand.

The live engine asks `render(frames)` for each buffer; everything else (play, stop,
locate, queue, tempo, mixer changes, edits, preview) is a method called from the
engine's command thread. Heavy work (compiling a program) happens in the caller's
thread; only the swap itself holds the lock that `render` takes.

What plays is a list of layers. A layer plays a Program with its frame 0 at some
output frame; `since` and `before` cut it to the hits starting in a range. An edit,
a tempo change or a locate hands over at the frame being rendered: the old layer
keeps only the hits already started (they ring out), the new layer starts from the
same tick of the new program. So a change is heard from the next step on, ringing
sounds are never cut or doubled, and hits land exactly where the new timeline puts
them. The mixing is the offline renderer's (`mixer`), so playback and renders agree:
a track with effects has one `Strip` for all layers (its voices from every layer
go through it together, so filters, compressors and tails carry across edits), the
send buses and the master bus (`Master`) are the renderer's, and strips count frames
from the playing program's frame 0, as a render counts them.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field, replace

import numpy as np

from beatseq.engine.master import Master
from beatseq.engine.mixer import Bus, TrackRenderer
from beatseq.engine.program import Banks, Program, build_program
from beatseq.engine.protocol import Selection
from beatseq.engine.sends import Returns
from beatseq.engine.sounds import Bank, Shaped
from beatseq.engine.strip import Strip
from beatseq.engine.voices import TrackHits
from beatseq.model import Instrument, Song
from beatseq.model.effects import Effects

CLICK_HZ = (1760.0, 1320.0)
"""Metronome: the downbeat's pitch, then the other beats'."""
CLICK_LEVEL = 0.35
HISTORY_BLOCKS = 512
METER_FALL_DB_PER_SECOND = 24.0


@dataclass
class Layer:
    program: Program
    tracks: dict[str, TrackRenderer]
    offset: int
    """Output frame of the program's frame 0."""
    since: int | None = None
    before: int | None = None
    """Program frames: only hits starting in [since, before) play."""

    @property
    def period(self) -> int | None:
        return self.program.period


@dataclass(frozen=True)
class Position:
    """Where the transport is, for reports."""

    playing: bool
    tick: float
    bar: int
    beat: int
    step: int
    section: str | None
    selection: Selection | None
    section_tick: float | None = None


@dataclass
class Channel:
    """A track's mixer strip."""

    volume: float = 0.0
    """dB on top of the instrument's own gain."""
    pan: float | None = None
    """None: the instrument's pan."""
    mute: bool = False
    solo: bool = False
    fx: Effects | None = None
    """None: the instrument's effects."""


@dataclass
class _Block:
    start: int
    frames: int
    layer: Layer | None
    count_in: int = 0


@dataclass
class Player:
    sample_rate: int
    banks: Banks = field(init=False)
    master: Master = field(init=False)

    def __post_init__(self) -> None:
        self.banks = Banks(self.sample_rate)
        self.master = Master(self.sample_rate)
        self.strips: dict[str, Strip] = {}
        """Tracks with effects (kept once made: tails ring on after effects go)."""
        self.returns: Returns | None = None
        self.anchor = 0
        """Output frame of the playing program's frame 0: where strips count from."""
        self._lock = threading.RLock()
        self.frame = 0
        """Output frames rendered so far."""
        self.song: Song | None = None
        self.selection = Selection()
        self.program: Program | None = None
        self.current: Layer | None = None
        self.tails: list[tuple[Layer, int]] = []
        self.one_shots: list[tuple[TrackRenderer, int, int]] = []  # renderer, at, until
        self.pending: tuple[int, Program] | None = None
        self.position = 0.0  # tick to start from when stopped
        self.channels: dict[str, Channel] = {}
        self.metronome = False
        self.count_in_until = -1  # output frame where a count-in ends
        self.ended = False
        self._history: deque[_Block] = deque(maxlen=HISTORY_BLOCKS)
        self._clicks = [_click(hz, self.sample_rate) for hz in CLICK_HZ]
        self._meters: dict[str, float] = {}

    # commands ------------------------------------------------------------------------

    def load(self, song: Song, selection: Selection | None = None) -> None:
        """Play `song` (an edit of the one playing, or a new one) from the same tick."""
        selection = selection or self.selection
        program = build_program(song, selection, self.banks)
        with self._lock:
            same = selection == self.selection and self.song is not None
            self.song, self.selection = song, selection
            self._take(program, keep_tick=same)
            self._configure(program)

    def play(self, count_in: bool = False) -> None:
        with self._lock:
            if self.program is None or self.current is not None:
                return
            start = self.program.frame_at(self.position)
            lead = self._bar_frames(self.program) if count_in else 0
            if count_in:
                self.count_in_until = self.frame + lead
            self.current = self._layer(self.program, self.frame + lead - start, since=start)
            self.ended = False

    def stop(self) -> None:
        """Stop; what rings rings out. Play again starts where it stopped."""
        with self._lock:
            if self.current is not None:
                self.position = self._tick_now()
                self._retire(self.current)
                self.current = None
            self.pending = None
            self.count_in_until = -1

    def locate(self, bar: int) -> None:
        """Go to bar `bar` (1 is the first)."""
        with self._lock:
            if self.program is None:
                return
            tick = max(0, bar - 1) * self.program.timeline.bar_ticks
            self.position = float(min(tick, max(0, self.program.timeline.length - 1)))
            if self.current is not None:
                self._swap(self.program, self.position)

    def queue(self, selection: Selection) -> None:
        """Switch to `selection` at the next bar line (at once if stopped)."""
        if self.song is None:
            return
        program = build_program(self.song, selection, self.banks)
        with self._lock:
            self.selection = selection
            if self.current is None:
                self.program, self.position = program, 0.0
                return
            here = self.frame - self.current.offset
            switch = self.current.program.next_bar(here) + self.current.offset
            self.pending = (switch, program)

    def set_tempo(self, bpm: float) -> None:
        """A new tempo for the song (and the section playing, if it has its own)."""
        if self.song is None:
            return
        tick = self._tick_now()
        span = self.program.span_at(tick) if self.program is not None else None
        sections = tuple(
            replace(s, bpm=bpm) if span is not None and s.name == span.name and s.bpm else s
            for s in self.song.sections
        )
        self.load(replace(self.song, bpm=bpm, sections=sections))

    def set_channel(self, track: str, **changes: object) -> None:
        """Change a track's volume (dB), pan, mute, solo or effects; ramped over one block
        (a track with effects: over RAMP frames, its effects crossfaded)."""
        with self._lock:
            channel = self.channels.setdefault(track, Channel())
            for key, value in changes.items():
                setattr(channel, key, value)
            for layer in self._layers():
                self._apply_mix(layer)
            if self.program is not None:
                self._configure(self.program)

    def preview(self, track: str, velocity: int = 100) -> None:
        """Play one hit of `track` now."""
        if self.song is None or track not in self.song.kit:
            return
        instrument = self.song.kit[track]
        if not instrument.sounds:
            return
        self._one_shot(track, instrument, self._bus(track), velocity)

    def preview_file(self, path: str) -> None:
        """Play an audio file now (the sound browser's audition); raises BeatseqError."""
        instrument = Instrument(name="preview", sample=path, path=path)
        self._one_shot("preview", instrument, Bus(gain=10 ** (-6 / 20), pan=0.0), 100)

    def _one_shot(self, name: str, instrument: Instrument, bus: Bus, velocity: int) -> None:
        bank = self.banks.get(instrument)
        bank.data(0)  # load and shape it here, not in the audio's thread
        with self._lock:
            at = self.frame
            hits = _one_hit(name, at, instrument.velocity_level(velocity), bank)
            renderer = TrackRenderer(bank, hits, bus)
            renderer.metering = True
            self.one_shots.append((renderer, at, at + bank.frames(0)))

    # the audio side ------------------------------------------------------------------

    def render(self, frames: int) -> np.ndarray:
        """The next `frames` of output: float32 (2, frames), limited."""
        with self._lock:
            mix = np.zeros((2, frames), dtype=np.float32)
            at = 0
            while at < frames:
                stop = frames
                if self.pending is not None and self.pending[0] < self.frame + frames:
                    stop = max(at, self.pending[0] - self.frame)
                end = self._program_end()
                if end is not None and end < self.frame + stop:
                    stop = max(at, end - self.frame)
                if stop > at:
                    self._mix(mix[:, at:stop], self.frame + at)
                    self._history.append(_Block(self.frame + at, stop - at, self.current))
                    at = stop
                self._events(self.frame + at)
            self._meter(frames)
            self.frame += frames
            out, _ = self.master.process(mix)
            return out

    def levels(self) -> dict[str, float]:
        """Each track's meter: its recent peak (linear), falling at 24 dB a second; a
        track with effects is metered after them (and its fader, pan and ducking)."""
        with self._lock:
            return dict(self._meters)

    def _meter(self, frames: int) -> None:
        fall = 10 ** (-METER_FALL_DB_PER_SECOND * frames / self.sample_rate / 20)
        peaks: dict[str, float] = {}
        for layer in self._layers():
            for name, track in layer.tracks.items():
                peaks[name] = max(peaks.get(name, 0.0), track.peak)
                track.peak = 0.0
        for name, strip in self.strips.items():  # a track with effects: after them
            peaks[name] = strip.peak
            strip.peak = 0.0
        for renderer, _, _ in self.one_shots:
            name = renderer.hits.name
            peaks[name] = max(peaks.get(name, 0.0), renderer.peak)
            renderer.peak = 0.0
        names = set(self._meters) | set(peaks)
        self._meters = {
            name: level
            for name in names
            if (level := max(peaks.get(name, 0.0), self._meters.get(name, 0.0) * fall)) > 1e-4
        }

    def skip(self, frames: int) -> None:
        """Let `frames` of output go by without rendering them (after a dropout), so
        the transport stays in time with the audio."""
        with self._lock:
            while frames > 0:
                step = min(frames, 4096)
                self.render(step)
                frames -= step

    def where(self, frame: int) -> Position:
        """The transport at output frame `frame` (the limiter's latency taken off)."""
        with self._lock:
            frame -= self.master.latency
            block = next((b for b in reversed(self._history) if b.start <= frame), None)
            if block is None or frame >= block.start + block.frames:
                layer = self.current  # not rendered yet: as things stand now
            else:
                layer = block.layer
            if layer is None:
                tick = self.position
                playing = False
                program = self.program
            else:
                program = layer.program
                tick = (
                    program.tick_at(max(0, frame - layer.offset)) if frame >= layer.offset else -1.0
                )
                playing = True
            return _position(program, tick, playing, self.selection)

    # internals -----------------------------------------------------------------------

    def _mix(self, mix: np.ndarray, start: int) -> None:
        frames = mix.shape[1]
        dry = {
            name: np.zeros((strip.channels, frames), dtype=np.float32)
            for name, strip in self.strips.items()
        }
        for layer in self._layers():
            for name, track in layer.tracks.items():
                cut = {"period": layer.period, "since": layer.since, "before": layer.before}
                if name not in dry:
                    track.add_to(mix, start - layer.offset, **cut)
                    continue
                both = dry[name].shape[0] == 2 and track.bank.channels == 1
                gains = (1.0, 1.0) if both else None
                track.voices(dry[name], start - layer.offset, gains, **cut)
        if self.strips:
            sends = np.zeros((2, 2, frames), dtype=np.float32) if self.returns else None
            frame = start - self.anchor
            for name, strip in self.strips.items():
                onsets = {
                    key: self._onsets(key, frame - strip.reach, frame + frames)
                    for key in strip.followed()
                }
                strip.process(dry[name], frame, onsets, mix, sends)
            if self.returns is not None and sends is not None:
                mix += self.returns.process(sends)
        for renderer, at, _ in self.one_shots:
            renderer.add_to(mix, start - at)
        if self.metronome or start < self.count_in_until:
            self._metronome(mix, start)

    def _onsets(self, track: str, lo: int, hi: int) -> np.ndarray:
        """Where `track`'s hits start in [lo, hi), in frames counted from `anchor`."""
        found = [np.zeros(0, dtype=np.int64)]
        for layer in self._layers():
            renderer = layer.tracks.get(track)
            if renderer is None:
                continue
            shift = layer.offset - self.anchor
            hits = renderer.onsets(
                lo - shift, hi - shift, period=layer.period, since=layer.since, before=layer.before
            )
            found.append(hits + shift)
        return np.concatenate(found)

    def _configure(self, program: Program) -> None:
        """Strips, send buses and the master bus as the song and the channels say."""
        song = program.song
        assert self.song is not None
        for name in song.kit.names:
            fx = self._fx(name)
            strip = self.strips.get(name)
            bank = program.banks.get(name)
            if strip is None and not fx.active:
                continue
            channels = max(bank.channels if bank is not None else 1, strip.channels if strip else 1)
            if strip is None or strip.channels != channels:
                strip = Strip(fx, self._bus(name, song), channels, self.sample_rate)
                strip.metering = True
                self.strips[name] = strip
            else:
                strip.update(fx, self._bus(name, song))
        if self.returns is None and any(s.sends for s in self.strips.values()):
            self.returns = Returns(self.song.mix, self.song.bpm, self.sample_rate)
        if self.returns is not None:
            self.returns.update(self.song.mix, self.song.bpm)
            strips = self.strips.values()
            self.returns.need(
                reverb=any(s.fx.reverb is not None for s in strips),
                delay=any(s.fx.delay is not None for s in strips),
            )
        sounding = self.current is not None or bool(self.tails)
        self.master.update(self.song.gain, self.song.mix.glue, glide=sounding)

    def _fx(self, track: str) -> Effects:
        assert self.song is not None
        channel = self.channels.get(track)
        if channel is not None and channel.fx is not None:
            return channel.fx
        instrument = self.song.kit.get(track)
        return instrument.fx if instrument is not None else Effects()

    def _events(self, frame: int) -> None:
        """What happens at output frame `frame`: a queued switch, the program's end."""
        if self.pending is not None and self.pending[0] <= frame:
            _, program = self.pending
            self.pending = None
            if self.current is not None:
                self._retire(self.current, at=frame)
            self.program = program
            self.current = self._layer(program, frame, since=0)
        end = self._program_end()
        if end is not None and end <= frame and self.current is not None:
            self._retire(self.current, at=frame)
            self.current = None
            self.position = 0.0
            self.ended = True
        keep = self.frame
        self.tails = [(layer, until) for layer, until in self.tails if until > keep]
        self.one_shots = [s for s in self.one_shots if s[2] > keep]

    def _program_end(self) -> int | None:
        layer = self.current
        if layer is None or layer.period is not None:
            return None
        return layer.offset + layer.program.length

    def _take(self, program: Program, keep_tick: bool) -> None:
        old = self.program
        self.program = program
        if self.current is None:
            if old is None or not keep_tick:
                self.position = 0.0
            self.position = min(self.position, float(max(0, program.timeline.length - 1)))
            return
        self._swap(program, self._tick_now() if keep_tick else 0.0)

    def _swap(self, program: Program, tick: float) -> None:
        """Hand over to `program` at the frame being rendered, from `tick`."""
        assert self.current is not None
        self._retire(self.current, at=self.frame)
        start = program.frame_at(tick)
        self.current = self._layer(program, self.frame - start, since=start)
        self.program = program

    def _retire(self, layer: Layer, at: int | None = None) -> None:
        """Keep only what `layer` has started by output frame `at`: it rings out."""
        at = self.frame if at is None else at
        layer.before = at - layer.offset
        self.tails.append((layer, at + layer.program.longest + 1))

    def _layer(self, program: Program, offset: int, since: int | None = None) -> Layer:
        """A new current layer (strips count frames from its program's frame 0)."""
        self.anchor = offset
        tracks = {
            name: TrackRenderer(program.banks[name], hits, self._bus(name, program.song))
            for name, hits in program.hits.items()
        }
        for track in tracks.values():
            track.metering = True
        return Layer(program, tracks, offset, since=since)

    def _layers(self) -> list[Layer]:
        layers = [layer for layer, _ in self.tails]
        if self.current is not None:
            layers.append(self.current)
        return layers

    def _bus(self, track: str, song: Song | None = None) -> Bus:
        song = song or self.song
        assert song is not None
        instrument = song.kit[track]
        channel = self.channels.get(track, Channel())
        soloing = any(c.solo for c in self.channels.values()) or any(
            i.solo for i in song.kit.instruments
        )
        soloed = channel.solo or instrument.solo
        silent = channel.mute or instrument.mute or (soloing and not soloed)
        gain = 0.0 if silent else 10 ** ((instrument.gain + channel.volume) / 20)
        return Bus(gain=gain, pan=instrument.pan if channel.pan is None else channel.pan)

    def _apply_mix(self, layer: Layer) -> None:
        for name, track in layer.tracks.items():
            track.set_bus(self._bus(name, layer.program.song))
        for name, strip in self.strips.items():
            if self.song is not None and name in self.song.kit:
                strip.update(self._fx(name), self._bus(name))

    def _tick_now(self) -> float:
        layer = self.current
        if layer is None:
            return self.position
        return layer.program.tick_at(max(0, self.frame - layer.offset))

    def _bar_frames(self, program: Program) -> int:
        bpm = float(program.timeline.tempo.bpm_at(0))
        beats = program.timeline.bar_ticks / 960
        return round(beats * 60 / bpm * self.sample_rate)

    def _metronome(self, mix: np.ndarray, start: int) -> None:
        """Clicks on the beats of the program playing (and of the count-in bar)."""
        layer = self.current
        if layer is None:
            return
        program = layer.program
        timeline = program.timeline
        num, den = timeline.time_signature
        beat = 4 * 960 // den
        rate = self.sample_rate
        bpm = float(timeline.tempo.bpm_at(0))
        end = start + mix.shape[1]
        first = start - layer.offset
        last = end - layer.offset
        clicks: list[tuple[int, int]] = []
        if first < 0:  # the count-in bar, at the tempo the song starts with
            frames_per_beat = 60 / bpm * rate * beat / 960
            for k in range(-num, 0):
                frame = round(k * frames_per_beat)
                clicks.append((frame, 0 if k == -num else 1))
        if last > 0 and self.metronome:
            period = layer.period
            base = (max(first, 0) // period) * period if period else 0
            while True:
                lo, hi = max(first, 0) - base, last - base
                tick = math.ceil(program.tick_at(max(lo, 0)) / beat - 1e-9) * beat
                while tick < timeline.length:
                    frame = program.frame_at(tick)
                    if frame >= hi:
                        break
                    if frame >= lo:
                        clicks.append((base + frame, 0 if tick % timeline.bar_ticks == 0 else 1))
                    tick += beat
                if not period or base + period >= last:
                    break
                base += period
        for frame, kind in clicks:
            sound = self._clicks[kind]
            out_at = frame + layer.offset - start
            a, b = max(out_at, 0), min(out_at + sound.shape[0], mix.shape[1])
            if b > a:
                mix[:, a:b] += sound[a - out_at : b - out_at]


def _position(
    program: Program | None, tick: float, playing: bool, selection: Selection | None
) -> Position:
    if program is None:
        return Position(playing, 0.0, 1, 1, 1, None, selection)
    timeline = program.timeline
    beat_ticks = 4 * 960 // timeline.time_signature[1]
    whole = max(0.0, tick)
    span = program.span_at(whole)
    bar = int(whole // timeline.bar_ticks)
    in_bar = whole - bar * timeline.bar_ticks
    beat = int(in_bar // beat_ticks)
    step = int((in_bar - beat * beat_ticks) // 240)
    section_tick = whole - span.start if span is not None and playing else None
    return Position(
        playing,
        tick,
        bar + 1,
        beat + 1,
        step + 1,
        span.name if span else None,
        selection,
        section_tick,
    )


def _click(frequency: float, rate: int) -> np.ndarray:
    t = np.arange(int(0.03 * rate)) / rate
    tone = np.sin(2 * np.pi * frequency * t) * np.exp(-t * 150) * CLICK_LEVEL
    return tone.astype(np.float32)


def _one_hit(name: str, at: int, level: float, bank: Bank) -> TrackHits:
    frames = bank.frames(0)
    return TrackHits(
        name=name,
        starts=np.array([0], dtype=np.int64),
        levels=np.array([level], dtype=np.float32),
        pitches=np.array([0], dtype=np.int64),
        stops=np.array([frames], dtype=np.int64),
        cut=np.array([False]),
        longest=frames,
    )


__all__ = ["Channel", "Player", "Position", "Selection", "Shaped"]
