"""Reading song files (TOML) into a Song, with every check made here, at the edge.

The format (documented in the README):

    [song]       title, bpm, time_signature, swing, swing_unit, seed, humanize, key,
                 arrangement
    [kit]        use = "boom" (a shipped kit), then [kit.NAME] per instrument (its
                 effects in [kit.NAME.fx], read by `beatseq.formats.effects`)
    [mix]        the send buses, master glue compressor, loudness target
    [patterns.NAME]  steps, resolution, swing, and one step string per track,
                 or file = "path/to/pattern.toml" for a pattern in its own file
    [[sections]] name, patterns, repeat, mute, bpm

Anything wrong becomes one BeatseqError naming the file, the line, the key and what
was expected. Writing songs back is `beatseq.formats.songwrite`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from beatseq.errors import BeatseqError
from beatseq.formats.effects import read_fx, read_mix
from beatseq.formats.instruments import FIELDS, read_settings, read_synth
from beatseq.formats.kits import require_kit, shipped_kit, shipped_sound
from beatseq.formats.steps import StepSyntaxError, parse_steps
from beatseq.formats.tomlplace import KeyPath
from beatseq.formats.tomlread import TomlReader
from beatseq.model import Feel, Humanize, Instrument, Kit, Pattern, Section, Song, Track
from beatseq.model.effects import PLAIN_EFFECTS
from beatseq.model.gm import assign_midi
from beatseq.model.groove import (
    FEEL_MS_RANGE,
    FEEL_TICKS_RANGE,
    HUMANIZE_TIMING_RANGE,
    HUMANIZE_VELOCITY_RANGE,
    SWING_RANGE,
)
from beatseq.model.instrument import GAIN_RANGE
from beatseq.model.pattern import MAX_STEPS
from beatseq.model.pitch import Key, parse_key
from beatseq.model.section import BPM_RANGE, MAX_REPEAT
from beatseq.model.song import DENOMINATORS
from beatseq.ticks import RESOLUTIONS, SWING_UNITS

TOP_KEYS = ("song", "kit", "mix", "patterns", "sections")
SONG_KEYS = (
    "title",
    "gain",
    "bpm",
    "time_signature",
    "swing",
    "swing_unit",
    "seed",
    "humanize",
    "key",
    "arrangement",
)
INSTRUMENT_KEYS = ("sample", "synth", *FIELDS, "fx")
PATTERN_KEYS = ("steps", "resolution", "swing", "file")
TRACK_KEYS = ("grid", "length", "swing", "feel", "humanize")
SECTION_KEYS = ("name", "patterns", "repeat", "mute", "bpm")
AUDIO_SUFFIXES = (".wav", ".wave", ".aif", ".aiff", ".flac", ".ogg", ".mp3")

MissingHandler = Callable[[BeatseqError], None]


def load_song(path: str | Path, *, on_missing: MissingHandler | None = None) -> Song:
    """Read the song file at `path`.

    A sample file that does not exist is an error, unless `on_missing` is given: then
    it is called with the error and the instrument loads without a sound (path "").
    """
    return _SongReader(TomlReader(path), on_missing).song()


def loads_song(
    text: str, path: str | Path = "<song>", *, on_missing: MissingHandler | None = None
) -> Song:
    """Read a song from TOML text; relative paths resolve from `path`'s folder."""
    return _SongReader(TomlReader(path, text), on_missing).song()


