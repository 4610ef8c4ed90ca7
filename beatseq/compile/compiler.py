"""compile_song: the one pure function from a Song to its Timeline.

Everything that decides when and how loud a hit sounds happens here and nowhere else:
the arrangement (sections, repeats, mutes), the tempo map, swing (song, pattern and
track), feel, nudge, rolls, trig conditions, probability and humanize (drawn from the
song's seed, so the same song and seed always give the same timeline) and choke
groups. The engine, the renderer, MIDI export and the UI read the result.

Rules worth knowing:
- A section's pass is as long as its longest pattern; each track loops at its own
  length from the section's start (polymeter), and its loop count is the "pass" that
  trig conditions count.
- Swing is anchored at the section's start and skipped on triplet grids (a triplet
  grid already swings).
- Offsets (feel, nudge, humanize) may push a hit before 0 or past the song's end: it
  is clamped to the song.
- Swing and roll positions are rounded to the nearest tick (at most half a tick,
  0.35 ms at 90 BPM); samples are then computed exactly from that tick.
- Melodic steps give one event per note (a chord, several at one tick). A note lasts
  from its start to the swung start of the step after its hold (plus the track's
  feel), cut at the section's end, and never past the start of the note on that step;
  a slid note ends exactly there and names the note it slides into. Instruments that
  play notes get a MIDI channel other than 10 (`beatseq.model.gm.melodic_channels`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace

from beatseq.compile.groove import Dice, swing_share, swing_tick
from beatseq.compile.timeline import Event, SectionSpan, Timeline, new_event
from beatseq.model import Humanize, Instrument, Pattern, Section, Song, Step, Track
from beatseq.model.gm import melodic_channels
from beatseq.model.step import PITCH_RANGE
from beatseq.ticks import SWING_UNITS, TempoMap, is_triplet, ms_to_ticks

VOICES_PER_CHOKE_INSTRUMENT = 4
"""How many ringing hits of one instrument a choke group keeps track of."""


@dataclass(slots=True)  # the compiler's own scratch: not frozen, which is faster to make
class _Hit:
    tick: int
    grid_tick: int
    order: int
    track: str
    velocity: int
    pitch: int
    length: int
    step: int
    span: SectionSpan
    note: int | None = None
    """A melodic note; None for a plain hit (the instrument's note)."""
    slide: bool = False
    slide_to: int | None = None
    grid_length: int | None = None


def compile_song(song: Song, sample_rate: int = 44100) -> Timeline:
    """The song's timeline: every hit of its arrangement in ticks, seconds and samples."""
    spans = section_spans(song)
    if spans:
        tempo = TempoMap.from_changes([(s.start, s.bpm) for s in spans])
        length = spans[-1].end
    else:
        tempo = TempoMap.constant(song.bpm)
        length = 0
    order = {name: i for i, name in enumerate(song.kit.names)}
    hits: list[_Hit] = []
    for span in spans:
        section = song.section(span.name)
        for pattern_name in section.patterns:
            pattern = song.pattern(pattern_name)
            for track in pattern.tracks:
                if track.name in section.mute:
                    continue
                hits.extend(_track_hits(song, section, span, pattern, track, order[track.name]))
    last = max(length - 1, 0)
    hits = [_clamp(h, last) for h in hits]
    hits.sort(key=lambda h: (h.tick, h.order, h.grid_tick, h.velocity))
    events = _events(song, hits, tempo, sample_rate)
    return Timeline(
        title=song.title,
        events=events,
        sections=tuple(spans),
        tempo=tempo,
        sample_rate=sample_rate,
        length=length,
        time_signature=song.time_signature,
        tracks=song.kit.names,
    )


def section_spans(song: Song) -> list[SectionSpan]:
    """Each section occurrence of the arrangement, end to end from tick 0 (cheap: the
    arrangement's layout without compiling any hits; what the UI's views draw)."""
    spans: list[SectionSpan] = []
    visits: dict[str, int] = defaultdict(int)
    tick = 0
    for occurrence, name in enumerate(song.order):
        section = song.section(name)
        pass_ticks = song.section_pass_ticks(section)
        end = tick + pass_ticks * section.repeat
        spans.append(
            SectionSpan(
                name=name,
                occurrence=occurrence,
                visit=visits[name],
                start=tick,
                end=end,
                pass_ticks=pass_ticks,
                repeat=section.repeat,
                bpm=section.bpm if section.bpm is not None else song.bpm,
                start_bar=tick // song.bar_ticks,
            )
        )
        visits[name] += 1
        tick = end
    return spans


def _track_hits(
    song: Song,
    section: Section,
    span: SectionSpan,
    pattern: Pattern,
    track: Track,
    order: int,
) -> list[_Hit]:
    step_len = pattern.step_ticks
    swing = _swing_for(song, pattern, track)
    share = swing_share(swing) if swing is not None else None
    unit = SWING_UNITS[song.swing_unit]
    feel = _feel_ticks(track, span.bpm)
    humanize = track.humanize if track.humanize is not None else song.humanize
    dice = Dice(song.seed, section.name, span.visit, pattern.name, track.name)
    section_len = span.end - span.start
    steps_in_section = math.ceil(section_len / step_len)
    hits: list[_Hit] = []
    firsts: dict[int, range] = {}  # step in the section -> its hits (a roll's first)
    melodic = track.melodic  # only notes need `firsts` (`_legato`)
    steps, track_length, name, start = track.steps, track.length, track.name, span.start
    for n in range(steps_in_section):
        cycle, index = divmod(n, track_length)
        step = steps[index]
        if step is None:
            continue
        if step.condition is not None and not step.condition.plays(cycle):
            continue
        if step.probability < 100 and dice.chance(n, Dice.PROBABILITY) * 100 >= step.probability:
            continue
        offset = feel + step.nudge
        if humanize.timing:
            offset += round(dice.spread(n, Dice.TIMING) * humanize.timing)
        velocities = step.roll_velocities()
        sub_len = max(1, step_len // step.roll)
        roll = step.roll
        for j in range(roll):
            straight = n * step_len * roll + j * step_len  # in 1/roll ticks
            if straight >= section_len * roll:
                break  # the section ends inside this step: its later roll hits are cut
            tick = start + swing_tick(straight, roll, unit, share) + offset
            length, grid_length = sub_len, None
            if roll == 1 and (step.notes or step.length > 1):
                end = min((n + step.length) * step_len, section_len)
                length = max(1, start + swing_tick(end, 1, unit, share) + feel - tick)
                grid_length = end - n * step_len
            elif step.notes:
                grid_length = sub_len
            velocity = velocities[j]
            if humanize.velocity:
                velocity = _humanize_velocity(dice, n, j, humanize, velocity)
            hit = _Hit(
                tick,
                start + (2 * straight + roll) // (2 * roll),  # on the grid: unswung, rounded
                order,
                name,
                velocity,
                step.pitch,
                length,
                index,
                span,
                None,
                step.slide,
                None,
                grid_length,
            )
            if not step.notes:
                if j == 0 and melodic:
                    firsts[n] = range(len(hits), len(hits) + 1)
                hits.append(hit)
                continue
            chord = [replace(hit, note=note) for note in step.notes]
            if j == 0:
                firsts[n] = range(len(hits), len(hits) + len(chord))
            hits.extend(chord)
    if melodic:
        _legato(hits, firsts, track.steps)
    return hits


def _legato(hits: list[_Hit], firsts: dict[int, range], steps: tuple[Step | None, ...]) -> None:
    """Notes end where the next step's notes start; slid ones exactly there, naming
    the note (of a chord: the nearest) they slide into. `firsts` maps each step of
    the section to the indices of its hits (a roll's first)."""
    for n, indices in firsts.items():
        step = steps[hits[indices[0]].step]
        following = firsts.get(n + step.length) if step is not None else None
        if step is None or not step.notes or step.roll > 1 or following is None:
            continue
        start = min(hits[i].tick for i in following)
        targets = [n for n in (hits[i].note for i in following) if n is not None]
        for i in indices:
            hit = hits[i]
            if hit.slide:
                note = hit.note or 0
                target = min(targets, key=lambda m: (abs(m - note), m), default=None)
                hits[i] = replace(hit, slide_to=target, length=max(1, start - hit.tick))
            elif start - hit.tick < hit.length:
                hits[i] = replace(hit, length=max(1, start - hit.tick))


def _swing_for(song: Song, pattern: Pattern, track: Track) -> float | None:
    """The swing percent that applies to a track, or None where swing does not apply."""
    if is_triplet(pattern.resolution):
        return None
    for value in (track.swing, pattern.swing):
        if value is not None:
            return value
    return song.swing


def _feel_ticks(track: Track, bpm: float) -> int:
    if track.feel.unit == "ms":
        return ms_to_ticks(track.feel.amount, bpm)
    return int(track.feel.amount)


def _humanize_velocity(dice: Dice, n: int, hit: int, humanize: Humanize, velocity: int) -> int:
    if not humanize.velocity:
        return velocity
    shifted = velocity + round(dice.spread(n, Dice.VELOCITY, hit) * humanize.velocity)
    return max(1, min(127, shifted))


def _clamp(hit: _Hit, last: int) -> _Hit:
    if 0 <= hit.tick <= last:
        return hit
    return replace(hit, tick=min(max(hit.tick, 0), last))


def _events(song: Song, hits: list[_Hit], tempo: TempoMap, sample_rate: int) -> tuple[Event, ...]:
    """Place sorted hits in seconds and samples, and work out who chokes whom."""
    instruments: dict[str, Instrument] = {i.name: i for i in song.kit.instruments}
    melodic = melodic_channels(
        {i.name: i.channel for i in song.kit.instruments}, song.melodic_instruments
    )
    chokes = _Chokes(instruments)
    events = []
    placed = (-1, 0, 0.0)  # the last tick placed, its frame and seconds (hits share ticks)
    for index, hit in enumerate(hits):
        track = hit.track
        instrument = instruments[track]
        note, pitch = _note_and_pitch(instrument, hit, track in melodic)
        if placed[0] != hit.tick:
            placed = (hit.tick, tempo.sample(hit.tick, sample_rate), tempo.seconds(hit.tick))
        events.append(
            new_event(
                hit.tick,
                placed[1],
                placed[2],
                track,
                hit.velocity,
                pitch,
                hit.length,
                hit.span.name,
                note,
                melodic.get(track, instrument.channel),
                hit.grid_tick,
                hit.step,
                hit.span.occurrence,
                chokes.cuts(index, track) if track in chokes.choking else (),
                hit.slide,
                hit.slide_to,
                hit.grid_length,
            )
        )
    return tuple(events)


def _note_and_pitch(instrument: Instrument, hit: _Hit, melodic: bool) -> tuple[int, int]:
    """A hit's MIDI note, and the semitones its sound is repitched by."""
    if hit.note is None:
        if melodic:  # a plain hit on a melodic track: the instrument's note, transposed
            return max(0, min(127, instrument.note + hit.pitch)), hit.pitch
        return instrument.midi_note(hit.pitch), hit.pitch
    root = instrument.root if instrument.root is not None else instrument.note
    low, high = PITCH_RANGE
    return hit.note, max(low, min(high, hit.note - root))


class _Chokes:
    """Which earlier events each new event cuts, event by event in time order: those
    still ringing in its choke group (the last few of each instrument), and for a
    mono instrument its own last one too."""

    def __init__(self, instruments: dict[str, Instrument]):
        self.instruments = instruments
        self.choking = {name for name, i in instruments.items() if i.choke or i.mono}
        """The tracks that cut or are cut: `cuts` is () for every other."""
        self.ringing: dict[str, list[tuple[int, str]]] = defaultdict(list)

    def cuts(self, index: int, track: str) -> tuple[int, ...]:
        if track not in self.choking:
            return ()
        instrument = self.instruments[track]
        # A mono instrument is a choke group of its own that also cuts itself.
        group = instrument.choke or f"\0mono {track}"
        voices = self.ringing[group]
        cuts = tuple(i for i, name in voices if name != track or instrument.mono)
        own = [] if instrument.mono else [v for v in voices if v[1] == track]
        self.ringing[group] = [*own[-(VOICES_PER_CHOKE_INSTRUMENT - 1) :], (index, track)]
        return cuts


def _with_cuts(events: list[Event], instruments: dict[str, Instrument]) -> tuple[Event, ...]:
    """The events, each with the earlier events its choke group (or mono) cuts."""
    chokes = _Chokes(instruments)
    result = []
    for index, event in enumerate(events):
        cuts = chokes.cuts(index, event.track)
        result.append(replace(event, cuts=cuts) if cuts != event.cuts else event)
    return tuple(result)


def loop_events(song: Song, timeline: Timeline, passes: int, frames: int) -> tuple[Event, ...]:
    """The timeline's events played `passes` times back to back, `frames` apart.

    Every pass repeats the same hits (the same dice), and choke groups work across
    the seams: what a loop sounds like when a DAW repeats it.
    """
    instruments = {i.name: i for i in song.kit.instruments}
    repeated = [
        replace(
            e,
            tick=e.tick + p * timeline.length,
            sample=e.sample + p * frames,
            seconds=e.seconds + p * frames / timeline.sample_rate,
            cuts=(),
        )
        for p in range(passes)
        for e in timeline.events
    ]
    return _with_cuts(repeated, instruments)
