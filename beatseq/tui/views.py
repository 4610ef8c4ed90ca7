"""The UI's views besides the grid: transport bar, pattern bank, arrangement, mixer and
sound browser.

Each draws what the app gives it (the song, the engine's status) and asks for changes
with messages: `Edit` for a change to the song, `Ask` for something that needs a
prompt, `Do` for a transport or audio action. The app owns the store and the engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, ListItem, ListView, Static, Tree

from beatseq.compile import SectionSpan, section_spans
from beatseq.engine.protocol import Status
from beatseq.formats.instruments import synth_value
from beatseq.formats.kits import kit_names, require_kit
from beatseq.model import Instrument, Song
from beatseq.model.effects import Effects
from beatseq.tui import edits
from beatseq.tui.grid import PatternGrid

AUDIO_SUFFIXES = {".wav", ".wave", ".aif", ".aiff", ".flac", ".ogg", ".mp3"}

Edit = PatternGrid.Edit


class Ask(Message):
    """Something that needs the app: a prompt, a dialog."""

    def __init__(self, what: str, name: str = "", index: int = 0) -> None:
        self.what = what
        self.name = name
        self.index = index
        super().__init__()


class Do(Message):
    """A transport or audio action (play a section, queue a pattern, audition...)."""

    def __init__(self, what: str, name: str = "", value: object = None) -> None:
        self.what = what
        self.name = name
        self.value = value
        super().__init__()


# transport -------------------------------------------------------------------------


class TransportBar(Static):
    """Play state, tempo, swing, position, section, audio status."""

    song: reactive[Song | None] = reactive(None, layout=False)
    status: reactive[Status | None] = reactive(None)
    audio: reactive[str] = reactive("starting audio...")
    mode: reactive[str] = reactive("")
    """What is selected to play: song, a section or a pattern (looped)."""
    flags: reactive[str] = reactive("")
    """Pads / recording / quantize indicators."""
    file: reactive[str] = reactive("")
    """The song's file name, with * when there are unsaved changes."""

    def render(self) -> Text:
        song, status = self.song, self.status
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.file:
            text.append(f"{self.file}  ", style="bold" if self.file.endswith("*") else "")
        playing = status is not None and status.playing
        text.append(" ▶ " if playing else " ■ ", style="bold bright_green" if playing else "bold")
        if song is not None:
            bpm = f"{song.bpm:g}"
            text.append(f"{bpm} BPM", style="bold")
            text.append(f"  swing {song.swing:g}%  ", style="grey70")
        if status is not None and status.playing:
            text.append(f"{status.bar}.{status.beat}.{status.step}", style="bold bright_white")
            text.append(f"  {status.section or ''}", style="bright_cyan")
        else:
            text.append("-.-.-", style="grey50")
        if self.mode:
            text.append(f"  [{self.mode}]", style="yellow")
        if self.flags:
            text.append(f"  {self.flags}", style="bold bright_red")
        xruns = ""
        if status is not None:
            late = f" ({status.late} late)" if status.late else ""
            xruns = f"  xruns {status.xruns}{late}"
        text.append(f"   {self.audio}{xruns}", style="grey58")
        return text