class _SongReader:
    def __init__(self, reader: TomlReader, on_missing: MissingHandler | None):
        self.r = reader
        self.base = reader.path.resolve().parent
        self.on_missing = on_missing

    def song(self) -> Song:
        r, data = self.r, self.r.data
        r.check_keys(data, TOP_KEYS, ())
        head = r.table(data, "song", ())
        r.check_keys(head, SONG_KEYS, ("song",))
        p: KeyPath = ("song",)
        unit = r.string(head, "swing_unit", p, default="1/16", choices=SWING_UNITS)
        kit = self.kit(r.table(data, "kit", ()))
        patterns = self.patterns(r.table(data, "patterns", ()), kit)
        sections = self.sections(data.get("sections"), patterns, kit)
        arrangement = r.strings(head, "arrangement", p, default=[])
        known = {s.name for s in sections}
        for i, name in enumerate(arrangement):
            if name not in known:
                r.fail(
                    (*p, "arrangement"),
                    f"item {i + 1}: unknown section {name!r}"
                    f" (sections: {', '.join(sorted(known)) or 'none'})",
                )
        try:
            return Song(
                title=r.string(head, "title", p, default=self.r.path.stem),
                bpm=r.number(head, "bpm", p, *BPM_RANGE, default=90),
                time_signature=self.time_signature(head),
                swing=r.number(head, "swing", p, *SWING_RANGE, default=50),
                swing_unit=unit,
                seed=r.number(head, "seed", p, 0, 2**63 - 1, default=0, integer=True),
                gain=float(r.number(head, "gain", p, *GAIN_RANGE, default=0.0)),
                humanize=_humanize(r, head, p) or Humanize(),
                key=self.key(head),
                kit=kit,
                mix=read_mix(r, data),
                patterns=tuple(patterns),
                sections=tuple(sections),
                arrangement=tuple(arrangement),
                path=str(self.r.path.resolve()),
            )
        except ValueError as err:  # the checks above should have caught it first
            raise BeatseqError(str(err), file=self.r.label) from None

    def key(self, head: dict[str, Any]) -> Key | None:
        text = self.r.string(head, "key", ("song",), default=None)
        if text is None:
            return None
        try:
            return parse_key(text)
        except ValueError as err:
            self.r.fail(("song", "key"), f'{err} (like "F minor" or "Eb dorian")')

    def time_signature(self, head: dict[str, Any]) -> tuple[int, int]:
        text = self.r.string(head, "time_signature", ("song",), default="4/4")
        num, slash, den = text.partition("/")
        if slash and num.isdigit() and den.isdigit():
            signature = (int(num), int(den))
            if 1 <= signature[0] <= 32 and signature[1] in DENOMINATORS:
                return signature
        self.r.fail(
            ("song", "time_signature"),
            f'{text!r} is not a time signature (expected like "4/4" or "6/8")',
        )

    # kit ----------------------------------------------------------------------------

    def kit(self, table: dict[str, Any]) -> Kit:
        r = self.r
        base_name = r.string(table, "use", ("kit",), default=None)
        instruments: dict[str, Instrument] = {}
        if base_name is not None:
            try:
                base = require_kit(base_name)
            except BeatseqError as err:
                r.fail(("kit", "use"), err.detail)
            instruments = {i.name: i for i in base.instruments}
        written = [name for name in table if name != "use"]
        guesses = dict(zip(written, assign_midi(written, taken=_taken(instruments)), strict=True))
        names = set(instruments) | set(written)
        for name in written:
            path: KeyPath = ("kit", name)
            value = table[name]
            if not isinstance(value, dict):
                r.fail(
                    path, f"expected a table of instrument settings (sample = ...), got {value!r}"
                )
            r.check_keys(value, INSTRUMENT_KEYS, path)
            instruments[name] = self.instrument(
                name, value, path, instruments.get(name), guesses[name], names
            )
        for name, instrument in instruments.items():
            if instrument.path and not Path(instrument.path).is_file():
                self.missing(instrument, ("kit", name, "sample"))
                instruments[name] = replace(instrument, path="")
        return Kit(instruments=tuple(instruments.values()), base=base_name)

    def instrument(
        self,
        name: str,
        table: dict[str, Any],
        path: KeyPath,
        base: Instrument | None,
        guess: tuple[int, int],
        names: set[str],
    ) -> Instrument:
        r = self.r
        fx = read_fx(r, table, path, base.fx if base else PLAIN_EFFECTS, names)
        synth = read_synth(r, table, path, base.synth if base else None)
        sample = r.string(table, "sample", path, default=base.sample if base else None)
        if sample is None and synth is None:
            r.fail(
                (*path, "sample"),
                'is missing (expected a shipped sound like "boom/kick" or a path to an audio'
                ' file, or synth = "808")',
            )
        source = shipped_sound(sample) if sample else None
        defaults: Instrument | None
        if not sample:  # a synth
            sample, resolved, defaults = "", "", base
        elif source is not None:
            resolved = source.path
            defaults = base if base is not None and base.sample == sample else source
        else:
            resolved = self.sample_path(sample, (*path, "sample"))
            defaults = base
        try:
            return Instrument(
                name=name,
                sample=sample,
                path=resolved,
                synth=synth,
                fx=fx,
                **read_settings(r, table, path, defaults, guess),
            )
        except ValueError as err:
            r.fail(path, str(err))

    def sample_path(self, sample: str, path: KeyPath) -> str:
        """The audio file a sample path names, relative to the song file's folder."""
        kit_name, slash, sound = sample.partition("/")
        kit = shipped_kit(kit_name) if slash and not Path(sample).suffix else None
        if kit is not None:
            self.r.fail(
                path,
                f"kit {kit_name!r} has no sound {sound!r}"
                f" (sounds: {', '.join(i.name for i in kit.instruments)})",
            )
        candidate = Path(sample).expanduser()
        if not candidate.is_absolute():
            candidate = self.base / candidate
        return str(candidate.resolve())

    def missing(self, instrument: Instrument, path: KeyPath) -> None:
        try:
            self.r.fail(path, f"sample file not found: {instrument.path}")
        except BeatseqError as err:
            if self.on_missing is None:
                raise
            self.on_missing(err)

    # patterns -----------------------------------------------------------------------

    def patterns(self, table: dict[str, Any], kit: Kit) -> list[Pattern]:
        patterns = []
        for name, value in table.items():
            path: KeyPath = ("patterns", name)
            if not isinstance(value, dict):
                self.r.fail(path, "expected a table ([patterns.NAME] with steps and tracks)")
            if "file" in value:
                patterns.append(self.pattern_file(name, value, path, kit))
            else:
                patterns.append(pattern_from_table(self.r, name, value, path, kit))
        return patterns

    def pattern_file(self, name: str, value: dict[str, Any], path: KeyPath, kit: Kit) -> Pattern:
        r = self.r
        reference = r.string(value, "file", path)
        extra = [k for k in value if k != "file"]
        if extra:
            r.fail((*path, extra[0]), "a pattern read from a file takes no other keys here")
        file = Path(reference).expanduser()
        if not file.is_absolute():
            file = self.base / file
        if not file.is_file():
            r.fail((*path, "file"), f"pattern file not found: {file}")
        inner = TomlReader(file)
        pattern = pattern_from_table(inner, name, inner.data, (), kit)
        return Pattern(
            name=pattern.name,
            steps=pattern.steps,
            resolution=pattern.resolution,
            tracks=pattern.tracks,
            swing=pattern.swing,
            source=reference,
        )

    # sections -----------------------------------------------------------------------

    def sections(self, value: Any, patterns: list[Pattern], kit: Kit) -> list[Section]:
        r = self.r
        known = {p.name: p for p in patterns}
        if value is None:
            # A sketch with patterns and no sections plays each pattern once, in order.
            return [Section(name=p.name, patterns=(p.name,)) for p in patterns]
        if not isinstance(value, list):
            r.fail(("sections",), "expected [[sections]] tables")
        sections: list[Section] = []
        for i, table in enumerate(value):
            path: KeyPath = ("sections", i)
            if not isinstance(table, dict):
                r.fail(path, "expected a table")
            r.check_keys(table, SECTION_KEYS, path)
            name = r.string(table, "name", path)
            if any(s.name == name for s in sections):
                r.fail((*path, "name"), f"a section called {name!r} already exists")
            names = r.strings(table, "patterns", path)
            if not names:
                r.fail((*path, "patterns"), "is empty (expected at least one pattern)")
            for pattern_name in names:
                if pattern_name not in known:
                    r.fail(
                        (*path, "patterns"),
                        f"unknown pattern {pattern_name!r}"
                        f" (patterns: {', '.join(sorted(known)) or 'none'})",
                    )
            mute = r.strings(table, "mute", path, default=[])
            for track in mute:
                if track not in kit:
                    r.fail(
                        (*path, "mute"),
                        f"unknown track {track!r} (tracks: {', '.join(kit.names) or 'none'})",
                    )
            sections.append(
                Section(
                    name=name,
                    patterns=tuple(names),
                    repeat=r.number(table, "repeat", path, 1, MAX_REPEAT, default=1, integer=True),
                    mute=tuple(mute),
                    bpm=r.number(table, "bpm", path, *BPM_RANGE, default=None),
                )
            )
        return sections


