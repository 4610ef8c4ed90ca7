"""The Store: the song being edited, its undo history, saving and autosave.

The UI never changes a Song itself: it asks the store to `apply` a named edit (a pure
function Song -> Song from `beatseq.tui.edits`). The store keeps every earlier Song
for undo (frozen dataclasses share everything that did not change, so history is
cheap), tells its listeners, and knows whether there is anything unsaved. Saving is
`beatseq.formats.songwrite.save_song` (atomic, keeps the user's comments). Autosave
writes the same text to a side file next to the song; opening a song whose side file
is newer offers to recover it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from beatseq.errors import BeatseqError
from beatseq.model import Song

HISTORY = 500
"""Undo steps kept."""

Listener = Callable[["Change"], None]


@dataclass(frozen=True)
class Change:
    song: Song
    label: str
    """What happened: the edit's name, "undo ...", "redo ...", "saved", "loaded"."""


class Store:
    def __init__(self, song: Song, path: Path | None = None):
        self.song = song
        self.path = path
        self._saved = song
        """The song as its file has it (a new song counts as saved until it is edited)."""
        self._undo: list[tuple[str, Song]] = []
        self._redo: list[tuple[str, Song]] = []
        self._listeners: list[Listener] = []

    # state ---------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        """Whether there are changes the song file does not have."""
        return self.song != self._saved

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _tell(self, label: str) -> None:
        change = Change(self.song, label)
        for listener in self._listeners:
            listener(change)

    # edits ---------------------------------------------------------------------------

    def apply(self, label: str, edit: Callable[[Song], Song]) -> str | None:
        """Make an edit; returns None, or the one-line reason it could not be made."""
        try:
            song = edit(self.song)
        except BeatseqError as err:
            return err.detail
        except ValueError as err:
            return str(err)
        if song == self.song:
            return None
        self._undo.append((label, self.song))
        del self._undo[:-HISTORY]
        self._redo.clear()
        self.song = song
        self._tell(label)
        return None

    def undo(self) -> str | None:
        """Undo the last edit; returns its label (None if there was nothing)."""
        if not self._undo:
            return None
        label, song = self._undo.pop()
        self._redo.append((label, self.song))
        self.song = song
        self._tell(f"undo {label}")
        return label

    def redo(self) -> str | None:
        if not self._redo:
            return None
        label, song = self._redo.pop()
        self._undo.append((label, self.song))
        self.song = song
        self._tell(f"redo {label}")
        return label

    # files ---------------------------------------------------------------------------

    def save(self, path: Path | None = None) -> Path:
        """Write the song (atomically, keeping the file's comments); raises BeatseqError."""
        from beatseq.formats.songwrite import save_song

        target = path or self.path
        if target is None:
            raise BeatseqError("the song has no file yet: give it a name")
        saved = save_song(self.song, target)
        self.song = replace(self.song, path=saved.path)
        self._saved = self.song
        self.path = Path(saved.path)
        self.remove_autosave()
        self._tell("saved")
        return self.path

    def autosave_path(self) -> Path:
        folder = self.path.parent if self.path is not None else Path.cwd()
        name = self.path.name if self.path is not None else "untitled.toml"
        return folder / f".{name}.autosave"

    def autosave(self) -> Path | None:
        """Write unsaved changes to the side file; None when there is nothing to keep."""
        if not self.dirty:
            return None
        from beatseq.formats.atomic import write_atomic
        from beatseq.formats.songwrite import dumps_song

        target = self.autosave_path()
        write_atomic(target, dumps_song(self.song, target.parent))
        return target

    def remove_autosave(self) -> None:
        with contextlib.suppress(OSError):
            self.autosave_path().unlink()

    def recoverable(self) -> Path | None:
        """The side file, if it is newer than the song file (unsaved work from before)."""
        side = self.autosave_path()
        if not side.exists():
            return None
        older = (
            self.path is not None
            and self.path.exists()
            and os.path.getmtime(side) <= os.path.getmtime(self.path)
        )
        return None if older else side

    def recover(self) -> None:
        """Take the side file's song as an edit (so it can be undone)."""
        from beatseq.formats.songfile import load_song

        side = self.autosave_path()
        recovered = load_song(side, on_missing=lambda err: None)
        path = str(self.path) if self.path is not None else ""
        self.apply("recover autosave", lambda song: replace(recovered, path=path))