class KeyHints(Static):
    """The keys of what has focus, on one line (Textual's Footer, as one cheap widget:
    the Footer builds a widget per key, which costs a third of a second to show)."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _changed(self, screen: object) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        seen = set()
        for _node, binding, enabled, _tip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen or not enabled:
                continue
            seen.add(binding.action)
            text.append(f" {self.app.get_key_display(binding)} ", style="bold #ffa62b")
            text.append(f"{binding.description} ")
        return text


# pattern bank ----------------------------------------------------------------------


class PatternBank(ListView):
    """The song's patterns: pick one to edit (while playing, it is queued too)."""

    BINDINGS = [
        Binding("ctrl+n,N", "new", "new"),
        Binding("u", "duplicate", "duplicate"),
        Binding("r", "rename", "rename"),
        Binding("delete,backspace", "delete", "delete"),
        Binding("q", "queue", "queue", show=False),
    ]

    class Picked(Message):
        def __init__(self, name: str) -> None:
            self.name = name
            super().__init__()

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._names: list[str] = []

    def show(self, song: Song, current: str) -> None:
        names = [p.name for p in song.patterns]
        if names != self._names:
            self._names = names
            self.clear()
            for name in names:
                self.append(ListItem(Static(name), name=name))
        if current in names and self.index != names.index(current):
            self.index = names.index(current)

    def selected(self) -> str | None:
        if self.index is None or not 0 <= self.index < len(self._names):
            return None
        return self._names[self.index]

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        name = self.selected()
        if name is not None:
            self.post_message(self.Picked(name))

    def action_new(self) -> None:
        self.post_message(Ask("new_pattern"))

    def action_duplicate(self) -> None:
        name = self.selected()
        if name is not None:
            self.post_message(Ask("duplicate_pattern", name))

    def action_rename(self) -> None:
        name = self.selected()
        if name is not None:
            self.post_message(Ask("rename_pattern", name))

    def action_delete(self) -> None:
        name = self.selected()
        if name is not None:
            self.post_message(
                Edit(f"delete pattern {name}", lambda s: edits.delete_pattern(s, name))
            )

    def action_queue(self) -> None:
        name = self.selected()
        if name is not None:
            self.post_message(Do("queue_pattern", name))


# arrangement -----------------------------------------------------------------------


class Timeline(Static):
    """The arrangement as a strip: one block per section occurrence, and the playhead."""

    song: reactive[Song | None] = reactive(None, layout=False)
    tick: reactive[float | None] = reactive(None)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._spans: list[SectionSpan] = []

    def watch_song(self, song: Song | None) -> None:
        self._spans = section_spans(song) if song is not None else []

    def render(self) -> Text:
        song = self.song
        text = Text(no_wrap=True, overflow="crop")
        spans = self._spans
        if song is None or not spans:
            return text
        total = max(1, spans[-1].end)
        width = max(10, self.size.width)
        colours = ["dark_cyan", "dark_magenta", "dark_orange3", "dark_green", "navy_blue"]
        names = [s.name for s in song.sections]
        head = None if self.tick is None else int(self.tick / total * width)
        for span in spans:
            start = int(span.start / total * width)
            end = max(start + 1, int(span.end / total * width))
            label = span.name[: max(0, end - start)]
            colour = colours[names.index(span.name) % len(colours)]
            for column in range(start, end):
                char = label[column - start] if column - start < len(label) else " "
                style = Style(bgcolor=colour, color="white")
                if head is not None and column == head:
                    style = Style(bgcolor="bright_green", color="black", bold=True)
                text.append(char, style=style)
        return text


class ArrangementView(DataTable[str]):
    """The sections in playing order, one row per occurrence."""

    BINDINGS = [
        Binding("ctrl+n,N", "add", "add section"),
        Binding("u", "duplicate", "duplicate"),
        Binding("K,shift+up", "move(-1)", "move up"),
        Binding("J,shift+down", "move(1)", "move down"),
        Binding("delete,backspace", "remove", "remove"),
        Binding("enter", "edit", "edit..."),
        Binding("l", "loop", "loop it"),
        Binding("p", "play_song", "play song"),
    ]

    def on_mount(self) -> None:
        self._rows: list[tuple[str, ...]] = []
        self.cursor_type = "row"
        self.add_columns("#", "section", "patterns", "repeat", "bars", "mute", "bpm", "starts")

    def show(self, song: Song) -> None:
        bar = song.bar_ticks
        rows: list[tuple[str, ...]] = []
        for index, span in enumerate(section_spans(song)):
            section = song.section(span.name)
            rows.append(
                (
                    str(index + 1),
                    span.name,
                    ", ".join(section.patterns),
                    f"x{section.repeat}",
                    f"{(span.end - span.start) / bar:g}",
                    ", ".join(section.mute) or "-",
                    f"{section.bpm:g}" if section.bpm is not None else "-",
                    f"bar {span.start // bar + 1}",
                )
            )
        if rows == self._rows and self.row_count:
            return  # a step edit: nothing here changed
        self._rows = rows
        keep = self.cursor_row
        self.clear()
        for row in rows:
            self.add_row(*row)
        if self.row_count:
            self.move_cursor(row=min(keep, self.row_count - 1))

    def _occurrence(self) -> tuple[int, str] | None:
        if not self.row_count:
            return None
        row = self.cursor_row
        return row, str(self.get_row_at(row)[1])

    def action_add(self) -> None:
        found = self._occurrence()
        self.post_message(Ask("add_section", "", (found[0] + 1) if found else 0))

    def action_duplicate(self) -> None:
        found = self._occurrence()
        if found is not None:
            self.post_message(Ask("duplicate_section", found[1], found[0]))

    def action_move(self, by: int) -> None:
        found = self._occurrence()
        if found is None:
            return
        index, _ = found
        to = max(0, min(self.row_count - 1, index + by))
        self.post_message(Edit("move section", lambda s: edits.move_occurrence(s, index, to)))
        self.move_cursor(row=to)

    def action_remove(self) -> None:
        found = self._occurrence()
        if found is not None:
            index, name = found
            self.post_message(Edit(f"remove {name}", lambda s: edits.remove_occurrence(s, index)))

    def action_edit(self) -> None:
        found = self._occurrence()
        if found is not None:
            self.post_message(Ask("edit_section", found[1], found[0]))

    def action_loop(self) -> None:
        found = self._occurrence()
        if found is not None:
            self.post_message(Do("loop_section", found[1]))

    def action_play_song(self) -> None:
        found = self._occurrence()
        self.post_message(Do("play_song", "", found[0] if found else 0))


