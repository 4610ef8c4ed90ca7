"""Note lines: the step strings of melodic tracks, one whitespace-separated token per step.

    bass  = "C2 . . . D#2~ . G1 - - ."
    keys  = "[Fm9] - - - [Ab3,C4,Eb4]{v80} - . ."

Tokens:

    C2 D#2 Bb1   a note (C D E F G A B, then # or b, then an octave -1 to 9; C4 = 60)
    [Fm9]        a chord by name, its root in octave 3; [Fm9@4] in octave 4
    [F3,Ab3,C4]  a chord note by note (no spaces inside the brackets)
    -            holds the note before one more step (a note lasts 1 + its `-`s)
    .            rest
    ~            right after a note or chord: it slides (legato) into the next one
    x X o 1-9    a plain hit, as in a drum line (the instrument's own note)
    |            between beats, ignored

A note, chord or hit takes the drum steps' modifiers in braces after it (`C2{v90 50%}`,
`D#2~{+12}`); all but `t+/-`, since a note is its own pitch. A line is a note line
when, outside braces, it holds a note letter, a bracket, `-` or `~`.

This module converts between that text and Steps; `beatseq.formats.steps` sends note
lines here, note names and chords come from `beatseq.model.pitch`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import replace

from beatseq.formats.steps import (
    _CHAR_VELOCITY,
    HIT_VELOCITY,
    StepSyntaxError,
    _step,
    format_modifiers,
    format_step,
)
from beatseq.model.pitch import note_name, notes_text, parse_chord, parse_note
from beatseq.model.step import Step

HOLD = "-"
SLIDE = "~"
REST = "."
_MARKS = frozenset("ABCDEFGabcdefg[]-~")
_TOKEN = re.compile(
    r"(?P<head>\[[^\]]*\]|[A-Ga-g][#b]?-?\d+|[xXo1-9])"
    r"(?P<slide>~)?(?:\{(?P<mods>[^}]*)\})?(?P<slide_after>~)?"
)
_SPLIT = re.compile(r"(?:[^\s|{]+|\{[^}]*\}?)+")
"""A token: everything up to the next space or `|` outside braces."""
_LAYOUT = re.compile(_SPLIT.pattern + r"|\s+|\|")
TOKEN_HELP = (
    "expected a note like C2 or D#2, a chord like [Fm9] or [F3,Ab3,C4], - to hold,"
    " . for a rest or x X o 1-9, with spaces between steps"
)


def is_note_line(text: str) -> bool:
    """Whether a step string is a note line (it has note marks outside braces)."""
    return any(c in _MARKS for c in re.sub(r"\{[^}]*\}?", "", text))


def needs_note_line(steps: Sequence[Step | None]) -> bool:
    """Whether `steps` can only be written as a note line (notes, holds or slides)."""
    return any(s is not None and (s.notes or s.length > 1) for s in steps)


def parse_note_line(text: str) -> tuple[Step | None, ...]:
    """The steps a note line writes; raises StepSyntaxError naming the step and token."""
    steps: list[Step | None] = []
    held: int | None = None  # index of the step the next `-` holds
    for token in _SPLIT.findall(text):
        number = len(steps) + 1
        if token == REST:
            steps.append(None)
            held = None
            continue
        if token == HOLD:
            if held is None:
                before = "it starts the line" if not steps else f"step {number - 1} is a rest"
                raise StepSyntaxError(f"step {number} ('-'): holds nothing, {before}")
            step = steps[held]
            assert step is not None
            try:
                steps[held] = replace(step, length=step.length + 1)
            except ValueError as err:
                raise StepSyntaxError(f"step {number} ('-'): {err}") from None
            steps.append(None)
            continue
        steps.append(_token_step(number, token))
        held = len(steps) - 1
    if not steps:
        raise StepSyntaxError("the line has no steps")
    return tuple(steps)


def _token_step(number: int, token: str) -> Step:
    where = f"step {number} ({token!r})"
    match = _TOKEN.fullmatch(token)
    if match is None:
        if token.startswith("[") and "]" not in token:
            raise StepSyntaxError(f"{where}: a chord is written without spaces, like [F3,Ab3,C4]")
        raise StepSyntaxError(f"{where}: not a step ({TOKEN_HELP})")
    head, mods = match["head"], match["mods"] or ""
    slide = bool(match["slide"] or match["slide_after"])
    if match["slide"] and match["slide_after"]:
        raise StepSyntaxError(f"{where}: one ~ is enough")
    if head in _CHAR_VELOCITY:
        if slide:
            raise StepSyntaxError(f"{where}: only a note or a chord can slide")
        return _with_place(where, number, _CHAR_VELOCITY[head], mods, {})
    try:
        notes = _chord(head) if head.startswith("[") else (parse_note(head),)
    except ValueError as err:
        raise StepSyntaxError(f"{where}: {err}") from None
    return _with_place(where, number, HIT_VELOCITY, mods, {"notes": notes, "slide": slide})


def _with_place(
    where: str, number: int, velocity: int, mods: str, extra: dict[str, object]
) -> Step:
    """The step, with any error's `step N:` turned into `step N ('token'):`."""
    try:
        return _step(number, velocity, mods, **extra)
    except StepSyntaxError as err:
        message = str(err).removeprefix(f"step {number}: ")
        raise StepSyntaxError(f"{where}: {message}") from None


def _chord(head: str) -> tuple[int, ...]:
    inside = head[1:-1]
    if not inside:
        raise ValueError("[] holds no notes")
    if "," not in inside:  # one name in brackets is a chord's: [C5] is a power chord
        return parse_chord(inside)
    notes = sorted(parse_note(name.strip()) for name in inside.split(","))
    for low, high in itertools.pairwise(notes):
        if low == high:
            raise ValueError(f"{note_name(low)} is in the chord twice")
    return tuple(notes)


def format_token(step: Step, *, flats: bool = False) -> str:
    """One step's token (without the `-`s of its hold)."""
    if not step.notes:
        return format_step(step)
    head = notes_text(step.notes, flats=flats)
    if len(step.notes) > 1:
        head = f"[{head}]"
    velocity = [] if step.velocity == HIT_VELOCITY else [f"v{step.velocity}"]
    return head + (SLIDE if step.slide else "") + format_modifiers(step, velocity)


def _tokens(steps: Sequence[Step | None], flats: bool) -> list[str]:
    tokens: list[str] = []
    hold = 0
    for step in steps:
        if hold:
            tokens.append(HOLD)
            hold -= 1
        elif step is None:
            tokens.append(REST)
        else:
            tokens.append(format_token(step, flats=flats))
            hold = step.length - 1
    return tokens


def format_note_line(steps: Sequence[Step | None], *, flats: bool = False) -> str:
    """The note line for `steps` (tokens separated by single spaces)."""
    return " ".join(_tokens(steps, flats))


def layout_like(line: str, template: str) -> str:
    """The note line `line` laid out like the note line `template`: its spacing, its `|`s.

    Saving an edited melodic track keeps the producer's layout, as drum lines do.
    """
    tokens = _SPLIT.findall(line)
    out: list[str] = []
    written = 0
    for part in _LAYOUT.findall(template):
        if written == len(tokens):
            break
        if part.isspace() or part == "|":
            if out or part == "|":
                out.append(part)
            continue
        out.append(tokens[written])
        written += 1
    text = "".join(out).rstrip(" |\t")
    rest = tokens[written:]
    return " ".join([text, *rest]) if text and rest else text or " ".join(rest)
