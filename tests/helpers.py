"""Small builders for tests: songs from step strings, without files."""

from __future__ import annotations

from beatseq.formats.steps import parse_steps
from beatseq.model import Instrument, Kit, Pattern, Section, Song, Track
from beatseq.model.gm import assign_midi


def kit(*names: str, choke: dict[str, str] | None = None) -> Kit:
    choke = choke or {}
    midi = assign_midi(list(names))
    return Kit(
        tuple(
            Instrument(name=n, sample=f"{n}.wav", choke=choke.get(n), channel=c, note=note)
            for n, (c, note) in zip(names, midi, strict=True)
        )
    )


def pattern(
    name: str = "p",
    steps: int | None = None,
    resolution: str = "1/16",
    swing: float | None = None,
    **tracks: str | Track,
) -> Pattern:
    built = []
    for track_name, value in tracks.items():
        track_name = track_name.replace("_", "-")
        built.append(Track(track_name, parse_steps(value)) if isinstance(value, str) else value)
    count = steps if steps is not None else max(t.length for t in built)
    return Pattern(name=name, steps=count, resolution=resolution, tracks=tuple(built), swing=swing)


def song(
    *patterns: Pattern,
    sections: tuple[Section, ...] | None = None,
    choke: dict[str, str] | None = None,
    **fields: object,
) -> Song:
    names: list[str] = []
    for p in patterns:
        for t in p.tracks:
            if t.name not in names:
                names.append(t.name)
    if sections is None:
        sections = tuple(Section(name=p.name, patterns=(p.name,)) for p in patterns)
    return Song(kit=kit(*names, choke=choke), patterns=patterns, sections=sections, **fields)  # type: ignore[arg-type]


def ticks(timeline, track: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [e.tick for e in timeline.events if e.track == track]
