"""End to end: `beatseq edit` in a real terminal (tmux), typed at like a producer.

Starts the UI on a new song with no audio device (the silent engine), types a beat,
adds a snare, saves with ctrl+s, quits with ctrl+q, and reads the file that was written.
tmux runs on its own socket so it never touches a user's sessions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from beatseq.formats.songfile import load_song
from beatseq.formats.steps import format_steps

if shutil.which("tmux") is None and not os.environ.get("CI"):
    pytest.skip("tmux is not installed (CI installs it)", allow_module_level=True)

SOCKET = f"beatseq-test-{os.getpid()}"
SESSION = "e2e"


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True)
    assert done.returncode == 0, f"tmux {args}: {done.stderr}"
    return done.stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait_for(text: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        shown = screen()
        if text in shown:
            return shown
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared; the screen:\n{screen()}")


def answer(question: str) -> str:
    """What the open prompt asking `question` holds (the line under the question,
    without the dialog's frame)."""
    lines = screen().splitlines()
    at = next(i for i, line in enumerate(lines) if question in line)
    return lines[at + 1].replace("\u2588", " ").replace("\u258e", " ").strip()


def wait_for_answer(question: str, text: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while answer(question) != text:
        if time.monotonic() > deadline:
            raise AssertionError(f"the prompt never held {text!r}; the screen:\n{screen()}")
        time.sleep(0.05)


def keys(*names: str) -> None:
    for name in names:
        tmux("send-keys", "-t", SESSION, name)
        time.sleep(0.03)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Path]:
    env = {**os.environ, "TERM": "xterm-256color"}
    command = f"cd {tmp_path} && {sys.executable} -m beatseq edit beat.toml --audio none"
    subprocess.run(
        ["tmux", "-L", SOCKET, "new-session", "-d", "-s", SESSION, "-x", "120", "-y", "32"]
        + [f"{command}; echo EXITED $?; sleep 60"],
        check=True,
        env=env,
    )
    try:
        yield tmp_path
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True)


def test_type_a_beat_save_and_quit(terminal: Path) -> None:
    wait_for("steps of 1/16")
    keys("Enter", "Right", "Right", "Right", "Right", "Enter")  # kick on 1 and 5
    keys("Right", "Right", "Right", "Right", "Enter", "Right", "Right", "Enter")  # 9, 11
    keys("Down", "Home", "Right", "Right", "Right", "Right", "a")  # snare accent on 5
    keys("Right", "Right", "Right", "Right", "Right", "Right", "Right", "Right", "a")  # 13
    keys("Down", "Home", "e")  # euclidean hats
    wait_for("euclidean")
    # one key at a time, each seen on the screen: Textual 8.2.8 drops a character that
    # arrives in the same read as a control key before it (tmux sending "C-u 7" at
    # once left the prompt empty), which a busy machine made happen here
    keys("C-u")
    wait_for_answer("euclidean", "")
    keys("7")
    wait_for_answer("euclidean", "7")
    keys("Enter")
    wait_for("beat.toml *")
    keys("C-s")
    wait_for("saved")
    keys("C-q")
    wait_for("EXITED 0")

    song = load_song(terminal / "beat.toml")
    pattern = song.pattern("beat")
    assert [t.name for t in pattern.tracks] == ["kick", "snare", "closed-hat", "open-hat"]
    kick, snare, hat, _ = (format_steps(t.steps) for t in pattern.tracks)
    assert kick == "x...x...x.x....."
    assert snare == "....X.......X..."
    assert hat.count("x") == 7
    assert song.kit.base == "boom"
    assert not (terminal / ".beat.toml.autosave").exists()
