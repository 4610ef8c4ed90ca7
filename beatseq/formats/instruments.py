"""Instrument settings as written in kit manifests and song files: one table, one reader.

FIELDS lists every setting a `[sounds.NAME]` or `[kit.NAME]` table may hold, with its
kind and range; `read_settings` checks them all the same way for both files, and the
song writer walks the same table. The settings themselves are defined by
`beatseq.model.Instrument`.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from beatseq.formats.tomlplace import KeyPath
from beatseq.formats.tomlread import TomlReader
from beatseq.model import Instrument, Synth
from beatseq.model.instrument import (
    ENVELOPE_RANGE,
    FILTER_RANGE,
    GAIN_RANGE,
    INSTRUMENT_PITCH_RANGE,
    PAN_RANGE,
    TRIM_RANGE,
    VELOCITY_CURVE_RANGE,
)
from beatseq.model.synth import SYNTH_PRESETS, SYNTH_RANGES

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


# synths: `synth = "808-long"`, or a table: `synth = { preset = "808", glide = 90 }` ---

SYNTH_KEYS = ("preset", *SYNTH_RANGES)


def read_synth(
    reader: TomlReader, table: dict[str, Any], path: KeyPath, default: Synth | None
) -> Synth | None:
    """The instrument's synth: a preset's name, or a table of a preset and changes."""
    value = table.get("synth")
    if value is None:
        return default
    where = (*path, "synth")
    presets = ", ".join(SYNTH_PRESETS)
    if isinstance(value, str):
        value = {"preset": value}
    if not isinstance(value, dict):
        reader.fail(where, f"expected a preset name ({presets}) or a table, got {value!r}")
    reader.check_keys(value, SYNTH_KEYS, where)
    name = reader.string(value, "preset", where, default="808")
    if name not in SYNTH_PRESETS:
        reader.fail((*where, "preset"), f"no synth preset {name!r} (expected one of {presets})")
    preset = SYNTH_PRESETS[name]
    changes: dict[str, Any] = {}
    for key, (low, high) in SYNTH_RANGES.items():
        number = reader.number(value, key, where, low, high, default=getattr(preset, key))
        changes[key] = float(number) if number is not None else None
    return replace(preset, **changes)


def synth_value(synth: Synth) -> str | dict[str, Any]:
    """How a song file writes `synth`: the preset it is, else the nearest preset it
    can be written from and what differs from it ("808" has nothing unset)."""
    best, best_changes = "808", None
    for name, preset in SYNTH_PRESETS.items():
        changes = {
            f.name: getattr(synth, f.name)
            for f in fields(Synth)
            if getattr(synth, f.name) != getattr(preset, f.name)
        }
        if any(value is None for value in changes.values()):
            continue  # TOML has no None: start from a preset that has none there either
        if best_changes is None or len(changes) < len(best_changes):
            best, best_changes = name, changes
    if not best_changes:
        return best
    return {"preset": best, **best_changes}
