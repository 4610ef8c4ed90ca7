"""Edits: every change the UI can make to a Song, as pure functions Song -> Song.

Each function takes the Song (and the names and indices the UI has) and returns a new
Song; it never modifies its input, so the UI's store keeps the old Song for undo and
redo. A request that cannot be carried out (an unknown name, a step past the end of a
track, a value out of range) raises EditError with a one-line message for the
producer, and no Song is made. Every Song returned keeps the model's invariants:
names are unique, tracks play instruments of the kit, sections play existing patterns
and mute existing instruments, and the arrangement names existing sections.

Conventions:

- `pattern` is a pattern name, `track` a track name (which is its instrument's name),
  `index` a step of that track, counted from 0 (messages count steps from 1).
- Ranges are `start` to `end`, end exclusive.
- The arrangement is the list of section names in playing order (`Song.order`). An
  empty `Song.arrangement` means "every section once, in order"; every edit of the
  arrangement writes it out explicitly.

Only data: no Textual, no sound. `copy_range` and `unique_name` are the two helpers that
return something other than a Song.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import cache
from pathlib import Path
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin, get_type_hints

from beatseq.errors import BeatseqError
from beatseq.formats.kits import shipped_kit, shipped_sound
from beatseq.formats.songfile import AUDIO_SUFFIXES, PATTERN_KEYS
from beatseq.model import Condition, Humanize, Instrument, Pattern, Section, Song, Step, Track
from beatseq.model.effects import Mix
from beatseq.model.gm import assign_midi
from beatseq.model.pattern import MAX_STEPS
from beatseq.ticks import RESOLUTIONS

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_D = TypeVar("_D", bound="DataclassInstance")

__all__ = [
    "EditError",
    "add_section",
    "add_track",
    "assign_sound",
    "clear_range",
    "copy_range",
    "delete_pattern",
    "delete_section",
    "double_pattern",
    "duplicate_pattern",
    "duplicate_section",
    "euclid",
    "fill_every",
    "insert_occurrence",
    "move_occurrence",
    "new_pattern",
    "paste_range",
    "remove_occurrence",
    "remove_track",
    "rename_pattern",
    "rename_track",
    "rotate_track",
    "set_instrument",
    "set_pattern_length",
    "set_resolution",
    "set_section",
    "set_song",
    "set_track_length",
    "set_velocity",
    "toggle_step",
    "transpose_pattern",
    "transpose_section",
    "transpose_song",
    "unique_name",
    "update_step",
]


class EditError(BeatseqError):
    """An edit that cannot be made, with a one-line message for the producer."""


STEP_FIELDS = (
    "velocity",
    "probability",
    "nudge",
    "roll",
    "roll_to",
    "condition",
    "pitch",
    "notes",
    "length",
    "slide",
)
SECTION_FIELDS = ("patterns", "repeat", "mute", "bpm", "new_name")
SONG_FIELDS = (
    "title",
    "bpm",
    "swing",
    "swing_unit",
    "seed",
    "gain",
    "time_signature",
    "humanize",
    "key",
)
INSTRUMENT_FIXED = {
    "name": "rename the track to change its name",
    "sample": "assign a sound to change what it plays",
    "path": "assign a sound to change what it plays",
}
RESERVED_TRACK_NAMES = frozenset(("use", *PATTERN_KEYS))
"""Keys the song file uses for settings of the kit and patterns, so no instrument's name."""
MAX_SEED = 2**63 - 1
"""The largest seed a song file holds."""


# steps and tracks ----------------------------------------------------------------------


def toggle_step(song: Song, pattern: str, track: str, index: int, velocity: int = 100) -> Song:
    """A rest becomes a hit at `velocity`, a hit becomes a rest.

    If the pattern has no track `track` yet but the kit has the instrument, the track
    is added first (rests, as long as the pattern).
    """
    found, row = _row(song, pattern, track, create=True)
    _check_index(row, index)
    step = None if row.steps[index] is not None else _hit(velocity)
    return _put(song, found, row.with_step(index, step))


