"""Melodic tracks in the compiler: notes, lengths under swing, chords, slides, channels."""

from dataclasses import replace

from beatseq.compile import compile_song
from beatseq.compile.timeline import Event
from beatseq.model import Feel, Instrument, Section
from tests.helpers import pattern, song


def _notes(events: tuple[Event, ...], track: str = "keys") -> list[tuple[int, int, int]]:
    """(tick, note, length) of a track's events."""
    return [(e.tick, e.note, e.length) for e in events if e.track == track]


def test_notes_and_holds_straight() -> None:
    s = song(pattern(keys="C2 . . . D#2 . G1 - - . . . . . . ."))
    events = compile_song(s).events
    assert _notes(events) == [(0, 36, 240), (960, 39, 240), (1440, 31, 720)]
    assert [e.grid_length for e in events] == [240, 240, 720]
    assert [e.velocity for e in events] == [100, 100, 100]
    assert [e.step for e in events] == [0, 4, 6]


def test_lengths_end_on_the_swung_start_of_the_step_after_the_hold() -> None:
    # swing 60 on 1/16: odd steps start 288 ticks into each 8th instead of 240
    s = song(pattern(keys="C2 D2 E2 - F2 - - G2"), swing=60)
    events = compile_song(s).events
    assert _notes(events) == [
        (0, 36, 288),  # to step 1 (swung, 288)
        (288, 38, 192),  # to step 2 (480)
        (480, 40, 480),  # held to step 4 (960)
        (960, 41, 768),  # held to step 7 (1440 + 288)
        (1728, 43, 192),  # to the end of the pattern (1920)
    ]
    assert [e.grid_length for e in events] == [240, 240, 480, 720, 240]


def test_feel_moves_start_and_end_nudge_moves_only_the_start() -> None:
    p = pattern(keys="C2{+20} D2 . .")
    track = replace(p.tracks[0], feel=Feel(10))
    s = song(replace(p, tracks=(track,)))
    assert _notes(compile_song(s).events) == [(30, 36, 220), (250, 38, 240)]


def test_a_note_never_runs_past_the_next_ones_start() -> None:
    # the second note is pushed early by 30 ticks: the first stops there, no overlap
    s = song(pattern(keys="C2 D2{-30} . ."))
    assert _notes(compile_song(s).events) == [(0, 36, 210), (210, 38, 270)]


def test_chords_give_one_event_per_note() -> None:
    s = song(pattern(keys="[Fm9] - [C3,E3,G3]{v80} ."))
    events = compile_song(s).events
    assert _notes(events) == [
        (0, 53, 480),
        (0, 56, 480),
        (0, 60, 480),
        (0, 63, 480),
        (0, 67, 480),
        (480, 48, 240),
        (480, 52, 240),
        (480, 55, 240),
    ]
    assert [e.velocity for e in events[5:]] == [80, 80, 80]


def test_slides_name_their_target_and_reach_it() -> None:
    s = song(pattern(keys="C2~ D#2~{+30} - G1~ . A1 [C3,E3]~ [D3,F3]"))
    events = compile_song(s).events
    got = [(e.tick, e.note, e.length, e.slide, e.slide_to) for e in events]
    assert got[:5] == [
        (0, 36, 270, True, 39),  # reaches D#2's nudged start exactly
        (270, 39, 450, True, 31),
        (720, 31, 240, True, None),  # a rest follows: nothing to slide into
        (1200, 33, 240, False, None),
        (1440, 48, 240, True, 50),  # each chord note slides to the nearest of the next
    ]
    assert got[5][1:] == (52, 240, True, 53)


def test_a_slide_across_the_loop_point_and_the_section_end() -> None:
    p = pattern(keys="C2 . . D2~")
    s = song(p, sections=(Section("a", ("p",), repeat=2),))
    events = compile_song(s).events
    assert [(e.tick, e.slide_to) for e in events] == [
        (0, None),
        (720, 36),
        (960, None),
        (1680, None),
    ]


def test_plain_drum_events_are_unchanged() -> None:
    s = song(pattern(kick="x..X", keys="C2 . . ."), swing=60)
    kick = [e for e in compile_song(s).events if e.track == "kick"]
    assert [(e.tick, e.length, e.grid_length, e.slide) for e in kick] == [
        (0, 240, None, False),
        (768, 240, None, False),
    ]
    assert [e.channel for e in kick] == [10, 10]


def test_melodic_tracks_get_their_own_channel_and_pitch_from_the_root() -> None:
    s = song(pattern(kick="x...", keys="C4 . . .", lead="x - C5 ."))
    lead = replace(s.kit["lead"], root=60)
    s = replace(s, kit=s.kit.with_instrument(lead))
    events = compile_song(s).events
    by_track = {e.track: [] for e in events}
    for e in events:
        by_track[e.track].append(e)
    assert [e.channel for e in by_track["kick"]] == [10]
    assert [e.channel for e in by_track["keys"]] == [1]
    assert [e.channel for e in by_track["lead"]] == [2, 2]
    keys_instrument: Instrument = s.kit["keys"]
    assert by_track["keys"][0].pitch == 60 - keys_instrument.note
    # a plain hit on a melodic track plays the instrument's note; notes repitch from root
    assert [(e.note, e.pitch, e.length) for e in by_track["lead"]] == [
        (lead.note, 0, 480),
        (72, 12, 240),
    ]