# mixer -----------------------------------------------------------------------------


class MixerView(DataTable[Text | str]):
    """One strip per track: level, pan, mute, solo, choke group, sound, and a meter."""

    BINDINGS = [
        Binding("left,h", "gain(-1)", "-1 dB"),
        Binding("right,l", "gain(1)", "+1 dB"),
        Binding("[", "pan(-0.1)", "pan left"),
        Binding("]", "pan(0.1)", "pan right"),
        Binding("m", "flag('mute')", "mute"),
        Binding("s", "flag('solo')", "solo"),
        Binding("c", "choke", "choke..."),
        Binding("o", "sound", "sound..."),
        Binding("x", "effects", "effects..."),
        Binding("b", "buses", "buses and master..."),
    ]

    METER = 16

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_columns("track", "level", "pan", "M", "S", "choke", "sound", "fx", "meter")
        self._levels: dict[str, float] = {}
        self._song: Song | None = None

    def show(self, song: Song) -> None:
        if self._song is not None and song.kit == self._song.kit:
            self._song = song
            return  # a step edit: nothing here changed
        self._song = song
        keep = self.cursor_row
        self.clear()
        for instrument in song.kit.instruments:
            self.add_row(
                instrument.name,
                f"{instrument.gain:+.1f} dB",
                _pan(instrument.pan),
                "M" if instrument.mute else "",
                "S" if instrument.solo else "",
                instrument.choke or "",
                _sound(instrument),
                _effects(instrument.fx),
                self._meter(instrument.name),
                key=instrument.name,
            )
        if self.row_count:
            self.move_cursor(row=min(keep, self.row_count - 1))

    def meters(self, levels: dict[str, float]) -> None:
        if self._song is None or levels == self._levels:
            return
        self._levels = levels
        columns = list(self.columns)
        for instrument in self._song.kit.instruments:
            try:
                self.update_cell(instrument.name, columns[-1], self._meter(instrument.name))
            except Exception:  # a row that is being rebuilt
                continue

    def _meter(self, name: str) -> Text:
        level = self._levels.get(name, 0.0)
        db = 20 * math.log10(level) if level > 0 else -120.0
        filled = max(0, min(self.METER, round((db + 48) / 48 * self.METER)))
        text = Text()
        for i in range(self.METER):
            colour = (
                "green" if i < self.METER * 0.7 else "yellow" if i < self.METER * 0.9 else "red"
            )
            text.append("▮" if i < filled else "·", style=colour if i < filled else "grey30")
        return text

    def _track(self) -> str | None:
        if self._song is None or not self.row_count:
            return None
        return self._song.kit.instruments[self.cursor_row].name

    def action_gain(self, db: float) -> None:
        name = self._track()
        if name is None or self._song is None:
            return
        value = round(self._song.kit[name].gain + db, 1)
        self.post_message(
            Edit(f"{name} level", lambda s: edits.set_instrument(s, name, gain=value))
        )

    def action_pan(self, by: float) -> None:
        name = self._track()
        if name is None or self._song is None:
            return
        value = round(max(-1.0, min(1.0, self._song.kit[name].pan + by)), 2)
        self.post_message(Edit(f"{name} pan", lambda s: edits.set_instrument(s, name, pan=value)))

    def action_flag(self, which: str) -> None:
        name = self._track()
        if name is None or self._song is None:
            return
        value = not getattr(self._song.kit[name], which)
        self.post_message(
            Edit(f"{which} {name}", lambda s: edits.set_instrument(s, name, **{which: value}))
        )

    def action_choke(self) -> None:
        name = self._track()
        if name is not None:
            self.post_message(Ask("choke", name))

    def action_sound(self) -> None:
        name = self._track()
        if name is not None:
            self.post_message(Ask("sound", name))

    def action_effects(self) -> None:
        name = self._track()
        if name is not None:
            self.post_message(Ask("effects", name))

    def action_buses(self) -> None:
        self.post_message(Ask("mix", ""))


