"""The live engine: its own process, rendering the Player's audio for an audio host.

The engine process holds the Player and does all the Python work: a render thread
keeps the host's ring `LEAD_FRAMES` ahead of what has played, the main thread takes
commands from the pipe (compiling edits there), sends a Status 30 times a second and
watches the audio. The audio itself is played by a host (`beatseq.engine.host`): for
JACK and PortAudio a process of its own, so that no Python work here ever delays
pyo's real-time thread; for pyo's manual server (tests), pyo in this process.

Every hit lands on its exact frame (the Player's frames are the output's frames), and
what plays is what `beatseq render` writes. Changes are heard after the lead (about
46 ms) plus the limiter's 5 ms. If rendering ever falls behind, the frames it missed
count as dropouts (reported with the xruns) and playback stays in time. A JACK server
that goes away, or audio that stops moving, ends the engine with a Problem, not a hang.

Running the engine apart from the client keeps it away from the client's GIL too: a
Textual UI in the same process as pyo caused dozens of xruns per 10 s.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import threading
import time
import traceback
from multiprocessing.connection import Connection

import numpy as np

from beatseq.engine import protocol as p
from beatseq.engine.dsp import one_blas_thread
from beatseq.engine.host import InlineHost, RemoteHost
from beatseq.engine.player import Player
from beatseq.errors import BeatseqError
from beatseq.formats.audio import AudioWriter

LEAD_FRAMES = 2048
"""How far ahead of the audio the render thread keeps the ring."""
RENDER_BLOCK = 1024
PUMP_SECONDS = 0.005
"""How often the render thread tops the ring up (well inside the lead)."""
STATUS_SECONDS = 1 / 30
WATCHDOG_SECONDS = 1.0
LOAD_SECONDS = 2.0
"""Window over which the reported DSP load is measured."""


def run_engine(connection: Connection, options: p.EngineOptions) -> None:
    """The engine process's entry point."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the client's: it stops us
    one_blas_thread()  # for the process's life: no spinning BLAS threads near the audio
    engine = Engine(connection, options)
    try:
        engine.run()
    except BeatseqError as err:
        engine.report(p.Problem(str(err), fatal=True))
    except Exception:  # a bug: say what, where, and stop cleanly
        engine.report(p.Problem("engine error:\n" + traceback.format_exc(), fatal=True))
    finally:
        engine.close()
        engine.report(p.Finished())


