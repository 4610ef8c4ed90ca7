"""The audio host: pyo playing a ring of finished audio, and nothing else.

The engine renders; the host plays. pyo's real-time thread takes the GIL for every
buffer, so any other Python work in its process delays it (measured here: a busy
render thread in the same process as pyo caused 80 xruns a minute where a bare pyo
client caused 3). So for real-time audio the host is a process of its own whose only
Python work is a thread that copies finished frames from a shared-memory ring into
pyo's table every couple of milliseconds, and publishes how far pyo has played.

Two kinds share one interface:
- `RemoteHost` (JACK, PortAudio): the host process, reached through shared memory;
- `InlineHost` (pyo's manual server): pyo in the engine's own process, driven buffer by
  buffer, deterministic, for tests.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import time
from multiprocessing import shared_memory
from typing import Any

import numpy as np

from beatseq.engine.backends import Opened, open_server
from beatseq.engine.protocol import EngineOptions, Ready
from beatseq.errors import BeatseqError

RING_FRAMES = 1 << 15
COPY_SECONDS = 0.002
START_SECONDS = 20.0

# control words in shared memory (int64)
PLAYED, WRITTEN, XRUNS, STATE, RATE, SIZE = range(6)
STARTING, RUNNING, LOST, DONE = range(4)
CONTROL_WORDS = 8
MESSAGE_BYTES = 512


class PyoRing:
    """pyo reading a stereo table at a sample counter; in whichever process pyo runs."""

    def __init__(self, opened: Opened):
        import pyo

        self.opened = opened
        self.table = pyo.DataTable(size=RING_FRAMES, chnls=2)
        self.buffers = [np.asarray(self.table.getBuffer(c)) for c in range(2)]
        self.trigger = pyo.Trig()
        # pyo's Count reaches `max` before it wraps (measured): 0 .. RING_FRAMES - 1
        self.counter = pyo.Count(self.trigger, min=0, max=RING_FRAMES - 1)
        self.output = pyo.TableIndex(self.table, self.counter).out()
        self._last = -1
        self.played = 0

    def start(self) -> None:
        self.opened.server.start()
        self.trigger.play()

    def advance(self) -> int:
        """Frames played so far: the counter (the frame being read), unwrapped, plus 1."""
        count = int(self.counter.get())
        self.played += (count - self._last) % RING_FRAMES
        self._last = count
        return self.played

    def put(self, start: int, block: np.ndarray) -> None:
        """Write (2, n) frames into the ring at frame `start` (taken modulo the ring)."""
        at = start % RING_FRAMES
        first = min(block.shape[1], RING_FRAMES - at)
        for channel in range(2):
            self.buffers[channel][at : at + first] = block[channel, :first]
            self.buffers[channel][: block.shape[1] - first] = block[channel, first:]

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.opened.server.stop()
        with contextlib.suppress(Exception):
            self.opened.server.shutdown()
        monitor = self.opened.monitor
        if monitor is not None:
            with contextlib.suppress(Exception):
                monitor.deactivate()
                monitor.close()


class InlineHost:
    """pyo's manual server in this process: time moves only when `process` is called."""

    def __init__(self, options: EngineOptions):
        self.options = options
        opened = open_server(options)
        self.ring = PyoRing(opened)
        self.ready = Ready(options.audio, opened.device, opened.sample_rate, opened.buffer_size)
        server = opened.server
        if options.capture:
            server.recordOptions(filename=options.capture, fileformat=0, sampletype=3)
        self.ring.start()
        if options.capture:
            server.recstart()

    def played(self) -> int:
        return self.ring.advance()

    def write(self, start: int, block: np.ndarray) -> None:
        self.ring.put(start, block)

    def xruns(self) -> int:
        return 0

    def lost(self) -> str | None:
        return None

    def process(self) -> None:
        self.ring.opened.server.process()

    def close(self) -> None:
        if self.options.capture:
            with contextlib.suppress(Exception):
                self.ring.opened.server.recstop()
        self.ring.stop()