def set_velocity(song: Song, pattern: str, track: str, index: int, velocity: int) -> Song:
    """The step's velocity set; a rest becomes a hit (and a missing track is added)."""
    found, row = _row(song, pattern, track, create=True)
    _check_index(row, index)
    old = row.steps[index]
    step = _hit(velocity) if old is None else _changed(old, {"velocity": velocity})
    return _put(song, found, row.with_step(index, step))


def update_step(song: Song, pattern: str, track: str, index: int, **fields: object) -> Song:
    """Change a hit's velocity, probability, nudge, roll, roll_to, condition or pitch.

    Setting `roll` to 1 also clears a velocity ramp (`roll_to`) unless one is given.
    """
    found, row = _row(song, pattern, track)
    _check_index(row, index)
    old = row.steps[index]
    if old is None:
        raise EditError(f"step {index + 1} of {track!r} is a rest: put a hit there first")
    changes = _checked("a step", Step, fields, STEP_FIELDS)
    if changes.get("roll") == 1 and "roll_to" not in changes:
        changes["roll_to"] = None
    return _put(song, found, row.with_step(index, _changed(old, changes)))


def clear_range(song: Song, pattern: str, track: str, start: int, end: int) -> Song:
    """Steps `start` to `end` (exclusive) become rests."""
    found, row = _row(song, pattern, track)
    _check_range(row, start, end)
    steps = row.steps[:start] + (None,) * (end - start) + row.steps[end:]
    return _put(song, found, replace(row, steps=steps))


def copy_range(
    song: Song, pattern: str, track: str, start: int, end: int
) -> tuple[Step | None, ...]:
    """Steps `start` to `end` (exclusive), for `paste_range`."""
    _, row = _row(song, pattern, track)
    _check_range(row, start, end)
    return row.steps[start:end]


def paste_range(
    song: Song, pattern: str, track: str, start: int, steps: Sequence[Step | None]
) -> Song:
    """`steps` written from step `start` on; what would run past the track's end is cut off.

    Rests in `steps` are pasted too (they clear what was there). A missing track of a
    kit instrument is added first.
    """
    found, row = _row(song, pattern, track, create=True)
    _check_index(row, start)
    pasted = tuple(steps)[: row.length - start]
    new = row.steps[:start] + pasted + row.steps[start + len(pasted) :]
    return _put(song, found, replace(row, steps=new))


def rotate_track(song: Song, pattern: str, track: str, amount: int) -> Song:
    """Every step moved `amount` steps later (negative: earlier), wrapping round the end."""
    found, row = _row(song, pattern, track)
    return _put(song, found, replace(row, steps=_rotated(row.steps, amount)))


def double_pattern(song: Song, pattern: str) -> Song:
    """The pattern twice as long, each track of its length played twice.

    Polymeter tracks (of another length) keep their own length: they loop anyway.
    """
    found = _pattern(song, pattern)
    steps = found.steps * 2
    if steps > MAX_STEPS:
        raise EditError(
            f"doubling {pattern!r} would make {steps} steps; a pattern is 1 to {MAX_STEPS} steps"
        )
    tracks = tuple(
        replace(t, steps=t.steps * 2) if t.length == found.steps else t for t in found.tracks
    )
    return _put_pattern(song, replace(found, steps=steps, tracks=tracks))


def fill_every(
    song: Song, pattern: str, track: str, every: int, offset: int = 0, velocity: int = 100
) -> Song:
    """A hit on every `every`-th step from step `offset` on; every other step a rest.

    A missing track of a kit instrument is added first.
    """
    found, row = _row(song, pattern, track, create=True)
    if every < 1:
        raise EditError(f"a hit every {every} steps is not possible: every 1 step or more")
    if not 0 <= offset < row.length:
        raise EditError(f"the first hit must be on step 1 to {row.length}, not {offset + 1}")
    hit = _hit(velocity)
    steps = tuple(
        hit if i >= offset and (i - offset) % every == 0 else None for i in range(row.length)
    )
    return _put(song, found, replace(row, steps=steps))