def _effects(fx: Effects) -> str:
    """A track's effects, as the mixer shows them: the inserts in order, then sends and
    ducking (`x` opens them)."""
    names = [
        short
        for key, short in (("filter", "flt"), ("crush", "crush"), ("eq", "eq"), ("comp", "comp"))
        if getattr(fx, key) is not None
    ]
    if fx.drive:
        names.insert(1 if fx.filter is not None else 0, "drive")
    names += [
        short
        for key, short in (("reverb", "rev"), ("delay", "dly"))
        if getattr(fx, key) is not None
    ]
    if fx.duck is not None:
        names.append(f"duck<{fx.duck.by}")
    return " ".join(names)


def _sound(instrument: Instrument) -> str:
    """What plays the track, as the mixer shows it."""
    if instrument.synth is not None:
        written = synth_value(instrument.synth)
        if isinstance(written, str):
            return f"synth {written}"
        return f"synth {written['preset']} (changed)"
    return instrument.sample if instrument.path else f"{instrument.sample} (missing)"


def _pan(pan: float) -> str:
    if abs(pan) < 1e-9:
        return "C"
    return f"{'L' if pan < 0 else 'R'}{abs(pan) * 100:.0f}"


# sound browser ---------------------------------------------------------------------


class SoundBrowser(Tree[str]):
    """Shipped kits and the producer's folders. Moving onto a sound plays it; enter gives
    it to the track being edited."""

    BINDINGS = [Binding("enter", "assign", "use for track")]

    def __init__(self, folders: list[Path], **kwargs: object) -> None:
        super().__init__("sounds", **kwargs)  # type: ignore[arg-type]
        self.folders = folders
        self.show_root = False

    def on_mount(self) -> None:
        kits = self.root.add("kits", expand=True)
        for name in kit_names():
            kit = require_kit(name)
            node = kits.add(f"{name}  {kit.description[:50]}", expand=False)
            for sound in kit.instruments:
                node.add_leaf(sound.name, data=sound.sample)
        for folder in self.folders:
            folder = folder.resolve()
            if folder.is_dir():
                label = str(folder).replace(str(Path.home()), "~", 1)
                self._folder(self.root.add(label, expand=False), folder, depth=0)

    def _folder(self, node: object, folder: Path, depth: int) -> None:
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            return
        for entry in entries[:500]:
            if entry.name.startswith("."):
                continue
            if entry.is_dir() and depth < 3:
                self._folder(node.add(entry.name), entry, depth + 1)  # type: ignore[attr-defined]
            elif entry.suffix.lower() in AUDIO_SUFFIXES:
                node.add_leaf(entry.name, data=str(entry.resolve()))  # type: ignore[attr-defined]

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        if event.node.data:
            self.post_message(Do("audition", event.node.data))

    def action_assign(self) -> None:
        node = self.cursor_node
        if node is not None and node.data:
            self.post_message(Do("assign_sound", node.data))
        elif node is not None:
            node.toggle()


__all__ = [
    "ArrangementView",
    "Ask",
    "Callable",
    "Do",
    "Edit",
    "KeyHints",
    "MixerView",
    "PatternBank",
    "SoundBrowser",
    "Timeline",
    "TransportBar",
]
