"""The Song: kit, patterns, sections and the arrangement, plus global tempo and groove.

A Song is like sheet music: frozen, complete and self-consistent (every name it uses
exists), with no file I/O and no sound. Edits make new Songs. `beatseq.compile`
turns a Song into a Timeline of hits; `beatseq.formats` reads and writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from beatseq.model.effects import Mix
from beatseq.model.groove import Humanize, check_swing
from beatseq.model.instrument import GAIN_RANGE, Kit
from beatseq.model.pattern import Pattern
from beatseq.model.pitch import Key
from beatseq.model.section import Section, check_bpm
from beatseq.ticks import SWING_UNITS, bar_ticks

DENOMINATORS = (2, 4, 8, 16)


@dataclass(frozen=True)
class Song:
    title: str = "Untitled"
    bpm: float = 90.0
    time_signature: tuple[int, int] = (4, 4)
    swing: float = 50.0
    swing_unit: str = "1/16"
    seed: int = 0
    gain: float = 0.0
    """Master level in dB, before the safety limiter."""
    humanize: Humanize = Humanize()
    key: Key | None = None
    """The song's key and scale (for scale lock and transposition); None if unset."""
    kit: Kit = Kit()
    mix: Mix = Mix()
    """Send buses, master glue compressor, loudness target."""
    patterns: tuple[Pattern, ...] = ()
    sections: tuple[Section, ...] = ()
    arrangement: tuple[str, ...] = ()
    """Section names in playing order; a section may appear many times."""
    path: str = field(default="", compare=False)
    """The file this song was read from or last saved to; "" for a new song."""

    def __post_init__(self) -> None:
        check_bpm(self.bpm)
        low, high = GAIN_RANGE
        if not low <= self.gain <= high:
            raise ValueError(f"gain must be {low:g} to {high:g} dB, not {self.gain:g}")
        check_swing(self.swing)
        num, den = self.time_signature
        if not 1 <= num <= 32 or den not in DENOMINATORS:
            raise ValueError(f"time signature {num}/{den} is not one beatseq can play")
        if self.swing_unit not in SWING_UNITS:
            raise ValueError(f"swing unit must be one of {', '.join(SWING_UNITS)}")
        self._check_names()

    def _check_names(self) -> None:
        for kind, names in (
            ("pattern", [p.name for p in self.patterns]),
            ("section", [s.name for s in self.sections]),
        ):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"two {kind}s are called {dupes[0]}")
        for pattern in self.patterns:
            for track in pattern.tracks:
                if track.name not in self.kit:
                    raise ValueError(f"pattern {pattern.name} plays {track.name}, not in the kit")
        pattern_names = {p.name for p in self.patterns}
        for section in self.sections:
            for name in section.patterns:
                if name not in pattern_names:
                    raise ValueError(f"section {section.name} plays an unknown pattern {name}")
            for name in section.mute:
                if name not in self.kit:
                    raise ValueError(f"section {section.name} mutes an unknown track {name}")
        section_names = {s.name for s in self.sections}
        for name in self.arrangement:
            if name not in section_names:
                raise ValueError(f"the arrangement names an unknown section {name}")

    # lookups -------------------------------------------------------------------------

    def pattern(self, name: str) -> Pattern:
        for pattern in self.patterns:
            if pattern.name == name:
                return pattern
        raise KeyError(name)

    def section(self, name: str) -> Section:
        for section in self.sections:
            if section.name == name:
                return section
        raise KeyError(name)

    @property
    def order(self) -> tuple[str, ...]:
        """The sections as they play: the arrangement, or every section in file order."""
        return self.arrangement or tuple(s.name for s in self.sections)

    @property
    def melodic_instruments(self) -> tuple[str, ...]:
        """Instruments (in kit order) that play notes in some pattern."""
        melodic = {t.name for p in self.patterns for t in p.tracks if t.melodic}
        return tuple(name for name in self.kit.names if name in melodic)

    @property
    def bar_ticks(self) -> int:
        return bar_ticks(*self.time_signature)

    def section_pass_ticks(self, section: Section) -> int:
        """Length of one pass of `section`: its longest pattern."""
        return max(self.pattern(name).length_ticks for name in section.patterns)

    def section_ticks(self, section: Section) -> int:
        return self.section_pass_ticks(section) * section.repeat

    # whole-song edits -----------------------------------------------------------------

    def with_pattern(self, pattern: Pattern) -> Song:
        """This song with `pattern` replacing the one of the same name, or appended."""
        items = list(self.patterns)
        for i, existing in enumerate(items):
            if existing.name == pattern.name:
                items[i] = pattern
                return replace(self, patterns=tuple(items))
        return replace(self, patterns=(*items, pattern))

    def with_section(self, section: Section) -> Song:
        items = list(self.sections)
        for i, existing in enumerate(items):
            if existing.name == section.name:
                items[i] = section
                return replace(self, sections=tuple(items))
        return replace(self, sections=(*items, section))

    def only_section(self, name: str) -> Song:
        """The song cut down to one pass of section `name` (with its repeats)."""
        self.section(name)
        return replace(self, arrangement=(name,))

    def only_pattern(self, name: str) -> Song:
        """The song cut down to pattern `name` played once, at the song's tempo."""
        pattern = self.pattern(name)
        section = Section(name=pattern.name, patterns=(pattern.name,))
        return replace(self, sections=(section,), arrangement=(section.name,))
