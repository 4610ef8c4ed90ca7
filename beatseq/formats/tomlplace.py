"""Find the line of a key in TOML text, so error messages can say `file:14: ...`.

tomllib parses values but forgets where they were. This scanner follows table
headers (`[a.b]`, `[[a]]`) and `key = value` lines to map a key path such as
("patterns", "verse", "kick") or ("sections", 2, "repeat") back to its line. It is a
best effort for messages only: when a key cannot be found it answers the line of the
nearest enclosing table, or None.
"""

from __future__ import annotations

import re

KeyPath = tuple[str | int, ...]

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY = rf"(?:{_BARE}|{_QUOTED})"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?")
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=")
_PART = re.compile(_KEY)


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(p.strip("\"'") for p in _PART.findall(dotted))


def key_lines(text: str) -> dict[KeyPath, int]:
    """Every table and key the text defines, with its 1-based line number."""
    lines: dict[KeyPath, int] = {}
    table: KeyPath = ()
    array_counts: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            names = _parts(header.group(2))
            if header.group(1) == "[[":
                index = array_counts.get(names, 0)
                array_counts[names] = index + 1
                table = (*names, index)
            else:
                table = _with_array_indices(names, array_counts)
            lines.setdefault(table, number)
            continue
        assign = _ASSIGN.match(line)
        if assign:
            lines.setdefault((*table, *_parts(assign.group(1))), number)
    return lines


def _with_array_indices(names: tuple[str, ...], counts: dict[tuple[str, ...], int]) -> KeyPath:
    """[a.b] under an array of tables [[a]] means a[last].b."""
    path: list[str | int] = []
    for i, name in enumerate(names):
        path.append(name)
        prefix = names[: i + 1]
        if prefix in counts and i < len(names) - 1:
            path.append(counts[prefix] - 1)
    return tuple(path)


def find_line(text: str, path: KeyPath) -> int | None:
    """The line that defines `path`, or that of its nearest enclosing table."""
    lines = key_lines(text)
    for end in range(len(path), 0, -1):
        found = lines.get(path[:end])
        if found is not None:
            return found
    return None


def dotted(path: KeyPath) -> str:
    """A key path for messages: patterns.verse.kick, sections[3].repeat (counted from 1)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            needs_quotes = not re.fullmatch(_BARE, part)
            text = f'"{part}"' if needs_quotes else part
            out += ("." if out else "") + text
    return out
