"""The one error type a user can meet, and how it prints.

Everything that reads user input (song files, pattern files, kit manifests, audio
files, command-line values) turns what is wrong into a BeatseqError whose message is
one line naming the file, the place in it and what was expected. The CLI prints that
line and exits 1; nothing else prints a traceback for bad input.
"""

from __future__ import annotations


class BeatseqError(Exception):
    """Bad input or an impossible request, with a one-line message for the user."""

    def __init__(self, message: str, *, file: str = "", line: int | None = None, key: str = ""):
        self.file = file
        self.line = line
        self.key = key
        self.detail = message
        super().__init__(self._format())

    def _format(self) -> str:
        place = self.file
        if place and self.line is not None:
            place += f":{self.line}"
        parts = [p for p in (place, self.key, self.detail) if p]
        return ": ".join(parts).replace("\n", " ")