def euclid(
    song: Song, pattern: str, track: str, hits: int, rotation: int = 0, velocity: int = 100
) -> Song:
    """`hits` hits spread as evenly as they go over the track (Bjorklund), rotated right.

    E(3,8) is x..x..x.; every other step becomes a rest. A missing track of a kit
    instrument is added first.
    """
    found, row = _row(song, pattern, track, create=True)
    if not 0 <= hits <= row.length:
        raise EditError(
            f"the {row.length}-step track {track!r} takes 0 to {row.length} hits, not {hits}"
        )
    hit = _hit(velocity)
    steps = tuple(hit if on else None for on in _bjorklund(hits, row.length))
    return _put(song, found, replace(row, steps=_rotated(steps, rotation)))


def _bjorklund(hits: int, steps: int) -> tuple[bool, ...]:
    """Bjorklund's algorithm as Toussaint describes it: E(3,8) is (x . . x . . x .).

    Start from `hits` groups [x] and `steps - hits` groups [.] (the remainder); append
    the remainder groups to the leading ones one by one, the unpaired groups becoming
    the new remainder, until at most one group is left over. The first round always
    runs, so E(3,4) is (x . x x), as in Toussaint's table, not (x x x .).
    """
    if not 0 <= hits <= steps:
        raise ValueError(f"{hits} hits do not fit in {steps} steps")
    front: list[tuple[bool, ...]] = [(True,)] * hits
    back: list[tuple[bool, ...]] = [(False,)] * (steps - hits)
    first = True
    while back and front and (first or len(back) > 1):
        first = False
        paired = min(len(front), len(back))
        rest = front[paired:] if len(front) > paired else back[paired:]
        front = [front[i] + back[i] for i in range(paired)]
        back = rest
    return tuple(on for group in front + back for on in group)


def set_pattern_length(song: Song, pattern: str, steps: int) -> Song:
    """The pattern `steps` long: tracks of its old length cut or padded with rests.

    Polymeter tracks (of another length) are kept as they are.
    """
    found = _pattern(song, pattern)
    _check_length("pattern", steps)
    tracks = tuple(
        replace(t, steps=_resized(t.steps, steps)) if t.length == found.steps else t
        for t in found.tracks
    )
    return _put_pattern(song, replace(found, steps=steps, tracks=tracks))


def set_track_length(song: Song, pattern: str, track: str, steps: int) -> Song:
    """One track `steps` long (polymeter): cut, or padded with rests."""
    found, row = _row(song, pattern, track)
    _check_length("track", steps)
    return _put(song, found, replace(row, steps=_resized(row.steps, steps)))


def set_resolution(song: Song, pattern: str, resolution: str) -> Song:
    """The pattern's step size: "1/16", "1/8t", ..."""
    found = _pattern(song, pattern)
    if resolution not in RESOLUTIONS:
        raise EditError(f"a resolution is one of {', '.join(RESOLUTIONS)}, not {resolution!r}")
    return _put_pattern(song, replace(found, resolution=resolution))


def add_track(song: Song, pattern: str, name: str, sample: str | None = None) -> Song:
    """A row of rests for instrument `name` added to the pattern.

    If the kit has no instrument `name`, one is added playing `sample`: a shipped
    sound ("boom/kick", with its gain, note, choke...) or the full path of an audio
    file. Without a sample the instrument must already be in the kit; with one, an
    instrument of that name must not already play another sound.
    """
    found = _pattern(song, pattern)
    if found.track(name) is not None:
        raise EditError(f"pattern {pattern!r} already has a track {name!r}")
    kit = song.kit
    existing = kit.get(name)
    if existing is None:
        if sample is None:
            raise EditError(f"no instrument called {name!r} in the kit: choose a sound for it")
        _check_track_name(song, name)
        kit = kit.with_instrument(_new_instrument(song, name, sample))
    elif sample is not None and sample != existing.sample:
        raise EditError(
            f"the kit already has an instrument called {name!r} playing {existing.sample}"
        )
    row = Track(name=name, steps=(None,) * found.steps)
    with _valid():
        return replace(song, kit=kit).with_pattern(found.with_track(row))


def remove_track(song: Song, pattern: str, name: str) -> Song:
    """The row removed from this pattern only; the instrument stays in the kit."""
    found, _ = _row(song, pattern, name)
    return _put_pattern(song, found.without_track(name))


