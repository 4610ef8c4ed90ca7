"""Step strings: one line of text per track, one character per step.

    kick  = "x...x.....x.x..."
    hat   = "xoxoxoxo|xoxoxox{r3>60}"

Characters: `.` rest; `x` hit (velocity 100); `X` accent (127); `o` ghost (50);
`1`-`9` velocity in ninths of 127. `|` and spaces separate beats and are ignored.

A hit may carry modifiers in braces right after it, which take no step of their own:

    {v90}     velocity 90 (1-127)
    {50%}     plays half of the passes (probability, 0-100 %)
    {+12}     nudge 12 ticks late (-8: early; 960 ticks per quarter note)
    {r3}      roll: 3 hits inside the step (2, 3, 4, 6 or 8)
    {r4>30}   roll of 4 whose velocity ramps from the step's to 30
    {1:4}     condition: plays on the 1st of every 4 passes
    {t+2}     2 semitones up (t-5: down)

Several modifiers go in one pair of braces, separated by spaces: `X{r4>40 3:4}`.
A line with a note name or a chord in it is a note line, one token per step
(`beatseq.formats.notelines`); parse_steps and format_steps read and write both.
This module only converts between text and Steps; it does not know about patterns.
"""

from __future__ import annotations

from beatseq.model.step import Condition, Step

SEPARATORS = frozenset("| ")
REST = "."
GHOST_VELOCITY = 50
HIT_VELOCITY = 100
ACCENT_VELOCITY = 127

_CHAR_VELOCITY: dict[str, int] = {"x": HIT_VELOCITY, "X": ACCENT_VELOCITY, "o": GHOST_VELOCITY}
_CHAR_VELOCITY.update({str(n): round(n * 127 / 9) for n in range(1, 10)})
_VELOCITY_CHAR: dict[int, str] = {}
for _char, _velocity in _CHAR_VELOCITY.items():
    _VELOCITY_CHAR.setdefault(_velocity, _char)

MODIFIER_HELP = "v<velocity>, <n>%, +/-<ticks>, r<hits>[><velocity>], <A>:<B> or t+/-<semitones>"


class StepSyntaxError(ValueError):
    """A step string that cannot be read; the message names the step and the problem."""


def velocity_char(velocity: int) -> str | None:
    """The single character that writes `velocity`, if there is one."""
    return _VELOCITY_CHAR.get(velocity)


def parse_steps(text: str) -> tuple[Step | None, ...]:
    """The steps a step string (or a note line) writes; raises StepSyntaxError."""
    from beatseq.formats import notelines

    if notelines.is_note_line(text):
        return notelines.parse_note_line(text)
    steps: list[Step | None] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in SEPARATORS:
            i += 1
            continue
        number = len(steps) + 1
        if char == REST:
            steps.append(None)
            i += 1
            if i < len(text) and text[i] == "{":
                raise StepSyntaxError(f"step {number} is a rest and cannot take modifiers")
            continue
        if char not in _CHAR_VELOCITY:
            raise StepSyntaxError(
                f"step {number}: {char!r} is not a step (expected . x X o 1-9, or | between beats)"
            )
        i += 1
        modifiers = ""
        if i < len(text) and text[i] == "{":
            close = text.find("}", i)
            if close < 0:
                raise StepSyntaxError(f"step {number}: '{{' is never closed by '}}'")
            modifiers = text[i + 1 : close]
            i = close + 1
        steps.append(_step(number, _CHAR_VELOCITY[char], modifiers))
    return tuple(steps)


def _step(number: int, velocity: int, modifiers: str, **extra: object) -> Step:
    """A Step from its velocity and the text inside its braces (plus `extra` fields)."""
    fields: dict[str, object] = {"velocity": velocity, **extra}
    for token in modifiers.replace(",", " ").split():
        try:
            fields.update(_modifier(token))
        except StepSyntaxError as err:
            raise StepSyntaxError(f"step {number}: {err}") from None
        except ValueError:
            raise StepSyntaxError(
                f"step {number}: {token!r} is not a modifier (expected {MODIFIER_HELP})"
            ) from None
    try:
        return Step(**fields)  # type: ignore[arg-type]
    except ValueError as err:
        raise StepSyntaxError(f"step {number}: {err}") from None