def pattern_from_table(
    r: TomlReader, name: str, table: dict[str, Any], path: KeyPath, kit: Kit
) -> Pattern:
    """A pattern from its table: in a song file, or the whole of a pattern file."""
    resolution = r.string(table, "resolution", path, default="1/16", choices=RESOLUTIONS)
    swing = r.number(table, "swing", path, *SWING_RANGE, default=None)
    track_keys = [k for k in table if k not in PATTERN_KEYS]
    steps = r.number(table, "steps", path, 1, MAX_STEPS, default=None, integer=True)
    if steps is None:
        plain = [k for k in track_keys if isinstance(table[k], str)]
        if not plain:
            r.fail((*path, "steps"), "is missing (expected the pattern's length in steps)")
        steps = len(_parse(r, table[plain[0]], (*path, plain[0])))
    tracks = [_track(r, key, table[key], (*path, key), steps, kit) for key in track_keys]
    return Pattern(name=name, steps=steps, resolution=resolution, tracks=tuple(tracks), swing=swing)


def _track(r: TomlReader, name: str, value: Any, path: KeyPath, steps: int, kit: Kit) -> Track:
    if name not in kit:
        r.fail(
            path,
            f"unknown track {name!r} (the kit has {', '.join(kit.names) or 'nothing'};"
            f" add [kit.{name}] with a sample)",
        )
    if isinstance(value, str):
        parsed = _parse(r, value, path)
        if len(parsed) != steps:
            r.fail(
                path,
                f"step string has {len(parsed)} steps, expected {steps}"
                f' (or write {{ grid = "...", length = {len(parsed)} }} for polymeter)',
            )
        return Track(name=name, steps=parsed)
    if not isinstance(value, dict):
        r.fail(path, f'expected a step string like "x...x...", got {value!r}')
    r.check_keys(value, TRACK_KEYS, path)
    parsed = _parse(r, r.string(value, "grid", path), (*path, "grid"))
    length = r.number(value, "length", path, 1, MAX_STEPS, default=steps, integer=True)
    if len(parsed) != length:
        r.fail((*path, "grid"), f"step string has {len(parsed)} steps, expected {length}")
    return Track(
        name=name,
        steps=parsed,
        swing=r.number(value, "swing", path, *SWING_RANGE, default=None),
        feel=_feel(r, value, path),
        humanize=_humanize(r, value, path),
    )