def rename_track(song: Song, old: str, new: str) -> Song:
    """The instrument renamed everywhere: the kit, every pattern's track, every mute list."""
    _instrument(song, old)
    if new == old:
        return replace(song)
    _check_track_name(song, new)

    def renamed(name: str) -> str:
        return new if name == old else name

    def moved(i: Instrument) -> Instrument:  # ducking under the renamed track follows it
        duck = i.fx.duck
        if duck is not None and duck.by == old:
            i = replace(i, fx=replace(i.fx, duck=replace(duck, by=new)))
        return replace(i, name=new) if i.name == old else i

    kit = replace(song.kit, instruments=tuple(moved(i) for i in song.kit.instruments))
    patterns = tuple(
        replace(p, tracks=tuple(replace(t, name=renamed(t.name)) for t in p.tracks))
        for p in song.patterns
    )
    sections = tuple(
        replace(s, mute=tuple(renamed(n) for n in s.mute)) if old in s.mute else s
        for s in song.sections
    )
    with _valid():
        return replace(song, kit=kit, patterns=patterns, sections=sections)


def assign_sound(song: Song, track: str, sample: str) -> Song:
    """The instrument `track` now plays `sample`.

    A shipped sound ("boom/snare") brings all its settings (gain, note, channel, choke,
    root, mono, trim, envelope, filters...); the instrument keeps only its name and its
    mixer settings: pan, mute and solo. The full path of an audio file changes only
    the sound (`sample` and `path`), every setting stays.
    """
    old = _instrument(song, track)
    shipped = shipped_sound(sample)
    if shipped is not None:
        new = replace(shipped, name=old.name, pan=old.pan, mute=old.mute, solo=old.solo)
    else:
        file = _audio_file(sample)
        new = replace(old, sample=str(file), path=str(file.resolve()))
    with _valid():
        return replace(song, kit=song.kit.with_instrument(new))


def set_instrument(song: Song, name: str, /, **fields: object) -> Song:
    """Any of an instrument's settings: gain, pan, pitch, choke, note, channel, root,
    start, end, reverse, attack, hold, decay, lowpass, highpass, velocity_curve, mono,
    mute, solo. A choke group of "" means none.
    """
    old = _instrument(song, name)
    for key, advice in INSTRUMENT_FIXED.items():
        if key in fields:
            raise EditError(f"{key!r} cannot be set here: {advice}")
    if fields.get("choke") == "":
        fields = {**fields, "choke": None}
    allowed = [key for key in _hints(Instrument) if key not in INSTRUMENT_FIXED]
    changes = _checked("an instrument", Instrument, fields, allowed)
    defaults = shipped_sound(old.sample)
    for key, value in changes.items():
        if value is None and key != "choke" and getattr(defaults, key, None) is not None:
            raise EditError(f"{old.sample} sets {key}, so {name!r} can change it but not clear it")
    new = _changed(old, changes)
    with _valid():
        return replace(song, kit=song.kit.with_instrument(new))


def set_mix(song: Song, mix: Mix, /) -> Song:
    """The song's send buses, glue and loudness target (`[mix]`)."""
    return replace(song, mix=mix)


# the pattern bank ----------------------------------------------------------------------


def new_pattern(
    song: Song,
    name: str,
    steps: int = 16,
    resolution: str = "1/16",
    tracks: Iterable[str] = (),
) -> Song:
    """An empty pattern added to the end of the bank, with a row of rests for each of
    `tracks` (kit instruments: the rows of the pattern the producer came from)."""
    _check_new_name("pattern", name, [p.name for p in song.patterns])
    _check_length("pattern", steps)
    if resolution not in RESOLUTIONS:
        raise EditError(f"a resolution is one of {', '.join(RESOLUTIONS)}, not {resolution!r}")
    rows = _unique(_names(tuple(tracks), "tracks"))
    for row in rows:
        _instrument(song, row)
    with _valid():
        created = Pattern(
            name=name,
            steps=steps,
            resolution=resolution,
            tracks=tuple(Track(row, (None,) * steps) for row in rows),
        )
        return replace(song, patterns=(*song.patterns, created))


