"""Effects and mix settings in song files: a track's `fx` table and the song's `[mix]`.

    [kit.bass.fx]
    filter = { type = "lowpass", cutoff = 800, resonance = 0.3 }
    drive = 0.4
    crush = { bits = 12, rate = 26040 }
    eq = { low = 3, mid = -2, high = 1 }
    comp = { threshold = -20, ratio = 4, attack = 10, release = 120, makeup = 3 }
    reverb = -12                       # send levels, dB
    delay = -18
    duck = { by = "kick", amount = 6, release = 150 }

    [mix]
    reverb = { size = 0.6, damping = 0.5 }
    delay = { time = "1/8d", feedback = 0.4, lowpass = 3000 }
    glue = { threshold = -12, ratio = 2 }
    loudness = -14

Every sub-table's numbers are checked against the model's RANGES here, at the edge;
an unset number keeps the model's default. The writer gives back only what differs
from the defaults, so loading what was written gives the same settings.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any, TypeVar

from beatseq.errors import BeatseqError
from beatseq.formats.tomlplace import KeyPath
from beatseq.formats.tomlread import TomlReader
from beatseq.model.effects import (
    DELAY_NOTES,
    DRIVE_RANGE,
    FILTER_KINDS,
    LOUDNESS_RANGE,
    PLAIN_EFFECTS,
    SEND_RANGE,
    Compressor,
    Crush,
    Delay,
    Duck,
    Effects,
    Eq,
    Filter,
    Mix,
    Reverb,
)

if TYPE_CHECKING:  # tomlkit is imported where a table is written, not to read a song
    from tomlkit.items import InlineTable, Table

FX_KEYS = ("filter", "drive", "crush", "eq", "comp", "reverb", "delay", "duck")
MIX_KEYS = ("reverb", "delay", "glue", "loudness")
T = TypeVar("T")


def read_fx(
    reader: TomlReader, table: dict[str, Any], path: KeyPath, default: Effects, kit: set[str]
) -> Effects:
    """An instrument's `fx` table (or `default` if it has none); `kit` names the tracks
    a duck may follow."""
    value = table.get("fx")
    if value is None:
        return default
    where = (*path, "fx")
    if not isinstance(value, dict):
        reader.fail(where, "expected a table of effects (drive = 0.3, filter = {...} ...)")
    reader.check_keys(value, FX_KEYS, where)
    r = reader
    sends = {
        key: r.number(value, key, where, *SEND_RANGE, default=None) for key in ("reverb", "delay")
    }
    drive = float(r.number(value, "drive", where, *DRIVE_RANGE, default=0.0))
    filter_ = _part(r, value, "filter", where, Filter(), extra=("type",))
    if filter_ is not None:
        kind = r.string(value["filter"], "type", (*where, "filter"), "lowpass", FILTER_KINDS)
        filter_ = replace(filter_, kind=kind)
    duck = _part(r, value, "duck", where, Duck(by=""), extra=("by",))
    if duck is not None:
        by = r.string(value["duck"], "by", (*where, "duck"))
        if by not in kit or by == path[-1]:
            others = ", ".join(sorted(kit - {str(path[-1])})) or "none"
            r.fail((*where, "duck", "by"), f"{by!r} is not another track (tracks: {others})")
        duck = replace(duck, by=by)
    return Effects(
        filter=filter_,
        drive=drive,
        crush=_part(r, value, "crush", where, Crush()),
        eq=_part(r, value, "eq", where, Eq()),
        comp=_part(r, value, "comp", where, Compressor()),
        reverb=_float(sends["reverb"]),
        delay=_float(sends["delay"]),
        duck=duck,
    )


def read_mix(reader: TomlReader, data: dict[str, Any]) -> Mix:
    """The song's `[mix]` table."""
    table = reader.table(data, "mix", ())
    where: KeyPath = ("mix",)
    reader.check_keys(table, MIX_KEYS, where)
    reverb = _part(reader, table, "reverb", where, Reverb()) or Reverb()
    delay = _part(reader, table, "delay", where, Delay(), extra=("time",)) or Delay()
    if "delay" in table:
        notes = DELAY_NOTES
        time = reader.string(table["delay"], "time", (*where, "delay"), delay.time, notes)
        delay = replace(delay, time=time)
    loudness = reader.number(table, "loudness", where, *LOUDNESS_RANGE, default=None)
    return Mix(
        reverb=reverb,
        delay=delay,
        glue=_part(reader, table, "glue", where, Compressor()),
        loudness=_float(loudness),
    )


def _part(
    r: TomlReader,
    table: dict[str, Any],
    key: str,
    path: KeyPath,
    plain: T,
    extra: tuple[str, ...] = (),
) -> T | None:
    """A settings sub-table: its numbers over `plain`'s, checked against its RANGES."""
    value = table.get(key)
    if value is None:
        return None
    where = (*path, key)
    ranges: dict[str, tuple[float, float]] = getattr(plain, "RANGES", {})
    if not isinstance(value, dict):
        r.fail(where, f"expected a table like {{ {', '.join([*extra, *ranges][:3])} = ... }}")
    r.check_keys(value, (*extra, *ranges), where)
    changes = {}
    for name, (low, high) in ranges.items():
        number = r.number(value, name, where, low, high, default=getattr(plain, name))
        changes[name] = _float(number)
    return replace(plain, **changes)  # type: ignore[type-var]


def _float(value: Any) -> Any:
    return float(value) if isinstance(value, int | float) else value


# writing ------------------------------------------------------------------------------


