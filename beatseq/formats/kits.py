"""Shipped kits: the folders in `samples/`, each with its sounds and a `kit.toml`.

A manifest names each sound, its file and defaults (gain, pan, choke group, MIDI
note and channel, root note for pitched sounds). This module reads manifests into
Instruments and resolves `kit/sound` references; it never opens the audio itself.

    name = "boom"
    description = "..."
    [sounds.kick]
    file = "kick.wav"
    gain = -1.0
    note = 36
    channel = 10
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from beatseq.errors import BeatseqError
from beatseq.formats.instruments import FIELDS, read_settings
from beatseq.formats.tomlread import TomlReader
from beatseq.model import Instrument
from beatseq.model.gm import assign_midi
from beatseq.paths import samples_dir

MANIFEST = "kit.toml"
SOUND_KEYS = ("file", *FIELDS)


@dataclass(frozen=True)
class ShippedKit:
    name: str
    description: str
    folder: Path
    instruments: tuple[Instrument, ...]

    def sound(self, name: str) -> Instrument | None:
        for instrument in self.instruments:
            if instrument.name == name:
                return instrument
        return None


def kit_names() -> list[str]:
    """The shipped kits, by folder name."""
    root = samples_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / MANIFEST).is_file())


def shipped_kit(name: str) -> ShippedKit | None:
    """The shipped kit called `name`, or None if there is none."""
    folder = samples_dir() / name
    if not (folder / MANIFEST).is_file():
        return None
    return load_kit_folder(folder)


@cache
def load_kit_folder(folder: Path) -> ShippedKit:
    """Read a kit folder's manifest (cached: kits do not change while beatseq runs)."""
    reader = TomlReader(folder / MANIFEST)
    data = reader.data
    reader.check_keys(data, ("name", "description", "licence", "sounds"), ())
    name = reader.string(data, "name", (), default=folder.name)
    sounds = reader.table(data, "sounds", ())
    if not sounds:
        reader.fail(("sounds",), "the kit has no sounds (expected [sounds.NAME] tables)")
    midi = assign_midi(list(sounds))
    instruments = []
    for (sound_name, table), (channel, note) in zip(sounds.items(), midi, strict=True):
        path = ("sounds", sound_name)
        if not isinstance(table, dict):
            reader.fail(path, "expected a table")
        reader.check_keys(table, SOUND_KEYS, path)
        file = reader.string(table, "file", path)
        try:
            instruments.append(
                Instrument(
                    name=sound_name,
                    sample=f"{name}/{sound_name}",
                    path=str((folder / file).resolve()),
                    **read_settings(reader, table, path, None, (channel, note)),
                )
            )
        except ValueError as err:
            reader.fail(path, str(err))
    description = reader.string(data, "description", (), default="")
    return ShippedKit(
        name=name, description=description, folder=folder, instruments=tuple(instruments)
    )


def shipped_sound(reference: str) -> Instrument | None:
    """The shipped sound a `kit/sound` reference names, or None if it names none."""
    kit_name, slash, sound_name = reference.partition("/")
    if not slash or "/" in sound_name:
        return None
    kit = shipped_kit(kit_name)
    return kit.sound(sound_name) if kit is not None else None


def require_kit(name: str) -> ShippedKit:
    kit = shipped_kit(name)
    if kit is None:
        known = ", ".join(kit_names()) or "none installed"
        raise BeatseqError(f"no shipped kit called {name!r} (kits: {known})")
    return kit
