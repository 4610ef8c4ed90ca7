"""Writing a Song back to its TOML file, keeping what the producer wrote by hand.

`song_document` builds the canonical document for a Song. `save_song` merges it into
the file already on disk: values that did not change keep their original text
(comments, `|` beat separators, spacing, key order), changed ones are replaced, new
ones appended, removed ones dropped. The write is atomic. Loading the saved file
gives a Song equal to the one saved.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.items import AoT, InlineTable, Table

from beatseq.errors import BeatseqError
from beatseq.formats.atomic import write_atomic
from beatseq.formats.effects import fx_table, mix_table, same_part
from beatseq.formats.instruments import FIELDS, PLAIN, synth_value, written
from beatseq.formats.kits import shipped_kit, shipped_sound
from beatseq.formats.notelines import is_note_line, layout_like
from beatseq.formats.steps import StepSyntaxError, format_steps, format_steps_like, parse_steps
from beatseq.formats.tomlread import TomlReader
from beatseq.model import Instrument, Kit, Pattern, Section, Song, Track
from beatseq.model.effects import PLAIN_EFFECTS
from beatseq.model.gm import DRUM_CHANNEL, guess_midi

KeyPath = tuple[str | int, ...]
Implied = Callable[[KeyPath, Any], bool]


def save_song(song: Song, path: str | Path | None = None, *, merge: bool = True) -> Song:
    """Write `song` to `path` (default: where it was read from) and return it as saved.

    Relative sample and pattern-file paths are rewritten relative to the new file's
    folder, so "save as" elsewhere keeps every sound. The returned Song carries the
    new path; it equals the Song that loading the file gives. With merge=False an
    existing file is replaced by the canonical text instead of merged into.
    """
    target = Path(path if path is not None else song.path)
    if not str(target):
        raise BeatseqError("no file to save to: give a path")
    target = target.expanduser().resolve()
    song = _rebase(song, target.parent)
    document = song_document(song, target.parent)
    text = tomlkit.dumps(document)
    if merge and target.exists():
        merged = _merged_text(target, document, _implied_by(song, target))
        if merged is not None and _loads_back(merged, target, song):
            text = merged
    write_atomic(target, text)
    return replace(song, path=str(target))


def _merged_text(target: Path, document: tomlkit.TOMLDocument, implied: Implied) -> str | None:
    """The file on disk with the new document merged in, or None if it cannot be read."""
    try:
        existing = tomlkit.parse(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.ParseError):
        return None
    _merge(existing, document, (), implied)
    return tomlkit.dumps(existing)


def _implied_by(song: Song, target: Path) -> Implied:
    """Which values the file may leave out because loading it infers them anyway."""
    auto_sections = tuple(Section(name=p.name, patterns=(p.name,)) for p in song.patterns)

    def implied(path: KeyPath, value: Any) -> bool:
        value = value.unwrap() if hasattr(value, "unwrap") else value
        match path:
            case ("song", "title"):
                return bool(value == target.stem)
            case ("song", "seed"):
                return bool(value == 0)
            case ("song", "swing"):
                return bool(value == 50)
            case ("song", "swing_unit"):
                return bool(value == "1/16")
            case ("song", "time_signature"):
                return bool(value == "4/4")
            case ("patterns", str(), "resolution"):
                return bool(value == "1/16")
            case ("patterns", str(name), "steps"):
                return any(
                    isinstance(_track_value(t, song.pattern(name)), str)
                    for t in song.pattern(name).tracks
                )
            case ("sections",):
                return song.sections == auto_sections and not song.arrangement
            case ("sections", int(), "repeat"):
                return bool(value == 1)
            case ("sections", int(), "mute"):
                return bool(value == [])
            case ("kit", str(name), "channel" | "note" as key) if name in song.kit:
                defaults = _defaults(song.kit[name], _base_sound(song.kit, name))
                if defaults is not None:
                    return bool(value == getattr(defaults, key))
                guess = guess_midi(name)
                if key == "channel":
                    return bool(value == (guess[0] if guess else DRUM_CHANNEL))
                return guess is not None and value == guess[1]
        return False

    return implied


def _loads_back(text: str, target: Path, song: Song) -> bool:
    """Whether `text` reads back as `song` (the merge keeps the user's layout only then)."""
    from beatseq.formats.songfile import loads_song

    try:
        return loads_song(text, target, on_missing=lambda _err: None) == song
    except BeatseqError:
        return False


def dumps_song(song: Song, folder: Path | None = None) -> str:
    """The canonical TOML text of a song."""
    return tomlkit.dumps(song_document(song, folder or Path(song.path or ".").parent))


def song_document(song: Song, folder: Path) -> tomlkit.TOMLDocument:
    doc = tomlkit.document()
    head = tomlkit.table()
    head["title"] = song.title
    head["bpm"] = _num(song.bpm)
    if song.time_signature != (4, 4):
        head["time_signature"] = "{}/{}".format(*song.time_signature)
    head["swing"] = _num(song.swing)
    if song.swing_unit != "1/16":
        head["swing_unit"] = song.swing_unit
    head["seed"] = song.seed
    if song.key is not None:
        head["key"] = str(song.key)
    if song.gain:
        head["gain"] = _num(song.gain)
    if song.humanize:
        head["humanize"] = _inline(timing=song.humanize.timing, velocity=song.humanize.velocity)
    if song.arrangement:
        head["arrangement"] = list(song.arrangement)
    doc["song"] = head
    doc["kit"] = _kit_table(song.kit)
    mix = mix_table(song.mix)
    if mix is not None:
        doc["mix"] = mix
    patterns = tomlkit.table(is_super_table=True)
    for pattern in song.patterns:
        patterns[pattern.name] = _pattern_table(pattern, song, folder)
    doc["patterns"] = patterns
    sections = tomlkit.aot()
    for section in song.sections:
        sections.append(_section_table(section))
    doc["sections"] = sections
    return doc


# kit ----------------------------------------------------------------------------------


def _kit_table(kit: Kit) -> Table:
    table = tomlkit.table()
    base = shipped_kit(kit.base) if kit.base else None
    base_names = [i.name for i in base.instruments] if base else []
    if base is not None and list(kit.names[: len(base_names)]) == base_names:
        table["use"] = base.name
    else:
        base = None
    for instrument in kit.instruments:
        base_sound = base.sound(instrument.name) if base else None
        fields = _instrument_fields(instrument, base_sound)
        if base_sound is not None and not fields:
            continue
        sub = tomlkit.table()
        for key, value in fields.items():
            sub[key] = value
        table[instrument.name] = sub
    return table


def _defaults(instrument: Instrument, base: Instrument | None) -> Instrument | None:
    """The sound whose settings loading starts from, as `songfile` does: the `use` kit's
    sound of the same name (even when a file replaces its sample), else the shipped
    sound the sample names."""
    source = shipped_sound(instrument.sample)
    if source is not None and (base is None or base.sample != instrument.sample):
        return source
    return base


def _base_sound(kit: Kit, name: str) -> Instrument | None:
    base = shipped_kit(kit.base) if kit.base else None
    return base.sound(name) if base else None


def _instrument_fields(instrument: Instrument, base: Instrument | None) -> dict[str, Any]:
    """What must be written for `instrument` to load back as it is."""
    defaults = _defaults(instrument, base)
    fields: dict[str, Any] = {}
    if (base is None or base.sample != instrument.sample) and instrument.sample:
        fields["sample"] = instrument.sample
    if instrument.synth is not None and (base is None or base.synth != instrument.synth):
        value = synth_value(instrument.synth)
        if isinstance(value, dict):
            inline = tomlkit.inline_table()
            inline.update({k: _num(v) if isinstance(v, float) else v for k, v in value.items()})
            value = inline
        fields["synth"] = value
    plain = dict(PLAIN)
    # With no sound to start from, loading guesses MIDI from the name, or gives a name
    # it cannot guess the drum channel and the next spare note: always write that note.
    guess = guess_midi(instrument.name)
    plain.update(channel=guess[0] if guess else DRUM_CHANNEL, note=guess[1] if guess else None)
    for key in FIELDS:
        value = getattr(instrument, key)
        if value == (getattr(defaults, key) if defaults is not None else plain.get(key, ...)):
            continue
        if value is None:
            if key != "choke":
                continue  # cannot unset a default here; the check after saving catches it
            value = ""  # choke = "" clears a default choke group
        fields[key] = _num(value) if isinstance(value, float) else written(key, value)
    if instrument.fx != (defaults.fx if defaults is not None else PLAIN_EFFECTS):
        fx = fx_table(instrument.fx)
        fields["fx"] = fx if fx is not None else tomlkit.table()
    return fields


# patterns -----------------------------------------------------------------------------


def _pattern_table(pattern: Pattern, song: Song, folder: Path) -> Table:
    table = tomlkit.table()
    if pattern.source and _file_holds(folder / pattern.source, pattern, song.kit):
        table["file"] = pattern.source
        return table
    table["steps"] = pattern.steps
    table["resolution"] = pattern.resolution
    if pattern.swing is not None:
        table["swing"] = _num(pattern.swing)
    flats = song.key is not None and song.key.flats
    for track in pattern.tracks:
        table[track.name] = _track_value(track, pattern, flats)
    return table


def _track_value(track: Track, pattern: Pattern, flats: bool = False) -> Any:
    """A track as the song file writes it (notes spelled with flats if `flats`)."""
    grid = format_steps(track.steps, flats=flats)
    plain = track.swing is None and not track.feel and track.humanize is None
    if plain and track.length == pattern.steps:
        return grid
    fields: dict[str, Any] = {"grid": grid}
    if track.length != pattern.steps:
        fields["length"] = track.length
    if track.swing is not None:
        fields["swing"] = _num(track.swing)
    if track.feel:
        fields["feel"] = str(track.feel) if track.feel.unit == "ms" else int(track.feel.amount)
    if track.humanize is not None:
        fields["humanize"] = _inline(timing=track.humanize.timing, velocity=track.humanize.velocity)
    return _inline(**fields)


def _file_holds(file: Path, pattern: Pattern, kit: Kit) -> bool:
    """Whether the pattern file still holds exactly `pattern` (then it stays a reference)."""
    from beatseq.formats.songfile import pattern_from_table

    try:
        reader = TomlReader(file)
        on_disk = pattern_from_table(reader, pattern.name, reader.data, (), kit)
    except (BeatseqError, ValueError):
        return False
    return on_disk == pattern


# sections -----------------------------------------------------------------------------


def _section_table(section: Section) -> Table:
    table = tomlkit.table()
    table["name"] = section.name
    table["patterns"] = list(section.patterns)
    table["repeat"] = section.repeat
    if section.mute:
        table["mute"] = list(section.mute)
    if section.bpm is not None:
        table["bpm"] = _num(section.bpm)
    return table


# merging into the file on disk ---------------------------------------------------------


def _merge(old: Container | Table, new: Container | Table, path: KeyPath, implied: Implied) -> None:
    """Make `old` hold the values of `new`, keeping old text wherever the value is equal.

    A key the old text leaves out stays out when its value is the one loading infers,
    and one it spells out stays when it spells out that value.
    """
    for key in [k for k in old if k not in new]:
        if not implied((*path, key), old[key]):
            del old[key]
    for key, value in new.items():
        here = (*path, key)
        if key not in old:
            if not implied(here, value):
                old[key] = value
            continue
        current = old[key]
        if isinstance(current, Table) and isinstance(value, Table):
            _merge(current, value, here, implied)
        elif isinstance(current, AoT) and isinstance(value, AoT):
            _merge_aot(current, value, here, implied)
        elif not _same(current, value, here):
            old[key] = _like(current, value)


def _merge_aot(old: AoT, new: AoT, path: KeyPath, implied: Implied) -> None:
    for i, table in enumerate(new.body):
        if i < len(old.body):
            _merge(old.body[i], table, (*path, i), implied)
        else:
            old.append(table)
    while len(old.body) > len(new.body):
        old.body.pop()


def _same(old: Any, new: Any, path: KeyPath) -> bool:
    """Equal as values; step strings count as equal when they write the same steps."""
    old_value = old.unwrap() if hasattr(old, "unwrap") else old
    new_value = new.unwrap() if hasattr(new, "unwrap") else new
    if old_value == new_value or same_part(path, old_value, new_value):
        return True
    if path[:1] != ("patterns",):
        return False
    if isinstance(old_value, dict) and isinstance(new_value, dict):
        if set(old_value) != set(new_value):
            return False
        return all(_same(old_value[k], new_value[k], (*path, k)) for k in old_value)
    if isinstance(old_value, str) and isinstance(new_value, str):
        try:
            return parse_steps(old_value) == parse_steps(new_value)
        except StepSyntaxError:
            return False
    return False


def _like(old: Any, new: Any) -> Any:
    """A changed step string keeps the old one's beat separators and comment."""
    if isinstance(old, tomlkit.items.String) and isinstance(new, str):
        try:
            parsed = parse_steps(str(new))
            parse_steps(str(old))
        except StepSyntaxError:
            return new
        if is_note_line(str(new)) and is_note_line(str(old)):
            text = layout_like(str(new), str(old))  # keeps the new line's spelling
        else:
            text = format_steps_like(parsed, str(old))
        item = tomlkit.string(text)
        item.trivia.comment_ws = old.trivia.comment_ws
        item.trivia.comment = old.trivia.comment
        return item
    return new


# helpers ------------------------------------------------------------------------------


def _rebase(song: Song, folder: Path) -> Song:
    """Rewrite relative sample and pattern-file paths for a file saved in `folder`."""
    old_folder = Path(song.path).parent if song.path else folder
    if old_folder == folder:
        return song
    instruments = []
    for instrument in song.kit.instruments:
        if _is_relative_file(instrument.sample) and instrument.path:
            rel = os.path.relpath(instrument.path, folder)
            instrument = replace(instrument, sample=rel)
        instruments.append(instrument)
    patterns = []
    for pattern in song.patterns:
        if pattern.source and not Path(pattern.source).is_absolute():
            rel = os.path.relpath(old_folder / pattern.source, folder)
            pattern = replace(pattern, source=rel)
        patterns.append(pattern)
    kit = replace(song.kit, instruments=tuple(instruments))
    return replace(song, kit=kit, patterns=tuple(patterns))


def _is_relative_file(sample: str) -> bool:
    return shipped_sound(sample) is None and not Path(sample).expanduser().is_absolute()


def _num(value: float | int) -> float | int:
    """92.0 is written 92; 92.5 stays 92.5."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _inline(**fields: Any) -> InlineTable:
    table = tomlkit.inline_table()
    table.update(fields)
    return table
