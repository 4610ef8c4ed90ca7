"""The UI's line to the live engine: start it in the background, send, poll.

`AudioLink` starts the engine without holding up the first screen, trying JACK, then
PortAudio, then (with no audio at all) pyo's manual server driven from the UI's clock,
so the playhead still runs and everything but hearing works. Commands sent before the
engine is up wait in a queue. The UI polls `latest()` for the newest Status.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing import resource_tracker

from beatseq.engine import protocol as p
from beatseq.engine.client import EngineClient
from beatseq.errors import BeatseqError

MANUAL_BUFFER = 512


def ready_to_spawn() -> None:
    """Make starting a process (the engine, a render) work under Textual.

    Spawning needs multiprocessing's resource tracker, which is started with
    sys.stderr's file descriptor; Textual swaps sys.stderr for a capture without one
    (fileno -1, "bad value(s) in fds_to_keep"), so start it with the real stderr.
    """
    captured, sys.stderr = sys.stderr, sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = captured


@dataclass
class LinkState:
    kind: str = "starting"
    """starting, jack, portaudio, silent (no audio device: nothing is heard), failed,
    or off (no engine at all: editing only)."""
    message: str = "starting audio..."
    sample_rate: int = 44100


class AudioLink:
    def __init__(self, choices: tuple[p.Audio, ...] | None = ("jack", "portaudio")):
        """`choices`: the backends to try, in order, before the silent one; None for no
        engine at all."""
        self.choices = choices
        self.state = LinkState() if choices is not None else LinkState("off", "audio off")
        self.client: EngineClient | None = None
        self._pending: list[p.Command] = []
        self._lock = threading.Lock()
        self._status: p.Status | None = None
        self._problems: list[str] = []
        self._clock = time.monotonic()
        self._advanced = 0.0
        self._closed = False

    def start(self) -> None:
        if self.choices is None:
            return
        ready_to_spawn()
        threading.Thread(target=self._start, name="audio-start", daemon=True).start()

    def _start(self) -> None:
        try:
            self._connect()
        except Exception as err:  # the thread must never die leaving "starting..."
            self.state = LinkState("failed", f"no audio engine: {err}")

    def _connect(self) -> None:
        reasons = []
        for audio in (*(self.choices or ()), "manual"):
            client = EngineClient(
                p.EngineOptions(
                    audio=audio, buffer_size=MANUAL_BUFFER if audio == "manual" else 256
                )
            )
            try:
                ready = client.start()
            except BeatseqError as err:
                reasons.append(err.detail)
                continue
            with self._lock:
                if self._closed:  # the UI went while the engine started
                    client.close(timeout=3)
                    return
                self.client = client
                self._clock = time.monotonic()
                if audio == "manual":
                    self.state = LinkState(
                        "silent",
                        "no audio device: " + reasons[0] if reasons else "no audio",
                        ready.sample_rate,
                    )
                else:
                    self.state = LinkState(
                        audio, f"{ready.device} {ready.sample_rate} Hz", ready.sample_rate
                    )
                pending, self._pending = self._pending, []
            for command in pending:
                self.send(command)
            return
        self.state = LinkState("failed", "no audio engine: " + "; ".join(reasons))

    def send(self, command: p.Command) -> None:
        with self._lock:
            client = self.client
            if client is None:
                if self.state.kind not in ("failed", "off"):
                    self._pending.append(command)
                return
        try:
            client.send(command)
        except BeatseqError as err:
            self._problems.append(err.detail)

    def poll(self) -> p.Status | None:
        """Read what the engine reported; in silent mode, move its clock on first."""
        client = self.client
        if client is None:
            return None
        if self.state.kind == "silent":
            now = time.monotonic()
            due = (now - self._clock) * self.state.sample_rate / MANUAL_BUFFER
            buffers = int(due - self._advanced)
            if buffers > 0:
                self._advanced += buffers
                self.send(p.Advance(min(buffers, 64)))
        for report in client.reports():
            if isinstance(report, p.Status):
                self._status = report
            elif isinstance(report, p.Problem):
                self._problems.append(report.message)
                if report.fatal:
                    self.state = LinkState("failed", report.message)
        return self._status

    def problems(self) -> list[str]:
        found, self._problems = self._problems, []
        return found

    def close(self) -> None:
        """Stop the engine (a second call does nothing; an engine still starting stops
        as soon as it is up)."""
        with self._lock:
            self._closed = True
            client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close(timeout=3)
