"""Instrument settings as written in kit manifests and song files: one table, one reader.

FIELDS lists every setting a `[sounds.NAME]` or `[kit.NAME]` table may hold, with its
kind and range; `read_settings` checks them all the same way for both files, and the
song writer walks the same table. The settings themselves are defined by
`beatseq.model.Instrument`.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from beatseq.formats.tomlplace import KeyPath
from beatseq.formats.tomlread import TomlReader
from beatseq.model import Instrument
from beatseq.model.instrument import (
    ENVELOPE_RANGE,
    FILTER_RANGE,
    GAIN_RANGE,
    INSTRUMENT_PITCH_RANGE,
    PAN_RANGE,
    TRIM_RANGE,
    VELOCITY_CURVE_RANGE,
)

# name -> (kind, range). Kinds: number, number? (may be absent: None), int, int?,
# text? (empty means None) and bool.
FIELDS: dict[str, tuple[str, tuple[float, float] | None]] = {
    "gain": ("number", GAIN_RANGE),
    "pan": ("number", PAN_RANGE),
    "pitch": ("number", INSTRUMENT_PITCH_RANGE),
    "choke": ("text?", None),
    "note": ("int", (0, 127)),
    "channel": ("int", (1, 16)),
    "root": ("int?", (0, 127)),
    "start": ("number", TRIM_RANGE),
    "end": ("number?", TRIM_RANGE),
    "reverse": ("bool", None),
    "attack": ("number", ENVELOPE_RANGE),
    "hold": ("number?", ENVELOPE_RANGE),
    "decay": ("number", ENVELOPE_RANGE),
    "lowpass": ("number?", FILTER_RANGE),
    "highpass": ("number?", FILTER_RANGE),
    "velocity_curve": ("number", VELOCITY_CURVE_RANGE),
    "mono": ("bool", None),
    "mute": ("bool", None),
    "solo": ("bool", None),
}

PLAIN: dict[str, Any] = {f.name: f.default for f in fields(Instrument) if f.name in FIELDS}
"""Each setting's value when nothing sets it."""


def read_settings(
    reader: TomlReader,
    table: dict[str, Any],
    path: KeyPath,
    defaults: Instrument | None,
    midi: tuple[int, int],
) -> dict[str, Any]:
    """Every setting of one instrument: from `table`, else `defaults`, else plain values.

    `midi` is the (channel, note) to use when neither the table nor `defaults` give one.
    """
    settings: dict[str, Any] = {}
    for name, (kind, bounds) in FIELDS.items():
        if defaults is not None:
            default = getattr(defaults, name)
        elif name in ("channel", "note"):
            default = midi[0] if name == "channel" else midi[1]
        else:
            default = PLAIN[name]
        settings[name] = _read(reader, table, name, path, kind, bounds, default)
    return settings


def _read(
    r: TomlReader,
    table: dict[str, Any],
    name: str,
    path: KeyPath,
    kind: str,
    bounds: tuple[float, float] | None,
    default: Any,
) -> Any:
    if kind == "bool":
        return r.boolean(table, name, path, default=default)
    if kind == "text?":
        return r.string(table, name, path, default=default) or None
    assert bounds is not None
    value = r.number(table, name, path, *bounds, default=default, integer=kind.startswith("int"))
    if kind.startswith("number") and value is not None:
        return float(value)
    return value
