"""`compile.ahead`: the song compiled in a forked child gives the timeline this process
would compile, field for field; a child that dies leaves the compiling to this process.

Each case runs in a fresh interpreter, as the command line does: the fork is only
taken before numpy is imported, and pytest's process has it imported long since."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import os, sys
from beatseq.compile import ahead, compile_song
from beatseq.formats.songfile import load_song

song = load_song({song!r})
{setup}
forked = ahead._can_fork()
timeline = ahead.compile_ahead(song, {rate})()
assert "numpy" not in sys.modules
here = compile_song(song, {rate})
assert timeline == here, "not the same timeline"
assert all(a == b and type(a) is type(b) for a, b in zip(timeline.events, here.events))
assert [e.tick for e in timeline.events] == list(timeline._ticks)
print(forked, len(timeline.events))
"""


def _run(song: str, rate: int = 44100, setup: str = "") -> str:
    code = SCRIPT.format(song=str(ROOT / "patterns" / song), rate=rate, setup=setup)
    done = subprocess.run(
        [sys.executable, "-P", "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.parametrize(("song", "rate"), [("reference.toml", 44100), ("trap.toml", 96000)])
def test_a_song_compiled_in_a_child_is_the_song_compiled_here(song: str, rate: int) -> None:
    forked, events = _run(song, rate)
    assert forked == "True"  # (no numpy yet, no other thread: the child compiled it)
    assert int(events) > 1000


def test_a_child_that_dies_leaves_the_compiling_to_this_process() -> None:
    # the child exits at once, sending nothing
    setup = "ahead._compiled = lambda song, rate: os._exit(3)"
    forked, events = _run("boom-bap.toml", setup=setup)
    assert forked == "True" and int(events) > 100
