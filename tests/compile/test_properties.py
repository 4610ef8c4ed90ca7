"""Properties every compiled timeline has, for any valid song."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from beatseq.compile import compile_song
from beatseq.model import Feel, Humanize, Song
from tests.strategies import songs

settings.register_profile("default", max_examples=60, deadline=None)
settings.load_profile("default")


@given(songs())
def test_events_are_sorted_and_inside_the_song(song: Song) -> None:
    t = compile_song(song)
    ticks = [e.tick for e in t.events]
    assert ticks == sorted(ticks)
    assert all(0 <= tick < t.length for tick in ticks)
    assert t.length == sum(s.end - s.start for s in t.sections)
    for index, e in enumerate(t.events):
        assert 1 <= e.velocity <= 127
        assert all(i < index for i in e.cuts)


@given(songs(), st.sampled_from([44100, 48000, 96000]))
def test_tick_to_sample_is_strictly_increasing(song: Song, rate: int) -> None:
    t = compile_song(song, sample_rate=rate)
    for a, b in zip(t.events, t.events[1:]):
        if b.tick > a.tick:
            assert b.sample > a.sample
        else:
            assert b.sample == a.sample
    for e in t.events:
        assert e.sample == t.tempo.sample(e.tick, rate)


@given(songs())
def test_the_same_seed_gives_the_same_timeline(song: Song) -> None:
    assert compile_song(song) == compile_song(replace(song))


def _straight(song: Song) -> Song:
    patterns = tuple(
        replace(
            p,
            swing=50.0 if p.swing is not None else None,
            tracks=tuple(
                replace(
                    t,
                    swing=50.0 if t.swing is not None else None,
                    feel=Feel(),
                    humanize=None,
                    steps=tuple(s if s is None else replace(s, nudge=0) for s in t.steps),
                )
                for t in p.tracks
            ),
        )
        for p in song.patterns
    )
    return replace(song, swing=50.0, humanize=Humanize(), patterns=patterns)


@given(songs())
def test_straight_swing_changes_nothing(song: Song) -> None:
    straight = compile_song(_straight(song))
    assert all(e.tick == e.grid_tick for e in straight.events)


@given(songs())
def test_swing_moves_only_time(song: Song) -> None:
    swung = compile_song(song)
    plain = compile_song(replace(song, swing=50.0))
    assert [(e.grid_tick, e.track, e.step) for e in sorted(swung.events, key=_grid)] == [
        (e.grid_tick, e.track, e.step) for e in sorted(plain.events, key=_grid)
    ]


def _grid(e):  # type: ignore[no-untyped-def]
    return (e.grid_tick, e.track, e.step, e.velocity, e.tick)
