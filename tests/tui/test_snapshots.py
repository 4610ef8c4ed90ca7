"""Snapshots of each view at fixed terminal sizes (pytest-textual-snapshot).

A snapshot is an SVG of the screen; a change to what a view shows fails here until the
new picture is looked at and accepted with `pytest tests/tui --snapshot-update`.
The app runs with no audio engine, so nothing on screen depends on time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from beatseq.formats.songfile import load_song
from beatseq.templates import blank_song
from beatseq.tui.app import BeatseqApp

ROOT = Path(__file__).parents[2]


def boom_bap() -> BeatseqApp:
    # No path: the sound browser then lists only the shipped kits (no machine's folders).
    return BeatseqApp(load_song(ROOT / "patterns" / "boom-bap.toml"), None, audio=None)


VIEWS = {
    "pattern": ([], (120, 30)),
    "pattern-cursor-and-selection": (["down", "right", "shift+right", "shift+right"], (120, 30)),
    "pattern-narrow-scrolls": (["end"], (80, 24)),
    "song": (["f3"], (120, 30)),
    "mixer": (["f4", "down", "m"], (120, 30)),
    "sounds": (["f5", "down", "enter"], (120, 30)),
    "step-inspector": (["down", "right", "right", "right", "right", "i"], (120, 34)),
    "export": (["ctrl+e"], (120, 30)),
    "help": (["f1"], (120, 40)),
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_view(snap_compare: Any, name: str) -> None:
    keys, size = VIEWS[name]
    assert snap_compare(boom_bap(), press=keys, terminal_size=size)


def test_new_song(snap_compare: Any) -> None:
    app = BeatseqApp(blank_song(), None, audio=None)
    assert snap_compare(
        app, press=["enter", "right", "right", "right", "right", "a"], terminal_size=(100, 24)
    )
