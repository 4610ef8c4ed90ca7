"""Driving the UI in tests: the real app under Textual's Pilot, in a virtual terminal.

`drive(song, path, script)` runs the app (by default with no audio engine, which the
editing tests do not need; `audio=()` gives the real engine on pyo's manual server,
silent, for transport tests) and awaits `script(app, pilot)`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from beatseq.engine import protocol as p
from beatseq.formats.songfile import load_song
from beatseq.model import Song
from beatseq.tui.app import BeatseqApp

ROOT = Path(__file__).parents[2]
SIZE = (140, 40)

Script = Callable[[BeatseqApp, Pilot[Any]], Awaitable[None]]


def drive(
    song: Song,
    path: Path | None,
    script: Script,
    audio: tuple[p.Audio, ...] | None = None,
    size: tuple[int, int] = SIZE,
) -> BeatseqApp:
    app = BeatseqApp(song, path, audio=audio)

    async def run() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(app, pilot)

    asyncio.run(run())
    return app


def shipped_copy(tmp_path: Path, name: str = "boom-bap") -> tuple[Song, Path]:
    """A shipped demo song copied where the test may save it."""
    target = tmp_path / f"{name}.toml"
    target.write_text((ROOT / "patterns" / f"{name}.toml").read_text(encoding="utf-8"))
    return load_song(target), target


def grid_text(app: BeatseqApp) -> str:
    from beatseq.tui.grid import PatternGrid

    return app.query_one(PatternGrid).plain()


def message(app: BeatseqApp) -> str:
    from textual.widgets import Static

    return str(app.query_one("#message", Static).render())


async def engine_up(app: BeatseqApp, pilot: Pilot[Any]) -> None:
    """Wait for the engine, started in the background, and the transport saying it
    plays to no audio device."""
    for _ in range(200):
        await pilot.pause(0.05)
        shown = str(app.views.transport.render())
        if app.link.state.kind == "silent" and "no audio device" in shown:
            return
    raise AssertionError(f"no engine: {app.link.state}; the transport says {shown!r}")
