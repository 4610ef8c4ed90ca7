"""New songs from shipped templates: the demo songs in `patterns/`.

`new_song` copies a demo song's text (keeping its comments as a guide), gives it the
new title and writes it atomically, refusing to overwrite an existing file.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import tomlkit

from beatseq.errors import BeatseqError
from beatseq.formats.atomic import write_atomic
from beatseq.model import Song
from beatseq.paths import patterns_dir


def template_names() -> list[str]:
    """Shipped demo songs usable as templates (files in patterns/ with a [song] table)."""
    folder = patterns_dir()
    if not folder.is_dir():
        return []
    names = []
    for path in sorted(folder.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        if "[song]" in text:
            names.append(path.stem)
    return names


def template_path(name: str) -> Path:
    path = patterns_dir() / f"{name}.toml"
    if name not in template_names():
        known = ", ".join(template_names()) or "none installed"
        raise BeatseqError(f"no template called {name!r} (templates: {known})")
    return path


def new_song(target: Path, *, title: str, template: str, force: bool = False) -> Path:
    """Write a new song at `target` from `template`; returns the path written."""
    from beatseq.formats.songfile import load_song, loads_song
    from beatseq.formats.songwrite import save_song

    source = template_path(template)
    if target.exists() and not force:
        raise BeatseqError("already exists (choose another name, or --force)", file=str(target))
    document = tomlkit.parse(source.read_text(encoding="utf-8"))
    document["song"]["title"] = title
    text = tomlkit.dumps(document)
    song = replace(load_song(source), title=title)
    try:
        fits = loads_song(text, target.resolve()) == song
    except BeatseqError:
        fits = False
    if fits:
        write_atomic(target, text)
    else:
        # The template refers to files by relative path: write it rebased instead.
        save_song(song, target, merge=False)
    return target


BLANK = """\
[song]
title = {title}
bpm = 90
swing = 56
arrangement = ["main"]

[kit]
use = "boom"

[patterns.beat]
steps = 16
resolution = "1/16"
kick       = "....|....|....|...."
snare      = "....|....|....|...."
closed-hat = "....|....|....|...."
open-hat   = "....|....|....|...."

[[sections]]
name = "main"
patterns = ["beat"]
"""


def blank_song(path: Path | None = None, title: str = "Untitled") -> Song:
    """What the UI opens with no song: the boom kit and an empty one-bar beat of kick,
    snare and hats, in a section called main. Nothing is written."""
    from beatseq.formats.songfile import loads_song

    text = BLANK.format(title=tomlkit.string(title).as_string())
    folder = path.parent if path is not None else Path.cwd()
    song = loads_song(text, folder / "untitled.toml")
    return replace(song, path=str(path) if path is not None else "")
