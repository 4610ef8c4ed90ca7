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
from beatseq.model.pitch import note_name, parse_note
from beatseq.model.synth import SYNTH_CHOICES, SYNTH_PRESETS, SYNTH_RANGES

# name -> (kind, range). Kinds: number, number? (may be absent: None), int, int?,
# text? (empty means None), bool and notes? (lowest and highest: MIDI numbers or names).
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
    "range": ("notes?", (0, 127)),
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
    if kind == "notes?":
        return _notes(r, table, name, path, default)
    assert bounds is not None
    value = r.number(table, name, path, *bounds, default=default, integer=kind.startswith("int"))
    if kind.startswith("number") and value is not None:
        return float(value)
    return value


def _notes(
    r: TomlReader, table: dict[str, Any], name: str, path: KeyPath, default: Any
) -> tuple[int, int] | None:
    """`range = ["C2", "C5"]` (or MIDI numbers): the lowest and highest note."""
    value = table.get(name)
    if value is None:
        return default  # type: ignore[no-any-return]
    where = (*path, name)
    expected = 'expected the lowest and highest note, like ["C2", "C5"] or [36, 72]'
    if not isinstance(value, list) or len(value) != 2:
        r.fail(where, f"{expected}, got {value!r}")
    notes = []
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 127:
            notes.append(item)
        elif isinstance(item, str):
            try:
                notes.append(parse_note(item))
            except ValueError as err:
                r.fail(where, str(err))
        else:
            r.fail(where, f"{expected}, got {value!r}")
    if notes[0] > notes[1]:
        r.fail(where, f"the lowest note comes first ({expected})")
    return notes[0], notes[1]


def written(name: str, value: Any) -> Any:
    """How a song file writes a setting's value (a range as note names)."""
    if name == "range" and value is not None:
        return [note_name(note) for note in value]
    return value


# synths: `synth = "808-long"`, or a table: `synth = { preset = "808", glide = 90 }` ---


def read_synth(
    reader: TomlReader, table: dict[str, Any], path: KeyPath, default: Synth | None
) -> Synth | None:
    """The instrument's synth: a preset's name, or a table of a preset and changes (the
    settings of the preset's kind)."""
    value = table.get("synth")
    if value is None:
        return default
    where = (*path, "synth")
    presets = ", ".join(SYNTH_PRESETS)
    if isinstance(value, str):
        value = {"preset": value}
    if not isinstance(value, dict):
        reader.fail(where, f"expected a preset name ({presets}) or a table, got {value!r}")
    name = reader.string(value, "preset", where, default="808")
    if name not in SYNTH_PRESETS:
        reader.fail((*where, "preset"), f"no synth preset {name!r} (expected one of {presets})")
    preset = SYNTH_PRESETS[name]
    ranges = SYNTH_RANGES[preset.kind]
    choices = SYNTH_CHOICES.get(preset.kind, {})
    reader.check_keys(value, ("preset", *(f.name for f in fields(preset))), where)
    changes: dict[str, Any] = {}
    for field in fields(preset):
        key, now = field.name, getattr(preset, field.name)
        if key in choices:
            changes[key] = reader.string(value, key, where, default=now, choices=choices[key])
            continue
        low, high = ranges[key]
        integer = isinstance(now, int)
        number = reader.number(value, key, where, low, high, default=now, integer=integer)
        changes[key] = number if number is None or integer else float(number)
    return replace(preset, **changes)


def synth_value(synth: Synth) -> str | dict[str, Any]:
    """How a song file writes `synth`: the preset it is, else the nearest preset of its
    kind it can be written from and what differs from it."""
    best, best_changes = "", None
    for name, preset in SYNTH_PRESETS.items():
        if type(preset) is not type(synth):
            continue
        changes = {
            f.name: getattr(synth, f.name)
            for f in fields(synth)
            if getattr(synth, f.name) != getattr(preset, f.name)
        }
        if any(value is None for value in changes.values()):
            continue  # TOML has no None: start from a preset that has none there either
        if best_changes is None or len(changes) < len(best_changes):
            best, best_changes = name, changes
    if not best_changes:
        return best
    return {"preset": best, **best_changes}