def fx_table(fx: Effects) -> Table | None:
    """The `[kit.NAME.fx]` table for `fx`, or None when it holds nothing."""
    if not fx.active:
        return None
    import tomlkit

    table = tomlkit.table()
    if fx.filter is not None:
        table["filter"] = _inline(fx.filter, Filter(), type=fx.filter.kind)
    if fx.drive:
        table["drive"] = _num(fx.drive)
    for key in ("crush", "eq", "comp"):
        part = getattr(fx, key)
        if part is not None:
            table[key] = _inline(part, _PLAIN[key])
    for key in ("reverb", "delay"):
        level = getattr(fx, key)
        if level is not None:
            table[key] = _num(level)
    if fx.duck is not None:
        table["duck"] = _inline(fx.duck, Duck(by=""), by=fx.duck.by)
    return table


def mix_table(mix: Mix) -> Table | None:
    """The `[mix]` table for `mix`, or None when everything is as by default."""
    if mix == Mix():
        return None
    import tomlkit

    table = tomlkit.table()
    if mix.reverb != Reverb():
        table["reverb"] = _inline(mix.reverb, Reverb())
    if mix.delay != Delay():
        extra = {"time": mix.delay.time} if mix.delay.time != Delay().time else {}
        table["delay"] = _inline(mix.delay, Delay(), **extra)
    if mix.glue is not None:
        table["glue"] = _inline(mix.glue, Compressor())
    if mix.loudness is not None:
        table["loudness"] = _num(mix.loudness)
    return table


_PLAIN: dict[str, object] = {"crush": Crush(), "eq": Eq(), "comp": Compressor()}


def _inline(part: object, plain: object, **first: Any) -> InlineTable:
    """An inline table of `part`'s numbers that differ from `plain`'s (after `first`)."""
    import tomlkit

    inline = tomlkit.inline_table()
    inline.update(first)
    ranges: dict[str, tuple[float, float]] = getattr(part, "RANGES", {})
    for f in fields(part):  # type: ignore[arg-type]
        value = getattr(part, f.name)
        if f.name in ranges and value != getattr(plain, f.name):
            if value is None:
                continue  # only Crush.rate: None is its default
            inline[f.name] = _num(value)
    return inline


def same_part(path: KeyPath, old: Any, new: Any) -> bool:
    """Whether two written sub-tables (`[kit.X.fx] comp`, `[mix] glue` ...) mean the same
    settings, one spelling out a default the other leaves out."""
    where = path[-2:-1] == ("fx",) or (len(path) == 2 and path[0] == "mix")
    plain = _DEFAULTS.get(str(path[-1])) if where else None
    if plain is None or not isinstance(old, dict) or not isinstance(new, dict):
        return False
    return {**plain, **old} == {**plain, **new}


def _defaults(part: object, **extra: Any) -> dict[str, Any]:
    ranges: dict[str, tuple[float, float]] = getattr(part, "RANGES", {})
    return {**extra, **{k: getattr(part, k) for k in ranges}}


_DEFAULTS: dict[str, dict[str, Any]] = {
    "filter": _defaults(Filter(), type="lowpass"),
    "crush": _defaults(Crush()),
    "eq": _defaults(Eq()),
    "comp": _defaults(Compressor()),
    "glue": _defaults(Compressor()),
    "duck": _defaults(Duck(by="")),
    "reverb": _defaults(Reverb()),
    "delay": _defaults(Delay(), time=Delay().time),
}


# editing settings as text (the UI's effects and buses forms) ---------------------------


def fx_fields(fx: Effects) -> dict[str, str]:
    """Each of FX_KEYS as the value the song file would hold (blank: off), e.g.
    `{ type = "lowpass", cutoff = 800 }` for the filter."""
    return _fields(fx_table(fx), FX_KEYS)


def mix_fields(mix: Mix) -> dict[str, str]:
    """Each of MIX_KEYS as the value `[mix]` would hold (blank: the default)."""
    return _fields(mix_table(mix), MIX_KEYS)


def read_fx_fields(values: dict[str, str], track: str, kit: set[str]) -> Effects:
    """The effects the form's fields (as from `fx_fields`) describe, checked the way a
    song file's `[kit.TRACK.fx]` is; raises BeatseqError naming the field."""
    reader = _reader(values, FX_KEYS, f"effects of {track}", "fx")
    if reader is None:
        return PLAIN_EFFECTS
    return read_fx(reader, reader.data, (track,), PLAIN_EFFECTS, kit)


def read_mix_fields(values: dict[str, str]) -> Mix:
    """The buses the form's fields (as from `mix_fields`) describe, checked the way a
    song file's `[mix]` is; raises BeatseqError naming the field."""
    reader = _reader(values, MIX_KEYS, "the mix", "mix")
    return Mix() if reader is None else read_mix(reader, reader.data)


def _fields(table: Table | None, keys: tuple[str, ...]) -> dict[str, str]:
    out = dict.fromkeys(keys, "")
    if table is not None:
        for key, value in table.items():
            out[key] = value.as_string().strip()
    return out


def _reader(
    values: dict[str, str], keys: tuple[str, ...], label: str, table: str
) -> TomlReader | None:
    """A TomlReader of `[table]` holding the non-blank fields, or None if all are blank."""
    lines = []
    for key in keys:
        value = values.get(key, "").strip()
        if value:
            if "\n" in value:
                raise BeatseqError(f"{key}: one line, like the song file's", file=label)
            lines.append(f"{key} = {value}")
    if not lines:
        return None
    return TomlReader(label, f"[{table}]\n" + "\n".join(lines) + "\n", label=label)


def _num(value: float) -> float | int:
    return int(value) if isinstance(value, float) and value.is_integer() else value


__all__ = [
    "FX_KEYS",
    "MIX_KEYS",
    "PLAIN_EFFECTS",
    "fx_fields",
    "fx_table",
    "mix_fields",
    "mix_table",
    "read_fx",
    "read_fx_fields",
    "read_mix",
    "read_mix_fields",
]