def _humanize(r: TomlReader, table: dict[str, Any], path: KeyPath) -> Humanize | None:
    if "humanize" not in table:
        return None
    value = r.table(table, "humanize", path)
    p = (*path, "humanize")
    r.check_keys(value, ("timing", "velocity"), p)
    return Humanize(
        timing=r.number(value, "timing", p, *HUMANIZE_TIMING_RANGE, default=0, integer=True),
        velocity=r.number(value, "velocity", p, *HUMANIZE_VELOCITY_RANGE, default=0, integer=True),
    )


def _feel(r: TomlReader, table: dict[str, Any], path: KeyPath) -> Feel:
    value = table.get("feel", 0)
    p = (*path, "feel")
    if isinstance(value, int) and not isinstance(value, bool):
        low, high = FEEL_TICKS_RANGE
        if not low <= value <= high:
            r.fail(p, f"{value} is out of range (expected {low} to {high} ticks)")
        return Feel(value, "ticks")
    if isinstance(value, str) and value.strip().endswith("ms"):
        try:
            amount = float(value.strip()[:-2])
        except ValueError:
            amount = None
        low_ms, high_ms = FEEL_MS_RANGE
        if amount is not None and low_ms <= amount <= high_ms:
            return Feel(amount, "ms")
    r.fail(
        p,
        f'expected ticks (like -12) or milliseconds (like "8ms" or "-5.5ms", within'
        f" {FEEL_MS_RANGE[1]:g}ms), got {value!r}",
    )


def _parse(r: TomlReader, text: str, path: KeyPath) -> tuple[Any, ...]:
    try:
        return parse_steps(text)
    except StepSyntaxError as err:
        r.fail(path, str(err))


def _taken(instruments: dict[str, Instrument]) -> set[tuple[int, int]]:
    return {(i.channel, i.note) for i in instruments.values()}
