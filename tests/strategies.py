"""Hypothesis strategies for valid models: steps, tracks, patterns, songs."""

from __future__ import annotations

from dataclasses import fields, replace

from hypothesis import strategies as st

from beatseq.model import (
    Condition,
    Feel,
    Humanize,
    Instrument,
    Kit,
    Pattern,
    Section,
    Song,
    Step,
    Track,
)
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
from beatseq.model.pitch import FLAT_NAMES, SCALES, SHARP_NAMES, Key
from beatseq.model.synth import SYNTH_CHOICES, SYNTH_PRESETS, SYNTH_RANGES, Synth
from beatseq.ticks import RESOLUTIONS, SWING_UNITS
from tests.helpers import kit

NAMES = ["kick", "snare", "hat", "open-hat", "clap", "rim", "perc", "sub", "shaker"]


@st.composite
def steps(draw: st.DrawFn) -> Step:
    roll = draw(st.sampled_from([1, 1, 1, 2, 3, 4, 6, 8]))
    roll_to = draw(st.none() | st.integers(1, 127)) if roll > 1 else None
    condition = None
    if draw(st.booleans()) and draw(st.booleans()):
        b = draw(st.integers(1, 8))
        condition = Condition(draw(st.integers(1, b)), b)
    return Step(
        velocity=draw(st.integers(1, 127)),
        probability=draw(st.sampled_from([100, 100, 100, 0, 25, 50, 99])),
        nudge=draw(st.sampled_from([0, 0, 0]) | st.integers(-480, 480)),
        roll=roll,
        roll_to=roll_to,
        condition=condition,
        pitch=draw(st.sampled_from([0, 0]) | st.integers(-48, 48)),
    )


def step_lists(length: int) -> st.SearchStrategy[tuple[Step | None, ...]]:
    return st.lists(st.none() | steps(), min_size=length, max_size=length).map(tuple)


@st.composite
def note_steps(draw: st.DrawFn) -> Step:
    """A melodic step: a note or a chord, maybe held, maybe sliding (a Track cuts holds)."""
    step = draw(steps())
    chord = draw(st.lists(st.integers(0, 127), min_size=1, max_size=5, unique=True))
    roll = step.roll if draw(st.integers(0, 3)) == 0 else 1
    return Step(
        velocity=step.velocity,
        probability=step.probability,
        nudge=step.nudge,
        roll=roll,
        roll_to=step.roll_to if roll > 1 else None,
        condition=step.condition,
        notes=tuple(sorted(chord)) if draw(st.booleans()) else (chord[0],),
        length=1 if roll > 1 else draw(st.integers(1, 4)),
        slide=roll == 1 and draw(st.booleans()),
    )


def note_step_lists(length: int) -> st.SearchStrategy[tuple[Step | None, ...]]:
    """A melodic track's steps: notes, chords, plain hits and rests."""
    return st.lists(
        st.none() | note_steps() | note_steps() | steps().map(lambda s: replace(s, pitch=0)),
        min_size=length,
        max_size=length,
    ).map(tuple)


keys = st.builds(
    Key, st.sampled_from(sorted(set(SHARP_NAMES + FLAT_NAMES))), st.sampled_from(list(SCALES))
)


humanizes = st.builds(Humanize, timing=st.integers(0, 120), velocity=st.integers(0, 64))
feels = st.one_of(
    st.builds(Feel, st.integers(-480, 480), st.just("ticks")),
    st.builds(Feel, st.integers(-2500, 2500).map(lambda v: v / 10), st.just("ms")),
)
swings = st.integers(100, 150).map(lambda v: v / 2)


@st.composite
def tracks(draw: st.DrawFn, name: str, length: int) -> Track:
    if draw(st.integers(0, 4)) == 0:
        length = draw(st.integers(1, 24))
    melodic = draw(st.integers(0, 3)) == 0
    return Track(
        name=name,
        steps=draw(note_step_lists(length) if melodic else step_lists(length)),
        swing=draw(st.none() | swings),
        feel=draw(st.just(Feel()) | feels),
        humanize=draw(st.none() | humanizes),
    )


@st.composite
def patterns(draw: st.DrawFn, name: str, instruments: list[str]) -> Pattern:
    length = draw(st.integers(1, 32))
    chosen = draw(st.lists(st.sampled_from(instruments), min_size=1, unique=True))
    return Pattern(
        name=name,
        steps=length,
        resolution=draw(st.sampled_from(list(RESOLUTIONS))),
        tracks=tuple(draw(tracks(n, length)) for n in chosen),
        swing=draw(st.none() | swings),
    )


