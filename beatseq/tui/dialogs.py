"""Dialogs: prompts, confirmations, the step inspector, the section editor, settings
forms (a track's effects, the mix), export, help.

Each is a modal screen that returns what was chosen through `dismiss` (None when the
producer backs out with escape); the app decides what to do with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from beatseq.errors import BeatseqError
from beatseq.formats.effects import fx_fields, mix_fields, read_fx_fields, read_mix_fields
from beatseq.model import Section, Step
from beatseq.model.effects import Effects, Mix
from beatseq.model.pitch import notes_text


class Prompt(ModalScreen[str | None]):
    """One line of text: a name, a number, a list."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, question: str, value: str = "", hint: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question)
            yield Input(value=self.value, id="answer", compact=True)
            if self.hint:
                yield Static(self.hint, classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[str | None]):
    """A question with a few answers; returns the chosen answer's id."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, question: str, answers: list[tuple[str, str]]) -> None:
        super().__init__()
        self.question = question
        self.answers = answers

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question)
            with Horizontal(classes="buttons"):
                for answer, label in self.answers:
                    yield Button(label, id=answer)

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class StepFields:
    velocity: int
    probability: int
    nudge: int
    roll: int
    roll_to: int | None
    condition: str
    pitch: int
    notes: str = ""
    """A note (C2), a chord (Fm9, Fm9@4, or F3,Ab3,C4), or blank for a plain hit."""
    length: int = 1
    slide: bool = False


class StepInspector(ModalScreen[StepFields | None]):
    """Everything a hit can carry, as a small form (enter applies, escape cancels)."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    FIELDS = (
        ("velocity", "velocity 1-127"),
        ("probability", "probability % 0-100"),
        ("nudge", "nudge, ticks (±480; 240 = a 16th)"),
        ("roll", "roll: hits (1, 2, 3, 4, 6, 8)"),
        ("roll_to", "roll ramps to velocity (blank: flat)"),
        ("condition", "condition A:B (blank: every pass)"),
        ("pitch", "pitch, semitones"),
        ("notes", "note or chord (C2, Fm9; blank: hit)"),
        ("length", "note length, steps"),
        ("slide", "slide into the next note (y/n)"),
    )

    def __init__(self, track: str, number: int, step: Step, *, flats: bool = False) -> None:
        super().__init__()
        self.track = track
        self.number = number
        self.step = step
        self.flats = flats

    def compose(self) -> ComposeResult:
        step = self.step
        values = {
            "velocity": str(step.velocity),
            "probability": str(step.probability),
            "nudge": str(step.nudge),
            "roll": str(step.roll),
            "roll_to": "" if step.roll_to is None else str(step.roll_to),
            "condition": "" if step.condition is None else str(step.condition),
            "pitch": str(step.pitch),
            "notes": notes_text(step.notes, flats=self.flats),
            "length": str(step.length),
            "slide": "y" if step.slide else "n",
        }
        with Vertical(classes="dialog wide"):
            yield Label(f"{self.track}, step {self.number}")
            with Grid(classes="form"):
                for key, label in self.FIELDS:
                    yield Label(label)
                    yield Input(value=values[key], id=key, compact=True)
            yield Static("enter: apply   escape: cancel", classes="hint")
            yield Static("", id="problem", classes="problem")

    def on_mount(self) -> None:
        self.query_one("#velocity", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            fields = self._read()
        except ValueError as err:
            self.query_one("#problem", Static).update(str(err))
            return
        self.dismiss(fields)

    def _read(self) -> StepFields:
        def number(key: str) -> int:
            text = self.query_one(f"#{key}", Input).value.strip()
            try:
                return int(text)
            except ValueError:
                raise ValueError(f"{key}: {text!r} is not a whole number") from None

        roll_to = self.query_one("#roll_to", Input).value.strip()
        return StepFields(
            velocity=number("velocity"),
            probability=number("probability"),
            nudge=number("nudge"),
            roll=number("roll"),
            roll_to=int(roll_to) if roll_to else None,
            condition=self.query_one("#condition", Input).value.strip(),
            pitch=number("pitch"),
            notes=self.query_one("#notes", Input).value.strip(),
            length=number("length"),
            slide=self.query_one("#slide", Input).value.strip().lower() in ("y", "yes", "1"),
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class SectionFields:
    name: str
    patterns: tuple[str, ...]
    repeat: int
    mute: tuple[str, ...]
    bpm: float | None


class SectionEditor(ModalScreen[SectionFields | None]):
    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, section: Section, patterns: list[str]) -> None:
        super().__init__()
        self.section = section
        self.patterns = patterns

    def compose(self) -> ComposeResult:
        s = self.section
        with Vertical(classes="dialog wide"):
            yield Label(f"section {s.name}")
            with Grid(classes="form"):
                yield Label("name")
                yield Input(value=s.name, id="name", compact=True)
                yield Label("patterns (comma separated)")
                yield Input(value=", ".join(s.patterns), id="patterns", compact=True)
                yield Label("repeat")
                yield Input(value=str(s.repeat), id="repeat", compact=True)
                yield Label("muted tracks")
                yield Input(value=", ".join(s.mute), id="mute", compact=True)
                yield Label("bpm (blank: the song's)")
                yield Input(value="" if s.bpm is None else f"{s.bpm:g}", id="bpm", compact=True)
            yield Static(f"patterns: {', '.join(self.patterns)}", classes="hint")
            yield Static("", id="problem", classes="problem")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        def value(key: str) -> str:
            return self.query_one(f"#{key}", Input).value.strip()

        def names(key: str) -> tuple[str, ...]:
            return tuple(n.strip() for n in value(key).split(",") if n.strip())

        try:
            fields = SectionFields(
                name=value("name"),
                patterns=names("patterns"),
                repeat=int(value("repeat")),
                mute=names("mute"),
                bpm=float(value("bpm")) if value("bpm") else None,
            )
        except ValueError:
            self.query_one("#problem", Static).update("repeat is a whole number, bpm a number")
            return
        self.dismiss(fields)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SettingsForm(ModalScreen[Any]):
    """Settings as a form, one field per key in the song file's own spelling (blank:
    off, or the default); enter checks them as a song file is checked and dismisses
    with what they read as, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]
    HINTS: dict[str, str] = {}

    def __init__(
        self,
        title: str,
        values: dict[str, str],
        read: Callable[[dict[str, str]], object],
    ) -> None:
        super().__init__()
        self.title_text = title
        self.values = values
        self.read = read

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(f"{self.title_text}, in the song file's spelling (blank: off)")
            with Grid(classes="form"):
                for key, value in self.values.items():
                    yield Label(key)
                    yield Input(
                        value=value, placeholder=self.HINTS.get(key, ""), id=key, compact=True
                    )
            yield Static("enter: apply   escape: cancel", classes="hint")
            yield Static("", id="problem", classes="problem")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        values = {key: self.query_one(f"#{key}", Input).value for key in self.values}
        try:
            settings = self.read(values)
        except BeatseqError as err:
            self.query_one("#problem", Static).update(escape(str(err)))
            return
        self.dismiss(settings)

    def action_cancel(self) -> None:
        self.dismiss(None)


class EffectsEditor(SettingsForm):
    """A track's effects (`[kit.TRACK.fx]`)."""

    HINTS = {
        "filter": '{ type = "lowpass", cutoff = 800, resonance = 0.3 }',
        "drive": "0 to 1",
        "crush": "{ bits = 12, rate = 26040 }",
        "eq": "{ low = 3, mid = -2, high = 1 }",
        "comp": "{ threshold = -20, ratio = 4, attack = 10, release = 120 }",
        "reverb": "send level, dB (e.g. -12)",
        "delay": "send level, dB (e.g. -18)",
        "duck": '{ by = "kick", amount = 6, release = 150 }',
    }

    def __init__(self, track: str, fx: Effects, tracks: set[str]) -> None:
        super().__init__(
            f"effects of {track}",
            fx_fields(fx),
            lambda values: read_fx_fields(values, track, tracks),
        )


class MixEditor(SettingsForm):
    """The song's buses and master (`[mix]`)."""

    HINTS = {
        "reverb": "{ size = 0.6, damping = 0.5, width = 1, level = 0 }",
        "delay": '{ time = "1/8d", feedback = 0.35, lowpass = 4000, level = 0 }',
        "glue": "{ threshold = -12, ratio = 2, attack = 10, release = 120 }",
        "loudness": "LUFS a render is brought to (e.g. -14)",
    }

    def __init__(self, mix: Mix) -> None:
        super().__init__("the mix: send buses and master", mix_fields(mix), read_mix_fields)


class ExportDialog(ModalScreen[str | None]):
    """What to export: returns song, section, stems or midi."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, section: str | None) -> None:
        super().__init__()
        self.section = section

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Export")
            with Vertical(classes="choices"):
                yield Button("WAV: the whole song", id="song")
                if self.section:
                    yield Button(f"WAV: section {self.section}", id="section")
                yield Button("WAV: the song and one file per track (stems)", id="stems")
                yield Button("MIDI file for a DAW", id="midi")

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """Every key, grouped by where it works."""

    BINDINGS = [Binding("escape,f1,question_mark,q", "close", "close")]

    def __init__(self, groups: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        lines = []
        for title, keys in self.groups:
            lines.append(f"[b]{title}[/b]")
            for key, description in keys:
                lines.append(f"  [bright_yellow]{escape(key):<18}[/] {escape(description)}")
            lines.append("")
        with VerticalScroll(classes="dialog help"):
            yield Static("\n".join(lines))

    def action_close(self) -> None:
        self.dismiss(None)