def duplicate_pattern(song: Song, name: str, new_name: str) -> Song:
    """A copy of the pattern called `new_name`, right after it in the bank."""
    found = _pattern(song, name)
    _check_new_name("pattern", new_name, [p.name for p in song.patterns])
    copy = replace(found, name=new_name, source=None)
    place = song.patterns.index(found) + 1
    with _valid():
        return replace(song, patterns=(*song.patterns[:place], copy, *song.patterns[place:]))


def rename_pattern(song: Song, old: str, new: str) -> Song:
    """The pattern renamed, and every section that plays it updated."""
    found = _pattern(song, old)
    if new == old:
        return replace(song)
    _check_new_name("pattern", new, [p.name for p in song.patterns])
    patterns = tuple(replace(p, name=new) if p is found else p for p in song.patterns)
    sections = tuple(
        replace(s, patterns=tuple(new if n == old else n for n in s.patterns))
        if old in s.patterns
        else s
        for s in song.sections
    )
    with _valid():
        return replace(song, patterns=patterns, sections=sections)


def delete_pattern(song: Song, name: str) -> Song:
    """The pattern deleted and taken out of every section that plays it.

    A section left playing nothing is deleted too, with its places in the arrangement
    (as `delete_section` does).
    """
    _pattern(song, name)
    patterns = tuple(p for p in song.patterns if p.name != name)
    sections: list[Section] = []
    gone: set[str] = set()
    for section in song.sections:
        if name not in section.patterns:
            sections.append(section)
            continue
        left = tuple(n for n in section.patterns if n != name)
        if left:
            sections.append(replace(section, patterns=left))
        else:
            gone.add(section.name)
    arrangement = song.arrangement
    if gone:
        arrangement = tuple(n for n in song.order if n not in gone)
    with _valid():
        return replace(song, patterns=patterns, sections=tuple(sections), arrangement=arrangement)


def unique_name(existing: Iterable[str], base: str) -> str:
    """`base` if no name in `existing` is taken by it, else "base 2", "base 3"...

    A base that already ends in a number counts on from it: "verse 2" gives "verse 3".
    """
    taken = set(existing)
    if base not in taken:
        return base
    match = re.fullmatch(r"(.*\S) (\d+)", base)
    stem, number = (match.group(1), int(match.group(2)) + 1) if match else (base, 2)
    while f"{stem} {number}" in taken:
        number += 1
    return f"{stem} {number}"


# sections and the arrangement -----------------------------------------------------------


def add_section(
    song: Song,
    name: str,
    patterns: Iterable[str] | str,
    repeat: int = 1,
    at: int | None = None,
) -> Song:
    """A new section playing `patterns`, placed once in the arrangement at `at` (default:
    the end)."""
    _check_new_name("section", name, [s.name for s in song.sections])
    played = _pattern_names(song, patterns)
    if not played:
        raise EditError(f"section {name!r} must play at least one pattern")
    order = list(song.order)
    place = len(order) if at is None else at
    _check_place(order, place, insert=True)
    order.insert(place, name)
    with _valid():
        section = Section(name=name, patterns=played, repeat=repeat)
        return replace(song, sections=(*song.sections, section), arrangement=tuple(order))


def duplicate_section(song: Song, name: str, new_name: str, at: int | None = None) -> Song:
    """A copy of the section called `new_name`, placed in the arrangement at `at`
    (default: right after the first time `name` plays, or at the end if it does not)."""
    found = _section(song, name)
    _check_new_name("section", new_name, [s.name for s in song.sections])
    order = list(song.order)
    place = order.index(name) + 1 if name in order else len(order)
    if at is not None:
        _check_place(order, at, insert=True)
        place = at
    order.insert(place, new_name)
    index = song.sections.index(found) + 1
    sections = (*song.sections[:index], replace(found, name=new_name), *song.sections[index:])
    with _valid():
        return replace(song, sections=sections, arrangement=tuple(order))


