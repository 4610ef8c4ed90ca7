"""General MIDI drum notes, and the guess from an instrument's name to its note.

A data table, no logic beyond lookup: the kit manifests and song files may override
any of it.
"""

from __future__ import annotations

DRUM_CHANNEL = 10
"""MIDI channel of General MIDI percussion, counted from 1."""

# (words that name the sound, GM note). The first row whose words all appear wins, so
# more specific rows come first.
GM_DRUM_NOTES: tuple[tuple[tuple[str, ...], int], ...] = (
    (("open", "hat"), 46),
    (("oh",), 46),
    (("pedal", "hat"), 44),
    (("foot", "hat"), 44),
    (("ph",), 44),
    (("closed", "hat"), 42),
    (("hat",), 42),
    (("hh",), 42),
    (("ch",), 42),
    (("kick",), 36),
    (("bd",), 36),
    (("bass", "drum"), 36),
    (("rim",), 37),
    (("sidestick",), 37),
    (("stick",), 37),
    (("snare",), 38),
    (("sd",), 38),
    (("clap",), 39),
    (("cp",), 39),
    (("snap",), 40),
    (("floor", "tom"), 41),
    (("tom", "low"), 41),
    (("low", "tom"), 41),
    (("tom", "mid"), 45),
    (("mid", "tom"), 45),
    (("tom", "high"), 48),
    (("high", "tom"), 48),
    (("hi", "tom"), 48),
    (("tom",), 47),
    (("crash",), 49),
    (("ride", "bell"), 53),
    (("bell",), 53),
    (("ride",), 51),
    (("china",), 52),
    (("splash",), 55),
    (("tambourine",), 54),
    (("tamb",), 54),
    (("cowbell",), 56),
    (("cow",), 56),
    (("bongo",), 60),
    (("conga",), 63),
    (("timbale",), 65),
    (("agogo",), 67),
    (("cabasa",), 69),
    (("shaker",), 70),
    (("maracas",), 70),
    (("whistle",), 71),
    (("guiro",), 73),
    (("clave",), 75),
    (("block",), 76),
    (("cuica",), 78),
    (("triangle",), 81),
)

# Pitched sounds that belong on a melodic channel: (words, channel, note).
MELODIC_GUESSES: tuple[tuple[tuple[str, ...], int, int], ...] = (
    (("808",), 2, 29),
    (("sub",), 2, 29),
    (("bass",), 2, 36),
)

# GM percussion notes handed out, in order, to names nothing above matches.
SPARE_DRUM_NOTES: tuple[int, ...] = (
    60,
    61,
    62,
    64,
    66,
    67,
    68,
    69,
    71,
    72,
    73,
    74,
    75,
    76,
    77,
    78,
    79,
    80,
    81,
    35,
    57,
    58,
    59,
    52,
    55,
    53,
    43,
    50,
    65,
)


def _words(name: str) -> set[str]:
    cleaned = "".join(c if c.isalnum() else " " for c in name.lower())
    return set(cleaned.split())


def guess_midi(name: str) -> tuple[int, int] | None:
    """(channel, note) for an instrument called `name`, or None when nothing matches.

    Words match whole ("open-hat", "Open Hat" and "open_hat" all give 46); a name
    with a drum word wins over a melodic guess ("bass drum" is a kick).
    """
    words = _words(name)
    for needed, note in GM_DRUM_NOTES:
        if all(w in words for w in needed):
            return DRUM_CHANNEL, note
    for needed, channel, note in MELODIC_GUESSES:
        if all(w in words for w in needed):
            return channel, note
    return None


def assign_midi(
    names: list[str], taken: set[tuple[int, int]] | None = None
) -> list[tuple[int, int]]:
    """(channel, note) for each name: its guess, else the next spare GM drum note."""
    used = set(taken or ())
    result: list[tuple[int, int]] = []
    guesses = [guess_midi(n) for n in names]
    used.update(g for g in guesses if g is not None)
    spares = (n for n in SPARE_DRUM_NOTES if (DRUM_CHANNEL, n) not in used)
    for guess in guesses:
        if guess is None:
            note = next(spares, 35)
            guess = (DRUM_CHANNEL, note)
        result.append(guess)
    return result


MELODIC_CHANNELS: tuple[int, ...] = tuple(c for c in range(1, 17) if c != DRUM_CHANNEL)
"""Channels a melodic track may be given: all but the drum channel."""


def melodic_channels(channels: dict[str, int], melodic: tuple[str, ...]) -> dict[str, int]:
    """The MIDI channel of each melodic instrument, given every instrument's channel.

    A melodic instrument keeps its own channel unless that is the drum channel; the
    others get the lowest channels no instrument has (1, 2, ... skipping 10), in the
    order given, and share them round again when all fifteen are taken.
    """
    taken = {c for c in channels.values() if c != DRUM_CHANNEL}
    free = [c for c in MELODIC_CHANNELS if c not in taken] or list(MELODIC_CHANNELS)
    result: dict[str, int] = {}
    given = 0
    for name in melodic:
        if channels[name] != DRUM_CHANNEL:
            result[name] = channels[name]
        else:
            result[name] = free[given % len(free)]
            given += 1
    return result
