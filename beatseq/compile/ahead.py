"""Compiling a song in a forked child while the command line imports the audio engine.

`beatseq render` spends its first tenth of a second importing numpy and the engine,
on one core, before it can compile the song on that same core. The compiler needs
neither, so `compile_ahead` forks a child that compiles the song on the other core
meanwhile and sends the timeline back through a pipe: its events as plain tuples,
which `timeline.new_event` turns back into events three times as fast as unpickling
frozen events. What the caller gets is a function that returns the timeline (waiting
for the child if it is not done yet).

The fork is only taken where it is safe and can help: a platform with fork, no other
thread running (forking a threaded process can deadlock the child) and numpy not yet
imported (then there is nothing to overlap). Otherwise, and if the child dies, the
song is compiled in this process, as it would be without this module; so is a song
the compiler refuses, which then raises its BeatseqError here. Nothing here imports
numpy.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable
from dataclasses import fields, replace

from beatseq.compile.compiler import compile_song
from beatseq.compile.timeline import Event, Timeline, new_event
from beatseq.errors import BeatseqError
from beatseq.model import Song

FIELDS = tuple(f.name for f in fields(Event))


def compile_ahead(song: Song, sample_rate: int) -> Callable[[], Timeline]:
    """`compile_song(song, sample_rate)`, started now in a child where that helps; call
    the result for the timeline."""
    if not _can_fork():
        return lambda: compile_song(song, sample_rate)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compile, send, and leave without running any cleanup
        code = 1
        try:
            os.close(read)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(pickle.dumps(_compiled(song, sample_rate), protocol=5))
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    return lambda: _received(read, pid, song, sample_rate)


def _can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1 and "numpy" not in sys.modules


def _compiled(song: Song, sample_rate: int) -> tuple[Timeline, list[tuple[object, ...]]] | None:
    """What the child sends: the timeline without its events and each event as a tuple
    of its fields, or None if the compiler refused the song."""
    try:
        timeline = compile_song(song, sample_rate)
    except BeatseqError:
        return None  # the parent compiles it again, and raises the error itself
    rows = [tuple(getattr(event, name) for name in FIELDS) for event in timeline.events]
    return (replace(timeline, events=()), rows)


def _received(read: int, pid: int, song: Song, sample_rate: int) -> Timeline:
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    sent = pickle.loads(data) if status == 0 and data else None
    if sent is None:  # refused, or the child died: here, as without a child
        return compile_song(song, sample_rate)
    bare, rows = sent
    timeline: Timeline = replace(bare, events=tuple(new_event(*row) for row in rows))
    return timeline