def set_section(song: Song, name: str, /, **fields: object) -> Song:
    """Change a section's patterns, repeat, mute (instrument names) or bpm (None: the
    song's); `new_name` renames it, in the arrangement too."""
    found = _section(song, name)
    given = dict(fields)
    if "patterns" in given:
        played = _pattern_names(song, given["patterns"])
        if not played:
            raise EditError(f"section {name!r} must play at least one pattern")
        given["patterns"] = played
    if "mute" in given:
        muted = _unique(_names(given["mute"], "mute"))
        for track in muted:
            _instrument(song, track)
        given["mute"] = muted
    changes = _checked("a section", Section, given, SECTION_FIELDS)
    new_name = changes.pop("new_name", name)
    assert isinstance(new_name, str)
    arrangement = song.arrangement
    if new_name != name:
        _check_new_name("section", new_name, [s.name for s in song.sections])
        changes["name"] = new_name
        arrangement = tuple(new_name if n == name else n for n in song.order)
    section = _changed(found, changes)
    sections = tuple(section if s is found else s for s in song.sections)
    with _valid():
        return replace(song, sections=sections, arrangement=arrangement)


def insert_occurrence(song: Song, index: int, name: str) -> Song:
    """Section `name` played once more, at place `index` of the arrangement."""
    _section(song, name)
    order = list(song.order)
    _check_place(order, index, insert=True)
    order.insert(index, name)
    return replace(song, arrangement=tuple(order))


def move_occurrence(song: Song, index: int, to: int) -> Song:
    """The section at place `index` of the arrangement moved so it ends up at place `to`."""
    order = list(song.order)
    _check_place(order, index)
    _check_place(order, to)
    order.insert(to, order.pop(index))
    return replace(song, arrangement=tuple(order))


def remove_occurrence(song: Song, index: int) -> Song:
    """The section at place `index` taken out of the arrangement; its definition stays.

    The arrangement cannot be emptied: a song file cannot say "play nothing" (an empty
    arrangement means "every section").
    """
    order = list(song.order)
    _check_place(order, index)
    if len(order) == 1:
        raise EditError("the arrangement needs at least one section")
    del order[index]
    return replace(song, arrangement=tuple(order))


def delete_section(song: Song, name: str) -> Song:
    """The section deleted, with every place it has in the arrangement.

    If that empties the arrangement while other sections remain, the song plays them
    all (an empty arrangement means every section, in order).
    """
    _section(song, name)
    sections = tuple(s for s in song.sections if s.name != name)
    order = tuple(n for n in song.order if n != name)
    with _valid():
        return replace(song, sections=sections, arrangement=order)


# the song --------------------------------------------------------------------------------


def set_song(song: Song, **fields: object) -> Song:
    """Change title, bpm, swing, swing_unit, seed, gain, time_signature, humanize or key."""
    given = dict(fields)
    signature = given.get("time_signature")
    if isinstance(signature, list):
        given["time_signature"] = tuple(signature)
    changes = _checked("the song", Song, given, SONG_FIELDS)
    seed = changes.get("seed", 0)
    assert isinstance(seed, int)
    if not 0 <= seed <= MAX_SEED:
        raise EditError(f"seed must be 0 to {MAX_SEED}, not {seed}")
    return _changed(song, changes)


def transpose_song(song: Song, semitones: int) -> Song:
    """Every note of every pattern `semitones` up (negative: down), and the key with it.

    Plain hits (drum tracks, and `x` steps on melodic ones) are not touched.
    """
    changed = [_transposed(p, semitones) for p in song.patterns]
    key = song.key.transposed(semitones) if song.key is not None else None
    with _valid():
        return replace(song, patterns=tuple(changed), key=key)


def transpose_section(song: Song, section: str, semitones: int) -> Song:
    """The notes of every pattern section `section` plays moved by `semitones`.

    Its patterns change wherever else they play; duplicate them first to keep those.
    """
    for name in _section(song, section).patterns:
        song = _put_pattern(song, _transposed(_pattern(song, name), semitones))
    return song


def transpose_pattern(song: Song, pattern: str, semitones: int) -> Song:
    """The notes of pattern `pattern` moved by `semitones`."""
    return _put_pattern(song, _transposed(_pattern(song, pattern), semitones))


