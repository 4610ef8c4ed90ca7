"""The client side of the live engine: start its process, send commands, read reports.

    with EngineClient(EngineOptions(audio="jack")) as engine:
        engine.send(Load(song))
        engine.send(Play())
        status = engine.wait_for(lambda r: isinstance(r, Status) and r.ended, timeout=60)

The engine runs in a spawned process (never forked: the client may have threads, such
as a UI's). If it cannot start, or stops with a fatal Problem, the client raises a
BeatseqError with the engine's one-line message.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from beatseq.engine import protocol as p
from beatseq.errors import BeatseqError

START_SECONDS = 30.0


class EngineClient:
    def __init__(self, options: p.EngineOptions):
        self.options = options
        self.ready: p.Ready | None = None
        self.status: p.Status | None = None
        self.problems: list[p.Problem] = []
        self.finished = False
        self._process: Any = None
        self._connection: Any = None

    def start(self, timeout: float = START_SECONDS) -> p.Ready:
        from beatseq.engine.live import run_engine

        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        self._connection = ours
        # not a daemon: the engine starts an audio host process of its own. It ends by
        # itself when the pipe to this client closes.
        self._process = context.Process(
            target=run_engine, args=(theirs, self.options), name="beatseq-engine", daemon=False
        )
        self._process.start()
        theirs.close()
        try:
            report = self.wait_for(lambda r: isinstance(r, p.Ready), timeout)
        except BeatseqError:
            self.close()
            raise
        assert isinstance(report, p.Ready)
        return report

    def send(self, command: p.Command) -> None:
        if self.finished or self._connection is None:
            raise BeatseqError("the audio engine is not running")
        try:
            self._connection.send(command)
        except (OSError, BrokenPipeError):
            self.finished = True
            raise BeatseqError("the audio engine has stopped") from None

    def reports(self, timeout: float = 0.0) -> list[p.Report]:
        """Every report waiting (or the first to arrive within `timeout` seconds)."""
        found: list[p.Report] = []
        connection = self._connection
        if connection is None:
            return found
        wait = timeout
        while True:
            try:
                if not connection.poll(wait):
                    break
                report = connection.recv()
            except (EOFError, OSError):
                self.finished = True
                break
            wait = 0.0
            self._note(report)
            found.append(report)
        return found

    def wait_for(self, wanted: Callable[[p.Report], bool], timeout: float) -> p.Report:
        """Read reports until one is `wanted`; a fatal Problem raises it."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BeatseqError(f"the audio engine did not answer within {timeout:g} s")
            for report in self.reports(min(left, 0.1)):
                if isinstance(report, p.Problem) and report.fatal:
                    raise BeatseqError(report.message)
                if wanted(report):
                    return report
            if self.finished or (
                self._process is not None
                and not self._process.is_alive()
                and not self._connection.poll()
            ):
                code = self._process.exitcode if self._process is not None else None
                raise BeatseqError(f"the audio engine stopped (exit code {code})")

    def _note(self, report: p.Report) -> None:
        if isinstance(report, p.Ready):
            self.ready = report
        elif isinstance(report, p.Status):
            self.status = report
        elif isinstance(report, p.Problem):
            self.problems.append(report)
        elif isinstance(report, p.Finished):
            self.finished = True

    def close(self, timeout: float = 10.0) -> None:
        """Shut the engine down and wait for its process (killed if it will not go)."""
        if self._process is None:
            return
        if not self.finished:
            try:
                self._connection.send(p.Shutdown())
                self.wait_for(lambda r: isinstance(r, p.Finished), timeout)
            except (BeatseqError, OSError):
                pass
        self._process.join(timeout=timeout)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=5)
        self._connection.close()
        self._process = None

    def __enter__(self) -> EngineClient:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
