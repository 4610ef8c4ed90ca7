"""The compiler places every hit exactly: positions in ticks and samples, velocities."""

from dataclasses import replace
from fractions import Fraction

from beatseq.compile import compile_song
from beatseq.model import Feel, Humanize, Section, Track
from beatseq.ticks import TempoMap
from tests.helpers import pattern, song, ticks


def test_straight_sixteenths_at_120_bpm():
    t = compile_song(song(pattern(kick="x...x...x...x..."), bpm=120), sample_rate=48000)
    assert ticks(t, "kick") == [0, 960, 1920, 2880]
    assert [e.sample for e in t.events] == [0, 24000, 48000, 72000]
    assert t.length == 3840
    assert [e.seconds for e in t.events] == [0.0, 0.5, 1.0, 1.5]


def test_velocity_characters():
    t = compile_song(song(pattern(hat="xXo19...")))
    assert [e.velocity for e in t.events] == [100, 127, 50, 14, 127]


def test_mpc_swing_58_on_sixteenths():
    # At 58 % every second 16th of a pair starts at 58 % of the 8th: 0.58 * 480 = 278.4.
    t = compile_song(song(pattern(hat="xxxxxxxx"), swing=58))
    assert ticks(t, "hat") == [0, 278, 480, 758, 960, 1238, 1440, 1718]
    assert [e.grid_tick for e in t.events] == [0, 240, 480, 720, 960, 1200, 1440, 1680]


def test_swing_on_eighths_moves_the_offbeat_eighth():
    s = song(pattern(hat="xxxx", resolution="1/8"), swing=66, swing_unit="1/8")
    assert ticks(compile_song(s), "hat") == [0, 634, 960, 1594]  # 0.66 * 960 = 633.6


def test_straight_swing_changes_nothing():
    s = song(pattern(hat="x.xxx{r3}.x.", kick="x..x..x."))
    t = compile_song(s)
    assert [e.tick for e in t.events] == [e.grid_tick for e in t.events]


def test_triplet_grids_do_not_swing():
    s = song(pattern(hat="xxxxxx", resolution="1/16t"), swing=62)
    assert ticks(compile_song(s), "hat") == [0, 160, 320, 480, 640, 800]


def test_pattern_and_track_swing_override_the_song():
    hat = Track("hat", pattern(hat="xx").tracks[0].steps, swing=75)
    s = song(pattern(hat=hat, kick="xx", swing=54), swing=62)
    t = compile_song(s)
    assert ticks(t, "hat") == [0, 360]  # 0.75 * 480
    assert ticks(t, "kick") == [0, 259]  # 0.54 * 480 = 259.2


def test_feel_in_ticks_and_milliseconds():
    snare = Track("snare", pattern(snare="....x...").tracks[0].steps, feel=Feel(20))
    hat = Track("hat", pattern(hat="..x.....").tracks[0].steps, feel=Feel(-10, "ms"))
    t = compile_song(song(pattern(snare=snare, hat=hat), bpm=90))
    assert ticks(t, "snare") == [980]
    # -10 ms at 90 BPM = -14.4 ticks -> -14
    assert ticks(t, "hat") == [480 - 14]


def test_nudge_moves_one_step():
    t = compile_song(song(pattern(kick="x...x{+30}...x{-25}...")))
    assert ticks(t, "kick") == [0, 990, 1895]


def test_rolls_spread_hits_and_ramp_velocity():
    t = compile_song(song(pattern(snare="x{r4>40}...", steps=4)))
    assert ticks(t, "snare") == [0, 60, 120, 180]
    assert [e.velocity for e in t.events] == [100, 80, 60, 40]
    assert {e.length for e in t.events} == {60}
    t = compile_song(song(pattern(snare="x{r3}...")))
    assert ticks(t, "snare") == [0, 80, 160]


def test_rolls_inside_a_swung_step_follow_the_swing():
    # second 16th under 60 % swing spans 288..480: a roll of 2 sits at 288 and 384
    t = compile_song(song(pattern(hat=".x{r2}"), swing=60))
    assert ticks(t, "hat") == [288, 384]