def _transposed(pattern: Pattern, semitones: int) -> Pattern:
    if isinstance(semitones, bool) or not isinstance(semitones, int):
        raise EditError(f"transpose by a whole number of semitones, not {semitones!r}")
    tracks = []
    for track in pattern.tracks:
        steps = list(track.steps)
        for index, step in enumerate(steps):
            if step is None or not step.notes:
                continue
            notes = tuple(n + semitones for n in step.notes)
            if notes[0] < 0 or notes[-1] > 127:
                raise EditError(
                    f"{semitones:+d} semitones takes step {index + 1} of {track.name!r} in"
                    f" pattern {pattern.name!r} out of MIDI's notes (C-1 to G9)"
                )
            steps[index] = replace(step, notes=notes)
        tracks.append(replace(track, steps=tuple(steps)))
    return replace(pattern, tracks=tuple(tracks))


# helpers: lookups -------------------------------------------------------------------------


def _pattern(song: Song, name: str) -> Pattern:
    for pattern in song.patterns:
        if pattern.name == name:
            return pattern
    raise EditError(f"no pattern called {name!r}")


def _section(song: Song, name: str) -> Section:
    for section in song.sections:
        if section.name == name:
            return section
    raise EditError(f"no section called {name!r}")


def _instrument(song: Song, name: str) -> Instrument:
    found = song.kit.get(name)
    if found is None:
        raise EditError(f"no instrument called {name!r} in the kit")
    return found


def _row(song: Song, pattern: str, track: str, *, create: bool = False) -> tuple[Pattern, Track]:
    """The pattern and its track; with `create`, a new row of rests for a kit instrument."""
    found = _pattern(song, pattern)
    row = found.track(track)
    if row is not None:
        return found, row
    if create and track in song.kit:
        return found, Track(name=track, steps=(None,) * found.steps)
    if track in song.kit:
        raise EditError(f"pattern {pattern!r} has no track {track!r}")
    raise EditError(f"no instrument called {track!r} in the kit")


def _put(song: Song, pattern: Pattern, track: Track) -> Song:
    return _put_pattern(song, pattern.with_track(track))


def _put_pattern(song: Song, pattern: Pattern) -> Song:
    with _valid():
        return song.with_pattern(pattern)


def _pattern_names(song: Song, names: object) -> tuple[str, ...]:
    played = _unique(_names(names, "patterns"))
    for name in played:
        _pattern(song, name)
    return played


# helpers: checks --------------------------------------------------------------------------


@contextmanager
def _valid() -> Iterator[None]:
    """The model's own checks (ValueError) turned into EditError."""
    try:
        yield
    except ValueError as err:
        raise EditError(str(err)) from None


def _check_index(track: Track, index: int) -> None:
    if not 0 <= index < track.length:
        raise EditError(
            f"the track {track.name!r} has {track.length} steps, so no step {index + 1}"
        )


def _check_range(track: Track, start: int, end: int) -> None:
    if not 0 <= start <= end <= track.length:
        raise EditError(
            f"steps {start + 1} to {end} are not a range of the"
            f" {track.length}-step track {track.name!r}"
        )


def _check_length(what: str, steps: int) -> None:
    if not 1 <= steps <= MAX_STEPS:
        raise EditError(f"a {what} is 1 to {MAX_STEPS} steps, not {steps}")


def _check_place(order: list[str], index: int, *, insert: bool = False) -> None:
    last = len(order) if insert else len(order) - 1
    if not 0 <= index <= last:
        raise EditError(f"the arrangement has no place {index + 1} (it has {len(order)})")


def _check_new_name(kind: str, name: str, taken: Iterable[str]) -> None:
    if not name.strip():
        raise EditError(f"a {kind} needs a name")
    if name in taken:
        raise EditError(f"a {kind} called {name!r} already exists")


def _check_track_name(song: Song, name: str) -> None:
    if not name.strip():
        raise EditError("a track needs a name")
    if name in song.kit:
        raise EditError(f"an instrument called {name!r} already exists")
    if name in RESERVED_TRACK_NAMES:
        raise EditError(f"{name!r} cannot name a track: song files use it for a setting")


def _names(value: object, what: str) -> tuple[str, ...]:
    """A list of names from one name or any iterable of names."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable):
        names = tuple(value)
        if all(isinstance(n, str) for n in names):
            return names
    raise EditError(f"{what} must be a list of names, not {value!r}")


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


# helpers: values --------------------------------------------------------------------------


def _hit(velocity: int) -> Step:
    if isinstance(velocity, bool) or not isinstance(velocity, int):
        raise EditError(f"velocity must be a whole number, not {velocity!r}")
    with _valid():
        return Step(velocity=velocity)


def _changed(obj: _D, changes: Mapping[str, object]) -> _D:
    """`replace(obj, **changes)`, its checks' ValueError turned into EditError."""
    with _valid():
        return replace(obj, **changes)