class RemoteHost:
    """The host process for real-time audio, reached through shared memory."""

    def __init__(self, options: EngineOptions):
        self._control = shared_memory.SharedMemory(
            create=True, size=CONTROL_WORDS * 8 + MESSAGE_BYTES
        )
        self._audio = shared_memory.SharedMemory(create=True, size=2 * RING_FRAMES * 4)
        self.control = np.ndarray((CONTROL_WORDS,), np.int64, self._control.buf)
        self.control[:] = 0
        self.audio = np.ndarray((2, RING_FRAMES), np.float32, self._audio.buf)
        self.audio[:] = 0.0
        context = multiprocessing.get_context("spawn")
        self._child = context.Process(
            target=run_host,
            args=(options, self._control.name, self._audio.name),
            name="beatseq-audio",
            daemon=True,
        )
        self._child.start()
        deadline = time.monotonic() + START_SECONDS
        while self.control[STATE] == STARTING:
            if not self._child.is_alive() or time.monotonic() > deadline:
                problem = self._message() or "the audio host did not start"
                self.close()
                raise BeatseqError(problem)
            time.sleep(0.01)
        if self.control[STATE] != RUNNING:
            problem = self._message() or "the audio host did not start"
            self.close()
            raise BeatseqError(problem)
        self.ready = Ready(
            options.audio,
            self._message() or options.audio,
            int(self.control[RATE]),
            int(self.control[SIZE]),
        )

    def played(self) -> int:
        return int(self.control[PLAYED])

    def write(self, start: int, block: np.ndarray) -> None:
        at = start % RING_FRAMES
        first = min(block.shape[1], RING_FRAMES - at)
        self.audio[:, at : at + first] = block[:, :first]
        self.audio[:, : block.shape[1] - first] = block[:, first:]
        self.control[WRITTEN] = start + block.shape[1]

    def xruns(self) -> int:
        return int(self.control[XRUNS])

    def lost(self) -> str | None:
        if self.control[STATE] == LOST:
            return self._message() or "the audio host stopped"
        if not self._child.is_alive() and self.control[STATE] != DONE:
            return f"the audio host stopped (exit code {self._child.exitcode})"
        return None

    def process(self) -> None:
        raise BeatseqError("Advance works with --audio manual only")

    def _message(self) -> str:
        buffer = self._control.buf
        assert buffer is not None
        raw = bytes(buffer[CONTROL_WORDS * 8 :]).split(b"\0", 1)[0]
        return raw.decode("utf-8", "replace")

    def close(self) -> None:
        if self._child.is_alive():
            self.control[STATE] = DONE
            self._child.join(timeout=5)
            if self._child.is_alive():
                self._child.kill()
                self._child.join(timeout=5)
        for memory in (self._control, self._audio):
            with contextlib.suppress(Exception):
                memory.close()
            with contextlib.suppress(Exception):
                memory.unlink()


def run_host(options: EngineOptions, control_name: str, audio_name: str) -> None:
    """The host process: start pyo, then copy frames in and counts out until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Attaching registers the memory with the resource tracker that this process shares
    # with the engine (spawned children inherit it); the engine unlinks it.
    control_memory = shared_memory.SharedMemory(name=control_name)
    audio_memory = shared_memory.SharedMemory(name=audio_name)
    control = np.ndarray((CONTROL_WORDS,), np.int64, control_memory.buf)
    audio = np.ndarray((2, RING_FRAMES), np.float32, audio_memory.buf)

    def say(text: str) -> None:
        data = text.encode("utf-8")[: MESSAGE_BYTES - 1] + b"\0"
        buffer = control_memory.buf
        assert buffer is not None
        buffer[CONTROL_WORDS * 8 : CONTROL_WORDS * 8 + len(data)] = data

    ring = None
    try:
        opened = open_server(options)
        ring = PyoRing(opened)
        if opened.monitor is not None:
            _watch(opened.monitor, control, say, options.connect)
        control[RATE], control[SIZE] = opened.sample_rate, opened.buffer_size
        say(opened.device)
        ring.start()
        control[STATE] = RUNNING
        copied = 0
        parent = os.getppid()
        while control[STATE] == RUNNING and os.getppid() == parent:
            written = int(control[WRITTEN])
            if written > copied:
                frames = min(written - copied, RING_FRAMES)
                start = written - frames
                at = start % RING_FRAMES
                first = min(frames, RING_FRAMES - at)
                for channel in range(2):
                    ring.buffers[channel][at : at + first] = audio[channel, at : at + first]
                    ring.buffers[channel][: frames - first] = audio[channel, : frames - first]
                copied = written
            control[PLAYED] = ring.advance()
            time.sleep(COPY_SECONDS)
    except BeatseqError as err:
        say(str(err))
        control[STATE] = LOST
    except Exception as err:  # a bug: report it rather than vanish
        say(f"audio host error: {err!r}")
        control[STATE] = LOST
    finally:
        if ring is not None:
            ring.stop()
        with contextlib.suppress(Exception):
            del control, audio
            control_memory.close()
            audio_memory.close()
        sys.exit(0)


def _watch(monitor: Any, control: np.ndarray, say: Any, connect: bool) -> None:
    def xrun(delay: float) -> None:
        control[XRUNS] += 1

    def shutdown(status: Any, reason: str) -> None:
        say(f"the JACK server went away ({reason.strip() or 'no reason given'})")
        control[STATE] = LOST

    monitor.set_xrun_callback(xrun)
    monitor.set_shutdown_callback(shutdown)
    monitor.activate()
    if connect:
        playback = monitor.get_ports(is_physical=True, is_input=True, is_audio=True)
        for ours, theirs in zip(("beatseq:output_1", "beatseq:output_2"), playback, strict=False):
            with contextlib.suppress(Exception):
                monitor.connect(ours, theirs)
