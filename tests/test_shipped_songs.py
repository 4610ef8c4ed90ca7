"""The demo songs shipped in patterns/: complete arrangements that sound like their genre.

Each song is loaded and compiled the way `beatseq` does it, then checked for the
facts that make it a usable template (a real arrangement of sensible length, the
richer step features in use) and for what makes it its genre: boom bap's swing,
trap's hat rolls and 808 line, Dilla's late snare and early hats, drill's off-beat
snares, and the reference song's exact length.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

from beatseq.compile import compile_song
from beatseq.compile.timeline import Event, Timeline
from beatseq.formats.songfile import load_song
from beatseq.model import Song

PATTERNS = Path(__file__).resolve().parents[1] / "patterns"
SONGS = sorted(p.stem for p in PATTERNS.glob("*.toml"))
EXPECTED = {
    "boom-bap",
    "lofi",
    "dilla",
    "trap",
    "drill",
    "g-funk",
    "memphis",
    "jersey-club",
    "reference",
}
SIXTEENTH = 240
BEAT = 960


@cache
def song(name: str) -> Song:
    return load_song(PATTERNS / f"{name}.toml")


@cache
def timeline(name: str) -> Timeline:
    return compile_song(song(name))


def events(name: str, *tracks: str) -> list[Event]:
    return [e for e in timeline(name).events if e.track in tracks]


def hat_tracks(name: str) -> list[str]:
    return [t for t in song(name).kit.names if "hat" in t]


def offsets(evs: list[Event]) -> list[int]:
    """How far each hit sounds from its straight-grid position, in ticks."""
    return [e.tick - e.grid_tick for e in evs]


def test_every_genre_is_shipped() -> None:
    missing = EXPECTED - set(SONGS)
    assert not missing, f"no song files for {sorted(missing)}"


# Every song ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", SONGS)
def test_is_a_complete_arrangement(name: str) -> None:
    t = timeline(name)
    names = [span.name for span in t.sections]
    assert len(set(names)) >= 3, f"only sections {names}"
    assert t.sections[0].start == 0
    assert "intro" in names[0], f"the song starts with {names[0]!r}, not an intro"
    assert 60 <= t.length_seconds <= 240
    # Every section occurrence makes sound, and the song ends where its last section does.
    played = {e.occurrence for e in t.events}
    assert played == set(range(len(t.sections)))
    assert t.length == t.sections[-1].end


@pytest.mark.parametrize("name", SONGS)
def test_every_section_is_whole_bars(name: str) -> None:
    t = timeline(name)
    for span in t.sections:
        assert span.start % t.bar_ticks == 0, span
        assert span.end % t.bar_ticks == 0, span


@pytest.mark.parametrize("name", SONGS)
def test_uses_the_richer_step_features(name: str) -> None:
    s = song(name)
    used: set[str] = set()
    for pattern in s.patterns:
        for track in pattern.tracks:
            if track.feel or track.swing is not None or track.length != pattern.steps:
                used.add("track settings")
            for step in track.steps:
                if step is None:
                    continue
                if step.velocity == 50:
                    used.add("ghost")
                if step.velocity == 127:
                    used.add("accent")
                if step.roll > 1:
                    used.add("roll")
                if step.probability < 100:
                    used.add("probability")
                if step.condition is not None:
                    used.add("condition")
                if step.nudge:
                    used.add("nudge")
                if step.pitch:
                    used.add("pitch")
    assert len(used) >= 2, f"{name} uses only {sorted(used)}"


@pytest.mark.parametrize("name", SONGS)
def test_mutes_something_somewhere(name: str) -> None:
    assert any(section.mute for section in song(name).sections)


@pytest.mark.parametrize("name", SONGS)
def test_has_comments_for_producers(name: str) -> None:
    text = (PATTERNS / f"{name}.toml").read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert len(comments) >= 5


# Genres -------------------------------------------------------------------------------


def test_boom_bap_tempo_swing_and_kit() -> None:
    s = song("boom-bap")
    assert 85 <= s.bpm <= 95
    assert 56 <= s.swing <= 62
    assert s.swing_unit == "1/16"
    assert s.kit.base == "boom"
    snares = events("boom-bap", "snare")
    # The backbeat cracks on 2 and 4, and ghost notes sit between.
    bar = timeline("boom-bap").bar_ticks
    backbeat = [
        e for e in snares if e.grid_tick % bar in (BEAT, 3 * BEAT) and e.length == SIXTEENTH
    ]  # plain hits: a fill's roll may start soft on beat 4
    assert backbeat and min(e.velocity for e in backbeat) >= 90
    assert any(e.velocity <= 60 for e in snares)


def test_lofi_is_slow_soft_and_loose() -> None:
    s = song("lofi")
    assert 70 <= s.bpm <= 85
    assert s.swing >= 58
    assert s.humanize.timing > 0 and s.humanize.velocity > 0
    drums = events("lofi", "kick", "snare")
    assert statistics.mean(e.velocity for e in drums) < 90


def test_dilla_snare_late_hats_early_kick_drunk() -> None:
    s = song("dilla")
    assert 88 <= s.bpm <= 94
    assert s.swing <= 54, "the feel should come from offsets, not global swing"
    assert statistics.mean(offsets(events("dilla", "snare"))) > 10
    assert statistics.mean(offsets(events("dilla", *hat_tracks("dilla")))) < -5
    kicks = offsets(events("dilla", "kick"))
    off_grid = [o for o in kicks if abs(o) > 15]
    assert len(off_grid) >= len(kicks) / 4, "the kick should be nudged off the grid"
    assert any(o < -15 for o in kicks) and any(o > 15 for o in kicks)


def test_trap_rolls_and_808_line() -> None:
    s = song("trap")
    assert 130 <= s.bpm <= 150
    assert s.kit.base == "808"
    by_track: dict[str, list[int]] = defaultdict(list)
    for e in events("trap", *hat_tracks("trap")):
        by_track[e.track].append(e.tick)
    gaps = [b - a for ticks in by_track.values() for a, b in zip(ticks, ticks[1:])]
    assert any(0 < gap < SIXTEENTH for gap in gaps), "no hat rolls"
    # Triplet rolls too: three hits inside one 16th are 80 ticks apart.
    assert any(gap == SIXTEENTH // 3 for gap in gaps)
    bass = events("trap", "808")
    assert len({e.pitch for e in bass}) >= 3
    # Half time: the clap lands on beat 3.
    bar = timeline("trap").bar_ticks
    claps = events("trap", "clap")
    assert claps and all(e.grid_tick % bar == 2 * BEAT for e in claps)


def test_drill_snares_land_off_the_backbeat() -> None:
    s = song("drill")
    assert 138 <= s.bpm <= 146
    bar = timeline("drill").bar_ticks
    snares = events("drill", "snare")
    off_backbeat = [e for e in snares if e.grid_tick % bar not in (BEAT, 3 * BEAT)]
    assert off_backbeat, "every snare is on 2 or 4"
    off_the_beat = [e for e in snares if e.grid_tick % BEAT != 0]
    assert len(off_the_beat) >= len(snares) / 3, "drill snares should land between the beats"
    assert len({e.pitch for e in events("drill", "808")}) >= 3
    # A pattern of two bars or more carries the lurch.
    assert any(p.steps * p.step_ticks >= 2 * bar for p in s.patterns)


def test_g_funk_claps_snaps_open_hats_cowbell() -> None:
    s = song("g-funk")
    assert 92 <= s.bpm <= 98
    assert s.swing > 50
    for track in ("clap", "snap", "open-hat", "cowbell"):
        assert events("g-funk", track), f"no {track}"


def test_memphis_cowbell_rattle_and_808() -> None:
    s = song("memphis")
    assert 130 <= s.bpm <= 150 or 65 <= s.bpm <= 80
    cowbells = [e for e in timeline("memphis").events if "cowbell" in _sample(s, e.track)]
    assert len(cowbells) >= 100
    assert len(events("memphis", "808")) >= 100
    ticks = [e.tick for e in events("memphis", "closed-hat")]
    assert any(0 < b - a < SIXTEENTH for a, b in zip(ticks, ticks[1:])), "no rattling hats"


def test_jersey_club_five_kick_bounce() -> None:
    s = song("jersey-club")
    assert 135 <= s.bpm <= 150
    t = timeline("jersey-club")
    bar = t.bar_ticks
    # Somewhere the kick plays exactly 1, 2, 3, the "a" of 3 and the "and" of 4.
    classic = (0, BEAT, 2 * BEAT, 2 * BEAT + 3 * SIXTEENTH, 3 * BEAT + 2 * SIXTEENTH)
    bars: dict[int, set[int]] = defaultdict(set)
    for e in events("jersey-club", "kick"):
        bars[e.grid_tick // bar].add(e.grid_tick % bar)
    assert sum(1 for hits in bars.values() if tuple(sorted(hits)) == classic) >= 16
    assert events("jersey-club", "clap")


def test_reference_is_exactly_three_minutes() -> None:
    s = song("reference")
    t = timeline("reference")
    assert abs(t.length_seconds - 180) <= 0.5
    playing = {e.track for e in t.events}
    assert len(playing) >= 10
    kits = {_sample(s, name).split("/")[0] for name in playing}
    assert {"808", "boom"} <= kits, "both shipped kits should play"
    assert events("reference", "808")
    assert all(section.bpm is None for section in s.sections), "a tempo change moves its length"


def _sample(s: Song, track: str) -> str:
    return next(i.sample for i in s.kit.instruments if i.name == track)