@st.composite
def songs(draw: st.DrawFn) -> Song:
    instruments = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True))
    pattern_names = draw(
        st.lists(
            st.sampled_from(["a", "b", "verse", "hook 2"]), min_size=1, max_size=3, unique=True
        )
    )
    built = tuple(draw(patterns(n, instruments)) for n in pattern_names)
    section_names = draw(
        st.lists(
            st.sampled_from(["intro", "verse", "hook", "outro"]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    sections = tuple(
        Section(
            name=n,
            patterns=tuple(
                draw(st.lists(st.sampled_from(pattern_names), min_size=1, max_size=2, unique=True))
            ),
            repeat=draw(st.integers(1, 3)),
            mute=tuple(draw(st.lists(st.sampled_from(instruments), max_size=1, unique=True))),
            bpm=draw(st.none() | st.integers(200, 3000).map(lambda v: v / 10)),
        )
        for n in section_names
    )
    chokes = {n: "g" for n in instruments if draw(st.booleans())}
    base = kit(*instruments, choke=chokes)
    return Song(
        title=draw(st.text(min_size=1, max_size=12)),
        bpm=draw(st.integers(200, 3000).map(lambda v: v / 10)),
        time_signature=draw(st.sampled_from([(4, 4), (3, 4), (6, 8), (7, 8), (5, 4)])),
        swing=draw(swings),
        swing_unit=draw(st.sampled_from(list(SWING_UNITS))),
        seed=draw(st.integers(0, 2**32)),
        gain=draw(st.sampled_from([0.0, -6.0, 4.5])),
        humanize=draw(st.just(Humanize()) | humanizes),
        key=draw(st.none() | keys),
        kit=Kit(
            tuple(
                replace(draw(sampler_settings(i)), fx=draw(effects(i.name, instruments)))
                for i in base.instruments
            )
        ),
        mix=draw(mixes()),
        patterns=built,
        sections=sections,
        arrangement=tuple(draw(st.lists(st.sampled_from(section_names), max_size=5))),
    )


def _number(low: float, high: float) -> st.SearchStrategy[float]:
    return st.sampled_from([low, high]) | st.floats(low, high).map(lambda v: round(v, 2))


def _settings(plain: object, **other: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """`plain` (a settings dataclass) with any of its RANGES numbers drawn, and `other`
    fields from their strategies."""
    ranges: dict[str, tuple[float, float]] = getattr(plain, "RANGES", {})
    changed = {
        name: st.just(getattr(plain, name)) | _number(low, high)
        for name, (low, high) in ranges.items()
    }
    return st.fixed_dictionaries({**changed, **other}).map(
        lambda values: replace(plain, **values)  # type: ignore[type-var]
    )


@st.composite
def effects(draw: st.DrawFn, name: str, tracks: list[str]) -> Effects:
    """A track's effects: none at all half the time, else any of them."""
    if draw(st.booleans()):
        return PLAIN_EFFECTS
    others = [t for t in tracks if t != name]

    def maybe(strategy: st.SearchStrategy[object]) -> object:
        return draw(st.none() | strategy)

    return Effects(
        filter=maybe(_settings(Filter(), kind=st.sampled_from(FILTER_KINDS))),
        drive=draw(st.just(0.0) | _number(*DRIVE_RANGE)),
        crush=maybe(_settings(Crush())),
        eq=maybe(_settings(Eq())),
        comp=maybe(_settings(Compressor())),
        reverb=maybe(_number(*SEND_RANGE)),
        delay=maybe(_number(*SEND_RANGE)),
        duck=maybe(_settings(Duck(by=""), by=st.sampled_from(others))) if others else None,
    )  # type: ignore[arg-type]


def mixes() -> st.SearchStrategy[Mix]:
    return st.builds(
        Mix,
        reverb=_settings(Reverb()),
        delay=_settings(Delay(), time=st.sampled_from(list(DELAY_NOTES))),
        glue=st.none() | _settings(Compressor()),
        loudness=st.none() | _number(*LOUDNESS_RANGE),
    )


@st.composite
def sampler_settings(draw: st.DrawFn, instrument: Instrument) -> Instrument:
    """The instrument with some of its sound settings changed."""
    if draw(st.booleans()):
        return instrument
    start = draw(st.sampled_from([0.0, 0.01, 0.25]))
    return Instrument(
        name=instrument.name,
        sample=instrument.sample,
        gain=draw(st.sampled_from([0.0, -3.5, 6.0])),
        pan=draw(st.sampled_from([0.0, -0.5, 1.0])),
        pitch=draw(st.sampled_from([0.0, -12.0, 3.5])),
        choke=instrument.choke,
        note=instrument.note,
        channel=instrument.channel,
        root=draw(st.none() | st.integers(0, 127)),
        start=start,
        end=draw(st.none() | st.sampled_from([start + 0.1, start + 2.0])),
        reverse=draw(st.booleans()),
        attack=draw(st.sampled_from([0.0, 2.0, 15.5])),
        hold=draw(st.none() | st.sampled_from([0.0, 80.0])),
        decay=draw(st.sampled_from([0.0, 120.0])),
        lowpass=draw(st.none() | st.sampled_from([200.0, 8000.0])),
        highpass=draw(st.none() | st.sampled_from([40.0, 900.0])),
        velocity_curve=draw(st.sampled_from([1.5, 0.0, 2.0])),
        mono=draw(st.booleans()),
        mute=draw(st.booleans()),
        solo=draw(st.booleans()),
        synth=draw(st.none() | synths()),
    )


def synths() -> st.SearchStrategy[Synth]:
    """A preset of any kind, sometimes with settings changed (what `synth = {...}`
    writes): its decay, and one other setting of its kind at either end of its range."""

    @st.composite
    def build(draw: st.DrawFn) -> Synth:
        preset = SYNTH_PRESETS[draw(st.sampled_from(sorted(SYNTH_PRESETS)))]
        changes: dict[str, object] = {}
        decay = draw(st.sampled_from([None, 0.5, 2.25]))
        if decay is not None:
            changes["decay"] = decay
        names = [f.name for f in fields(preset) if f.name != "decay"]
        name = draw(st.none() | st.sampled_from(names))
        choices = SYNTH_CHOICES.get(preset.kind, {})
        if name in choices:
            changes[name] = draw(st.sampled_from(choices[name]))
        elif name is not None:
            low, high = SYNTH_RANGES[preset.kind][name]
            value = draw(st.sampled_from([low, high]))
            changes[name] = int(value) if isinstance(getattr(preset, name), int) else float(value)
        if preset.kind == "808":
            changes["release"] = draw(st.sampled_from([preset.release, None, 120.0]))
        return replace(preset, **changes)  # type: ignore[arg-type]

    return build()