def test_conditions_count_passes_of_the_track():
    s = song(
        pattern(snare="x{1:4}x{4:4}x{2:2}."),
        sections=(Section("s", ("p",), repeat=8),),
    )
    t = compile_song(s)
    passes = [(e.tick // 960, e.step) for e in t.events]
    assert [p for p, step in passes if step == 0] == [0, 4]
    assert [p for p, step in passes if step == 1] == [3, 7]
    assert [p for p, step in passes if step == 2] == [1, 3, 5, 7]


def test_probability_is_seeded_and_roughly_right():
    s = song(pattern(hat="x{50%}" * 16), sections=(Section("s", ("p",), repeat=64),), seed=3)
    a, b = compile_song(s), compile_song(s)
    assert a == b
    assert 400 <= len(a.events) <= 620  # 1024 steps at 50 %
    other = compile_song(replace(s, seed=4))
    assert [e.tick for e in other.events] != [e.tick for e in a.events]


def test_probability_zero_and_hundred():
    s = song(pattern(hat="x{0%}x{100%}"), sections=(Section("s", ("p",), repeat=10),))
    assert len(compile_song(s).events) == 10


def test_humanize_is_bounded_and_seeded():
    s = song(
        pattern(hat="xxxxxxxxxxxxxxxx"),
        humanize=Humanize(timing=10, velocity=12),
        sections=(Section("s", ("p",), repeat=4),),
        seed=11,
    )
    t = compile_song(s)
    offsets = [e.tick - e.grid_tick for e in t.events if e.tick > 0]
    assert all(-10 <= o <= 10 for o in offsets) and len(set(offsets)) > 5
    assert all(88 <= e.velocity <= 112 for e in t.events)
    assert len({e.velocity for e in t.events}) > 5
    assert compile_song(s) == t


def test_track_humanize_overrides_the_song():
    hat = Track("hat", pattern(hat="xxxx").tracks[0].steps, humanize=Humanize())
    s = song(pattern(hat=hat, kick="xxxx"), humanize=Humanize(timing=30, velocity=30), seed=1)
    t = compile_song(s)
    assert [(e.tick, e.velocity) for e in t.events if e.track == "hat"] == [
        (0, 100),
        (240, 100),
        (480, 100),
        (720, 100),
    ]


def test_choke_group_records_the_voices_it_cuts():
    s = song(
        pattern(open_hat="x...x...", closed_hat="..x...x."),
        choke={"open-hat": "hats", "closed-hat": "hats"},
    )
    t = compile_song(s)
    names = [(e.track, e.cuts) for e in t.events]
    assert names == [
        ("open-hat", ()),
        ("closed-hat", (0,)),
        ("open-hat", (1,)),
        ("closed-hat", (2,)),
    ]


def test_mono_instrument_cuts_its_own_last_hit():
    s = song(pattern(sub="x.x.x.", hat="xxxxxx"), choke={"hat": "hats"})
    s = replace(s, kit=s.kit.with_instrument(replace(s.kit["sub"], mono=True)))
    t = compile_song(s)
    subs = [i for i, e in enumerate(t.events) if e.track == "sub"]
    assert [t.events[i].cuts for i in subs] == [(), (subs[0],), (subs[1],)]
    assert all(e.cuts == () for e in t.events if e.track == "hat")


def test_sections_repeats_and_mutes():
    verse = pattern("verse", kick="x...", snare="..x.")
    hook = pattern("hook", kick="xx..", snare="..x.")
    s = song(
        verse,
        hook,
        sections=(
            Section("verse", ("verse",), repeat=2),
            Section("hook", ("hook",), mute=("snare",)),
        ),
        arrangement=("verse", "hook", "verse"),
    )
    t = compile_song(s)
    assert [(sp.name, sp.start, sp.end, sp.visit) for sp in t.sections] == [
        ("verse", 0, 1920, 0),
        ("hook", 1920, 2880, 0),
        ("verse", 2880, 4800, 1),
    ]
    assert ticks(t, "snare") == [480, 1440, 3360, 4320]
    assert ticks(t, "kick") == [0, 960, 1920, 2160, 2880, 3840]
    assert [e.section for e in t.events if e.track == "kick"] == [
        "verse",
        "verse",
        "hook",
        "hook",
        "verse",
        "verse",
    ]


def test_section_tempo_changes_build_the_tempo_map():
    a = pattern("a", kick="x...x...x...x...")
    s = song(a, sections=(Section("slow", ("a",)), Section("fast", ("a",), bpm=150)), bpm=100)
    t = compile_song(s, sample_rate=44100)
    assert t.tempo.changes == ((0, 100), (3840, 150))
    bar_at_100 = Fraction(240, 100)
    expected = TempoMap.from_changes([(0, 100), (3840, 150)])
    for e in t.events:
        assert e.sample == expected.sample(e.tick, 44100)
    fast = [e for e in t.events if e.section == "fast"]
    assert fast[1].seconds == float(bar_at_100 + Fraction(60, 150))


def test_feel_in_ms_follows_the_section_tempo():
    hat = Track("hat", pattern(hat="x...").tracks[0].steps, feel=Feel(10, "ms"))
    p = pattern("a", hat=hat, steps=4)
    s = song(p, sections=(Section("one", ("a",)), Section("two", ("a",), bpm=60)), bpm=120)
    t = compile_song(s)
    assert ticks(t, "hat") == [19, 960 + 10]  # 10 ms is 19.2 ticks at 120, 9.6 at 60


def test_polymeter_track_loops_at_its_own_length():
    hat = Track("hat", pattern(hat="x..").tracks[0].steps)
    p = pattern(kick="x.......", hat=hat, steps=8)
    t = compile_song(replace(song(p), sections=(Section("s", ("p",), repeat=2),)))
    assert ticks(t, "hat") == [0, 720, 1440, 2160, 2880, 3600]


def test_shorter_patterns_loop_inside_the_longest():
    drums = pattern("drums", kick="x...")
    bass = pattern("bass", sub="x.......x.......")
    s = song(drums, bass, sections=(Section("s", ("drums", "bass")),))
    t = compile_song(s)
    assert t.length == 3840
    assert ticks(t, "kick") == [0, 960, 1920, 2880]


def test_offsets_are_clamped_to_the_song():
    t = compile_song(song(pattern(hat="x{-40}..x{+300}")))
    assert ticks(t, "hat") == [0, 959]


def test_pitch_and_midi_notes():
    t = compile_song(song(pattern(snare="x{t+3}", sub="x{t-5}")))
    snare, sub = t.events
    assert (snare.pitch, snare.note, snare.channel) == (3, 38, 10)  # drums keep their note
    assert (sub.pitch, sub.note, sub.channel) == (-5, 24, 2)  # melodic: 29 - 5


def test_only_section_and_only_pattern():
    verse = pattern("verse", kick="x...")
    hook = pattern("hook", kick="xx..")
    s = song(verse, hook, sections=(Section("v", ("verse",), repeat=3), Section("h", ("hook",))))
    assert compile_song(s.only_section("v")).length == 2880
    t = compile_song(s.only_pattern("hook"))
    assert t.length == 960 and ticks(t, "kick") == [0, 240]


def test_events_between():
    t = compile_song(song(pattern(kick="xxxxxxxx")))
    assert [e.tick for e in t.events_between(240, 960)] == [240, 480, 720]


def test_the_compilers_fast_events_are_the_frozen_events_themselves():
    # compile_song makes its events with timeline.new_event, which sets each slot
    # directly: the same fields, equal and hashing alike, and still frozen
    import dataclasses

    import pytest

    from beatseq.compile.timeline import Event, new_event

    values = (5, 6, 0.5, "kick", 90, -2, 240, "verse", 36, 10, 4, 1, 2, (0, 1), True, 38, 480)
    made = new_event(*values)
    assert made == Event(*values) and hash(made) == hash(Event(*values))
    assert dataclasses.astuple(made) == values
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.tick = 7  # type: ignore[misc]
    with pytest.raises(TypeError):
        new_event(*values[:-1])  # every field, in order