def _modifier(token: str) -> dict[str, object]:
    """The Step fields one modifier token sets; ValueError if it is not one."""
    head, rest = token[0], token[1:]
    if token.endswith("%"):
        return {"probability": int(token[:-1])}
    if head == "p" and rest.isdigit():
        return {"probability": int(rest)}
    if head == "v":
        return {"velocity": int(rest)}
    if head in "+-":
        return {"nudge": int(token)}
    if head == "r":
        hits, _, ramp = rest.partition(">")
        return {"roll": int(hits), "roll_to": int(ramp) if ramp else None}
    if head == "t" and rest[:1] in ("+", "-"):
        return {"pitch": int(rest)}
    if ":" in token:
        a, _, b = token.removeprefix("c").partition(":")
        try:
            return {"condition": Condition(int(a), int(b))}
        except ValueError as err:
            if "needs" in str(err):  # a readable condition out of range: say which rule
                raise StepSyntaxError(str(err)) from None
            raise
    raise ValueError(token)


def format_step(step: Step | None) -> str:
    """The text of one step: its character and, if needed, its modifiers."""
    if step is None:
        return REST
    char = velocity_char(step.velocity)
    modifiers: list[str] = []
    if char is None:
        char = "x"
        modifiers.append(f"v{step.velocity}")
    return char + format_modifiers(step, modifiers)


def format_modifiers(step: Step, modifiers: list[str] | None = None) -> str:
    """`{...}` with the step's modifiers after `modifiers`, or "" when there are none."""
    modifiers = list(modifiers or [])
    if step.probability != 100:
        modifiers.append(f"{step.probability}%")
    if step.nudge:
        modifiers.append(f"{step.nudge:+d}")
    if step.roll != 1:
        ramp = f">{step.roll_to}" if step.roll_to is not None else ""
        modifiers.append(f"r{step.roll}{ramp}")
    if step.condition is not None:
        modifiers.append(str(step.condition))
    if step.pitch:
        modifiers.append(f"t{step.pitch:+d}")
    if modifiers:
        return "{" + " ".join(modifiers) + "}"
    return ""


def format_steps(steps: tuple[Step | None, ...] | list[Step | None], *, flats: bool = False) -> str:
    """The step string for `steps` (a note line if they hold notes); parse_steps reads it.

    `flats` spells notes with flats (Eb2) rather than sharps (D#2).
    """
    from beatseq.formats import notelines

    if notelines.needs_note_line(steps):
        return notelines.format_note_line(steps, flats=flats)
    return "".join(format_step(s) for s in steps)


def format_steps_like(steps: tuple[Step | None, ...], template: str, *, flats: bool = False) -> str:
    """`steps` written with the beat separators (`|`, spaces) where `template` has them.

    Saving an edited track keeps the producer's layout: "x...|x..." stays grouped.
    """
    from beatseq.formats import notelines

    new_notes = notelines.needs_note_line(steps)
    if new_notes or notelines.is_note_line(template):
        if new_notes and notelines.is_note_line(template):
            return notelines.layout_like(format_steps(steps, flats=flats), template)
        return format_steps(steps, flats=flats)
    out: list[str] = []
    written = 0
    i = 0
    while i < len(template) and written < len(steps):
        char = template[i]
        if char in SEPARATORS:
            if written:
                out.append(char)
            i += 1
            continue
        out.append(format_step(steps[written]))
        written += 1
        i += 1
        if i < len(template) and template[i] == "{":
            close = template.find("}", i)
            i = len(template) if close < 0 else close + 1
    out.extend(format_step(s) for s in steps[written:])
    return "".join(out)
