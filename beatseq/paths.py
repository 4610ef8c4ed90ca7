"""Where beatseq's shipped data lives: the kits in `samples/` and songs in `patterns/`.

In a source checkout (or an editable install) they sit next to the package; an
installed wheel carries them inside the package. Nothing here reads the files.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The shipped `samples` or `patterns` folder."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    return _PACKAGE.parent / name


def samples_dir() -> Path:
    return data_dir("samples")


def patterns_dir() -> Path:
    return data_dir("patterns")
