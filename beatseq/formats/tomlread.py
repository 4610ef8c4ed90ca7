"""Reading parsed TOML tables with checks that fail as one clear BeatseqError.

Every file format beatseq reads (song files, pattern files, kit manifests) goes
through a TomlReader, so a wrong type, an out-of-range number or an unknown key
always gives the same kind of message: `file:line: key: what was expected`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

from beatseq.errors import BeatseqError
from beatseq.formats.tomlplace import KeyPath, dotted, find_line

_MISSING: Any = object()


def read_text(path: Path) -> str:
    """A text file's contents, or a BeatseqError saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BeatseqError("no such file", file=str(path)) from None
    except IsADirectoryError:
        raise BeatseqError("is a folder, expected a .toml file", file=str(path)) from None
    except UnicodeDecodeError:
        raise BeatseqError("is not UTF-8 text, expected a .toml file", file=str(path)) from None
    except OSError as err:
        raise BeatseqError(f"cannot be read ({err.strerror})", file=str(path)) from None


class TomlReader:
    """One TOML file's text and data, and checked access to its values."""

    def __init__(self, path: Path | str, text: str | None = None, *, label: str | None = None):
        self.path = Path(path)
        self.label = label if label is not None else str(path)
        self.text = read_text(self.path) if text is None else text
        try:
            self.data: dict[str, Any] = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as err:
            message = str(err)
            line = None
            if "(at line " in message:
                where = message.rsplit("(at line ", 1)[1]
                line = int(where.split(",")[0].rstrip(")"))
                message = message.rsplit(" (at line", 1)[0]
            elif message.endswith("(at end of document)"):
                line = max(1, self.text.count("\n"))
                message = message.rsplit(" (at end", 1)[0] + " at the end of the file"
            raise BeatseqError(
                f"malformed TOML: {message[:1].lower()}{message[1:]}", file=self.label, line=line
            ) from None

    def fail(self, path: KeyPath, message: str) -> NoReturn:
        raise BeatseqError(
            message, file=self.label, line=find_line(self.text, path), key=dotted(path)
        )

    def check_keys(self, table: dict[str, Any], allowed: Iterable[str], path: KeyPath) -> None:
        allowed = list(allowed)
        for key in table:
            if key not in allowed:
                self.fail((*path, key), f"unknown key (expected one of: {', '.join(allowed)})")

    def table(self, parent: dict[str, Any], key: str, path: KeyPath) -> dict[str, Any]:
        value = parent.get(key, {})
        if not isinstance(value, dict):
            self.fail((*path, key), f"expected a table, got {_show(value)}")
        return value

    def string(
        self,
        table: dict[str, Any],
        key: str,
        path: KeyPath,
        default: Any = _MISSING,
        choices: Iterable[str] | None = None,
    ) -> Any:
        value = table.get(key, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                self.fail((*path, key), "is missing (expected a string)")
            return default
        if not isinstance(value, str):
            self.fail((*path, key), f"expected a string, got {_show(value)}")
        if choices is not None:
            options = list(choices)
            if value not in options:
                self.fail((*path, key), f"{value!r} is not one of {', '.join(options)}")
        return value

    def number(
        self,
        table: dict[str, Any],
        key: str,
        path: KeyPath,
        low: float,
        high: float,
        default: Any = _MISSING,
        *,
        integer: bool = False,
    ) -> Any:
        kind = "a whole number" if integer else "a number"
        value = table.get(key, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                self.fail((*path, key), f"is missing (expected {kind} from {low:g} to {high:g})")
            return default
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if not is_number or (integer and not isinstance(value, int)):
            self.fail((*path, key), f"expected {kind} from {low:g} to {high:g}, got {_show(value)}")
        if not low <= value <= high:
            self.fail((*path, key), f"{value:g} is out of range (expected {low:g} to {high:g})")
        return value

    def boolean(
        self, table: dict[str, Any], key: str, path: KeyPath, default: Any = _MISSING
    ) -> Any:
        value = table.get(key, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                self.fail((*path, key), "is missing (expected true or false)")
            return default
        if not isinstance(value, bool):
            self.fail((*path, key), f"expected true or false, got {_show(value)}")
        return value

    def strings(
        self, table: dict[str, Any], key: str, path: KeyPath, default: Any = _MISSING
    ) -> Any:
        """A list of strings (a single string is taken as a list of one)."""
        value = table.get(key, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                self.fail((*path, key), "is missing (expected a list of names)")
            return default
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail((*path, key), f"expected a list of names, got {_show(value)}")
        return value


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