def _rotated(steps: tuple[Step | None, ...], amount: int) -> tuple[Step | None, ...]:
    shift = amount % len(steps)
    return steps[len(steps) - shift :] + steps[: len(steps) - shift]


def _resized(steps: tuple[Step | None, ...], length: int) -> tuple[Step | None, ...]:
    return steps[:length] + (None,) * (length - len(steps))


def _new_instrument(song: Song, name: str, sample: str) -> Instrument:
    """An instrument `name` playing `sample`: a shipped sound renamed, or an audio file."""
    shipped = shipped_sound(sample)
    if shipped is not None:
        return replace(shipped, name=name)
    file = _audio_file(sample)
    taken = {(i.channel, i.note) for i in song.kit.instruments}
    channel, note = assign_midi([name], taken=taken)[0]
    with _valid():
        return Instrument(
            name=name, sample=str(file), path=str(file.resolve()), channel=channel, note=note
        )


def _audio_file(sample: str) -> Path:
    """The audio file `sample` names by its full path; EditError if it is not one."""
    file = Path(sample).expanduser()
    if not file.is_absolute():
        kit_name, slash, sound = sample.partition("/")
        kit = shipped_kit(kit_name) if slash else None
        if kit is not None:
            sounds = ", ".join(i.name for i in kit.instruments)
            raise EditError(f"kit {kit_name!r} has no sound {sound!r} (sounds: {sounds})")
        raise EditError(
            f"{sample!r} is not a sound: give a shipped sound like 'boom/kick'"
            " or the full path of an audio file"
        )
    if file.suffix.lower() not in AUDIO_SUFFIXES:
        raise EditError(f"{file.name} is not an audio file (expected {', '.join(AUDIO_SUFFIXES)})")
    if not file.is_file():
        raise EditError(f"no audio file at {file}")
    return file


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _checked(
    what: str, cls: type, fields: Mapping[str, object], allowed: Iterable[str]
) -> dict[str, object]:
    """`fields` checked against `cls`'s field types; whole numbers for floats made floats.

    A key `cls` has no field for (`new_name`) must be text.
    """
    hints = _hints(cls)
    names = set(allowed)
    changes: dict[str, object] = {}
    for key, value in fields.items():
        if key not in names:
            raise EditError(f"{what} has no setting {key!r}")
        hint = hints.get(key, str)
        if not _fits(value, hint):
            raise EditError(f"{key} must be {_describe(hint)}, not {value!r}")
        if isinstance(value, int) and not isinstance(value, bool) and not _takes_int(hint):
            value = float(value)
        changes[key] = value
    return changes


def _takes_int(hint: Any) -> bool:
    return hint is int or int in get_args(hint)


def _fits(value: object, hint: Any) -> bool:
    origin = get_origin(hint)
    if origin is Union or origin is UnionType:
        return any(_fits(value, arg) for arg in get_args(hint))
    if hint is NoneType or hint is None:
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if origin is tuple:
        args = get_args(hint)
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_fits(v, args[0]) for v in value)
        return len(value) == len(args) and all(
            _fits(v, a) for v, a in zip(value, args, strict=True)
        )
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


def _describe(hint: Any) -> str:
    origin = get_origin(hint)
    if origin is Union or origin is UnionType:
        return " or ".join(_describe(arg) for arg in get_args(hint))
    words: dict[Any, str] = {
        NoneType: "None",
        bool: "True or False",
        int: "a whole number",
        float: "a number",
        str: "text",
        Condition: "a condition like Condition(1, 4)",
        Humanize: "a Humanize(timing, velocity)",
    }
    if hint in words:
        return words[hint]
    if origin is tuple:
        args = get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return f"a list of {_describe(args[0])}"
        return f"{len(args)} values ({', '.join(_describe(a) for a in args)})"
    return getattr(hint, "__name__", str(hint))