class Engine:
    def __init__(self, connection: Connection, options: p.EngineOptions):
        self.connection = connection
        self.options = options
        self.manual = options.audio == "manual"
        self.host: InlineHost | RemoteHost | None = None
        self.player: Player | None = None
        self.played = 0
        self.written = 0
        self.dropouts = 0
        self._busy: list[tuple[float, float]] = []  # (when, seconds rendering)
        self.last_moved = time.monotonic()
        self.recorder: Recorder | None = None
        self.running = True
        self._lock = threading.Lock()

    def run(self) -> None:
        host = self.host = InlineHost(self.options) if self.manual else RemoteHost(self.options)
        self.player = Player(host.ready.sample_rate)
        self._fill(self._lead())  # the ring is ahead before the first frame plays
        if not self.manual:
            threading.Thread(target=self._render_loop, name="render", daemon=True).start()
        self.report(host.ready)
        self._loop()

    # rendering -----------------------------------------------------------------------

    def _render_loop(self) -> None:
        while self.running:
            self._pump()
            time.sleep(PUMP_SECONDS)

    def _lead(self) -> int:
        assert self.host is not None
        return self.host.ready.buffer_size if self.manual else LEAD_FRAMES

    def _pump(self) -> None:
        """Catch up with what has played and fill the ring `lead` frames ahead."""
        assert self.host is not None and self.player is not None
        with self._lock:
            played = self.host.played()
            if played != self.played:
                self.last_moved = time.monotonic()
            self.played = played
            if self.written < played:  # fell behind: those frames played stale
                self.dropouts += played - self.written
                self.player.skip(played - self.written)
                self.written = played
            start = time.perf_counter()
            self._fill(played + self._lead())
            now = time.perf_counter()
            if now > start:
                self._busy.append((now, now - start))

    def _fill(self, until: int) -> None:
        assert self.host is not None and self.player is not None
        while self.written < until:
            block = self.player.render(RENDER_BLOCK)
            self.host.write(self.written, block)
            if self.recorder is not None:
                self.recorder.add(block)
            self.written += RENDER_BLOCK

    # commands ------------------------------------------------------------------------

    def _loop(self) -> None:
        next_status = time.monotonic()
        while self.running:
            timeout = max(0.0, next_status - time.monotonic())
            if self.connection.poll(timeout):
                try:
                    command = self.connection.recv()
                except (EOFError, OSError):
                    return  # the client is gone
                self._handle(command)
            assert self.host is not None
            lost = self.host.lost()
            if lost is not None:
                raise BeatseqError(lost)
            now = time.monotonic()
            if not self.manual and now - self.last_moved > WATCHDOG_SECONDS:
                raise BeatseqError(
                    "the audio stopped: no buffer for over a second"
                    " (is the audio server still running?)"
                )
            if now >= next_status:
                self.report(self.status())
                next_status = now + STATUS_SECONDS

    def _handle(self, command: p.Command) -> None:
        player = self.player
        assert player is not None
        try:
            match command:
                case p.Load(song, selection):
                    player.load(song, selection)
                case p.Play(count_in):
                    player.play(count_in)
                case p.Stop():
                    player.stop()
                case p.Locate(bar):
                    player.locate(bar)
                case p.Queue(selection):
                    player.queue(selection)
                case p.SetTempo(bpm):
                    player.set_tempo(bpm)
                case p.SetChannel(track, volume, pan, mute, solo, fx):
                    changes = {"volume": volume, "pan": pan, "mute": mute, "solo": solo, "fx": fx}
                    player.set_channel(track, **{k: v for k, v in changes.items() if v is not None})
                case p.SetMetronome(on):
                    player.metronome = on
                case p.Preview(track, velocity):
                    player.preview(track, velocity)
                case p.PreviewFile(path):
                    player.preview_file(path)
                case p.Record(path):
                    self._record(path)
                case p.Advance(buffers):
                    self._advance(buffers)
                case p.Shutdown():
                    self.running = False
                case _:
                    self.report(p.Problem(f"unknown command {command!r}"))
        except BeatseqError as err:
            self.report(p.Problem(str(err)))

    def _advance(self, buffers: int) -> None:
        assert self.host is not None
        for _ in range(buffers):
            self._pump()
            self.host.process()
        self._pump()
        self.report(self.status())

    def _record(self, path: str | None) -> None:
        with self._lock:
            if self.recorder is not None:
                recorder, self.recorder = self.recorder, None
                recorder.close()
            if path is not None:
                assert self.host is not None
                self.recorder = Recorder(path, self.host.ready.sample_rate)

    # reports -------------------------------------------------------------------------

    def status(self) -> p.Status:
        assert self.host is not None and self.player is not None
        where = self.player.where(self.played)
        size = self.host.ready.buffer_size
        return p.Status(
            playing=where.playing,
            bar=where.bar,
            beat=where.beat,
            step=where.step,
            tick=where.tick,
            section=where.section,
            section_tick=where.section_tick,
            selection=where.selection,
            ended=self.player.ended,
            frames=self.played,
            xruns=self.host.xruns() + -(-self.dropouts // size),
            dsp_load=self._load(),
            recording=self.recorder.path if self.recorder is not None else None,
            levels=tuple(sorted(self.player.levels().items())),
            late=-(-self.dropouts // size),
        )

    def _load(self) -> float:
        """Share of real time spent rendering, over the last LOAD_SECONDS."""
        now = time.perf_counter()
        self._busy = [(when, busy) for when, busy in self._busy if now - when < LOAD_SECONDS]
        return sum(busy for _, busy in self._busy) / LOAD_SECONDS

    def report(self, message: p.Report) -> None:
        with contextlib.suppress(OSError, EOFError, BrokenPipeError):
            self.connection.send(message)

    def close(self) -> None:
        self.running = False
        if self.recorder is not None:
            self.recorder.close()
            self.recorder = None
        if self.host is not None:
            with self._lock:
                self.host.close()


class Recorder:
    """Writes what was played to a WAV file on its own thread."""

    def __init__(self, path: str, sample_rate: int):
        self.path = path
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue()
        self._writer = AudioWriter(path, sample_rate, bit_depth="32f")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def add(self, block: np.ndarray) -> None:
        self._queue.put(block.T.copy())

    def _run(self) -> None:
        while (block := self._queue.get()) is not None:
            self._writer.write(block)
        self._writer.close()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)
