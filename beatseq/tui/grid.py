"""PatternGrid: the tracks x steps of one pattern, with a cursor and the playhead.

It draws what it is given (the song, the pattern's name, the playhead step) and asks
for changes with an `Edit` message; the app applies them to the store. Cells are two
columns wide: `X` accent, `x` normal, `o` ghost, `1`-`9` other velocities, `.` rest; a
hit with more to it (probability, nudge, roll, condition, pitch) is underlined. Beats
are separated by a thin rule. A long pattern scrolls with the cursor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from beatseq.formats.steps import velocity_char
from beatseq.model import Pattern, Song, Step, Track
from beatseq.model.pitch import notes_text
from beatseq.tui import edits

NAME_WIDTH = 14
CELL = 2

REST = Style(color="grey35")
BOLD = Style(bold=True)
FLAG = Style(color="bright_red")
FOOTER = Style(color="grey62")
HEAD = Style(color="bright_green", bold=True)
HIT = Style(color="bright_white", bold=True)
GHOST = Style(color="grey62")
ACCENT = Style(color="bright_yellow", bold=True)
CURSOR = Style(reverse=True)
PLAYHEAD = Style(bgcolor="dark_green")
SELECTED = Style(bgcolor="grey23")
MUTED = Style(color="grey42", strike=True)
RULE = Style(color="grey30")


class Held:
    """A rest that a note before it is held through."""


HELD = Held()


@dataclass(frozen=True)
class Cursor:
    row: int = 0
    step: int = 0


class PatternGrid(Widget, can_focus=True):
    BINDINGS = [
        Binding("left,h", "move(0,-1)", "left", show=False),
        Binding("right,l", "move(0,1)", "right", show=False),
        Binding("up,k", "move(-1,0)", "up", show=False),
        Binding("down,j", "move(1,0)", "down", show=False),
        Binding("shift+left,H", "select(-1)", "select left", show=False),
        Binding("shift+right,L", "select(1)", "select right", show=False),
        Binding("home", "jump(0)", "first step", show=False),
        Binding("end", "jump(-1)", "last step", show=False),
        Binding("enter", "hit", "hit on/off"),
        Binding("a", "velocity(127)", "accent"),
        Binding("n", "velocity(100)", "normal"),
        Binding("g", "velocity(50)", "ghost"),
        Binding("i", "inspect", "step..."),
        Binding("c", "copy", "copy"),
        Binding("v", "paste", "paste"),
        Binding("delete,backspace", "clear", "clear", show=False),
        Binding("X", "clear_track", "clear track", show=False),
        Binding("less_than_sign,comma", "rotate(-1)", "rotate left", show=False),
        Binding("greater_than_sign,full_stop", "rotate(1)", "rotate right", show=False),
        Binding("D", "double", "double", show=False),
        Binding("f", "fill", "fill every...", show=False),
        Binding("e", "euclid", "euclid...", show=False),
        Binding("m", "mute", "mute", show=False),
        Binding("s", "solo", "solo", show=False),
        Binding("t", "add_track", "add track", show=False),
        Binding("T", "remove_track", "remove track", show=False),
        Binding("r", "rename_track", "rename", show=False),
        Binding("o", "sound", "sound...", show=False),
        Binding("ctrl+l", "length", "length...", show=False),
        Binding("ctrl+r", "resolution", "resolution", show=False),
        Binding("ctrl+n", "new_pattern", "new pattern", show=False),
    ]

    # Each redraws what it changes itself (see _redraw), not the whole widget.
    song: reactive[Song | None] = reactive(None, repaint=False)
    pattern: reactive[str] = reactive("", repaint=False)
    playhead: reactive[int | None] = reactive(None, repaint=False)
    cursor: reactive[Cursor] = reactive(Cursor(), repaint=False)
    mark: reactive[int | None] = reactive(None, repaint=False)
    """The other end of a selection (a range of steps on the cursor's row)."""

    class Edit(Message):
        """Please apply `edit` to the song (the app owns the store)."""

        def __init__(self, label: str, edit: Callable[[Song], Song]) -> None:
            self.label = label
            self.edit = edit
            super().__init__()

    class Ask(Message):
        """An action that needs the app (a prompt, the inspector, the sound browser)."""

        def __init__(self, what: str, track: str, step: int) -> None:
            self.what = what
            self.track = track
            self.step = step
            super().__init__()

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.clipboard: tuple[Step | None, ...] = ()
        self._scroll = 0
        self._lines: list[Strip] | None = None
        self._pending = False
        """The drawn lines, until something they show changes."""
        self._rows: dict[tuple[object, ...], Strip] = {}
        """Track rows drawn without the playhead, by what they show."""
        self._cells: dict[tuple[int, bool, bool, bool], tuple[object, tuple[Segment, ...]]] = {}
        """Drawn cells by (id of the step, playhead, selected, cursor), for the current
        base style; the step is kept with them, so an id is never reused while its
        entry is here."""
        self._base = Style()
        self._columns: list[tuple[int, int]] = []
        """(x, step) of each step drawn, for mouse clicks."""

    # what is shown ------------------------------------------------------------------

    def current(self) -> Pattern | None:
        song = self.song
        if song is None:
            return None
        for pattern in song.patterns:
            if pattern.name == self.pattern:
                return pattern
        return None

    def rows(self) -> list[str]:
        """The rows shown: the pattern's tracks, then the kit's other sounds to add."""
        pattern = self.current()
        return list(pattern.track_names) if pattern is not None else []

    def track(self) -> str | None:
        rows = self.rows()
        if not rows:
            return None
        return rows[min(self.cursor.row, len(rows) - 1)]

    def selection(self) -> tuple[int, int]:
        """Steps [start, end) the next copy/clear acts on: the selection, or the cursor."""
        if self.mark is None:
            return self.cursor.step, self.cursor.step + 1
        low, high = sorted((self.mark, self.cursor.step))
        return low, high + 1

    # drawing (Textual's line API: one Strip per row, built from Segments) ----------

    def render_line(self, y: int) -> Strip:
        if self._lines is None:
            self._lines = self._draw()
        if y < len(self._lines):
            return self._lines[y]
        return Strip.blank(self.size.width, self._base)

    def plain(self) -> str:
        """What the grid shows, as plain text."""
        return "\n".join(line.text.rstrip() for line in self._draw())

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._redraw()

    def _redraw(self) -> None:
        """Draw again once the changes being made now are all in; only the lines that
        differ go to the screen (a key changes one or two rows, not the grid)."""
        if not self._pending:
            self._pending = True
            self.call_next(self._update)

    def _update(self) -> None:
        self._pending = False
        old, new = self._lines, self._draw()
        self._lines = new
        if old is None or len(old) != len(new):
            self.refresh(layout=True)
            return
        width = self.size.width
        changed = [Region(0, y, width, 1) for y, line in enumerate(new) if line != old[y]]
        if changed:
            self.refresh(*changed)

    def on_resize(self) -> None:
        self._lines = None
        self.refresh()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        pattern = self.current()
        return len(pattern.tracks) + 2 if pattern is not None and self.song else 1

    def _draw(self) -> list[Strip]:
        base = self.rich_style
        if base != self._base or len(self._cells) > 8192:  # old songs' steps go too
            self._cells = {}
        self._base = base
        pattern = self.current()
        song = self.song
        if pattern is None or song is None:
            text = "No pattern: pick one in the bank, or press ctrl+n for a new one."
            return [Strip([Segment(text, base + FOOTER)])]
        width = max(CELL, self.size.width - NAME_WIDTH)
        visible = max(1, width // CELL - (width // CELL) // (4 * 2 + 1))
        steps = max(pattern.steps, max((t.length for t in pattern.tracks), default=1))
        cursor = self.cursor
        if cursor.step < self._scroll:
            self._scroll = cursor.step
        elif cursor.step >= self._scroll + visible:
            self._scroll = cursor.step - visible + 1
        self._scroll = max(0, min(self._scroll, max(0, steps - visible)))
        first, last = self._scroll, min(steps, self._scroll + visible)
        self._columns = []
        x = NAME_WIDTH
        for index in range(first, last):
            if index % 4 == 0 and index > first:
                x += 1
            self._columns.append((x, index))
            x += CELL
        lines = [self._ruler(base, first, last, steps)]
        low, high = self.selection()
        rows: dict[tuple[object, ...], Strip] = {}
        where = {index: x for x, index in self._columns}
        for row, track in enumerate(pattern.tracks):
            # A row is drawn again only when something it shows has changed: moving the
            # cursor or toggling a step redraws one or two rows of the sixteen. The
            # playhead is laid over the drawn row, one cell.
            here = row == cursor.row
            instrument = song.kit.get(track.name)
            key = (
                track,
                instrument.mute if instrument else False,
                instrument.solo if instrument else False,
                song.kit.audible(track.name) if instrument else True,
                cursor.step if here else None,
                (low, high, self.mark is not None) if here else None,
                first,
                last,
                base,
            )
            line = self._rows.get(key)
            if line is None:
                line = self._row(base, song, row, track, first, last, low, high)
            rows[key] = line
            head = self.playhead % track.length if self.playhead is not None else None
            head_x = where.get(head) if head is not None else None
            if head is not None and head_x is not None:
                step = HELD if head in _held(track.steps) else track.steps[head]
                selected = here and self.mark is not None and low <= head < high
                cell = Strip(self._cell(base, step, True, selected, here and head == cursor.step))
                line = Strip.join(
                    [line.crop(0, head_x), cell, line.crop(head_x + CELL, line.cell_length)]
                )
            lines.append(line)
        self._rows = rows
        lines.append(self._footer(base, pattern, steps, first, last))
        width = self.size.width
        return [line.crop_extend(0, width, base) for line in lines]

    def _cell(
        self, base: Style, step: Step | Held | None, playhead: bool, selected: bool, cursor: bool
    ) -> tuple[Segment, ...]:
        """A step's drawn cell (cached by the step's identity and its highlights)."""
        key = (id(step), playhead, selected, cursor)  # a Step's own hash costs more
        found = self._cells.get(key)
        if found is None or found[0] is not step:
            found = self._cells[key] = (
                step,
                _cell_segments(base, step, playhead, selected, cursor),
            )
        return found[1]

    def _row(
        self,
        base: Style,
        song: Song,
        row: int,
        track: Track,
        first: int,
        last: int,
        low: int,
        high: int,
    ) -> Strip:
        cursor = self.cursor
        instrument = song.kit.get(track.name)
        muted = instrument is not None and not song.kit.audible(track.name)
        label = set_cell_size(track.name, NAME_WIDTH - 4)  # wide characters too
        mute = "M" if instrument is not None and instrument.mute else " "
        solo = "S" if instrument is not None and instrument.solo else " "
        flag = FLAG if (mute + solo).strip() else Style()
        segments = [
            Segment(label, base + (MUTED if muted else BOLD if row == cursor.row else Style())),
            Segment(f" {mute}{solo} ", base + flag),
        ]
        selecting = row == cursor.row and self.mark is not None
        on_row = row == cursor.row
        rule = Segment("│", base + RULE)
        blank = Segment("  ", base)
        # Runs of cells in the same style become one segment as they are laid down
        # (styles come from caches, so "same" is identity): fewer segments for
        # Textual to crop and filter on every frame.
        texts: list[str] = []
        style: Style | None = None
        steps = track.steps
        length = track.length
        held = _held(steps)
        for index in range(first, last):
            if index >= length:
                cell: tuple[Segment, ...] = (blank,)
            else:
                step = HELD if index in held else steps[index]
                cell = self._cell(
                    base,
                    step,
                    False,
                    selecting and low <= index < high,
                    on_row and index == cursor.step,
                )
            if index % 4 == 0 and index > first:
                cell = (rule, *cell)
            for text, segment_style, _ in cell:
                if segment_style is not style:
                    if texts:
                        segments.append(Segment("".join(texts), style))
                    texts, style = [], segment_style
                texts.append(text)
        if texts:
            segments.append(Segment("".join(texts), style))
        width = NAME_WIDTH + sum(len(segment.text) for segment in segments[2:])
        return Strip(segments, width)  # the name fills its cells; the rest is 1 cell a char

    def _ruler(self, base: Style, first: int, last: int, steps: int) -> Strip:
        segments = [Segment(" " * NAME_WIDTH, base)]
        head = self.playhead % steps if self.playhead is not None else None
        for index in range(first, last):
            if index % 4 == 0 and index > first:
                segments.append(Segment("│", base + RULE))
            mark = str(index // 4 + 1) if index % 4 == 0 else "·"
            style = HEAD if index == head else RULE
            segments.append(Segment(f"{mark:<{CELL}}", base + style))
        return Strip(segments)

    def _footer(self, base: Style, pattern: Pattern, steps: int, first: int, last: int) -> Strip:
        track = self.track()
        step = None
        if track is not None:
            found = pattern.track(track)
            if found is not None and self.cursor.step < found.length:
                step = found.steps[self.cursor.step]
        where = f"step {self.cursor.step + 1}/{steps}"
        shown = f"  showing {first + 1}-{last}" if last - first < steps else ""
        flats = self.song is not None and self.song.key is not None and self.song.key.flats
        detail = _describe(step, flats) if step is not None else "rest"
        text = (
            f"{pattern.name}: {pattern.steps} steps of {pattern.resolution}{shown}   "
            f"{track or ''} {where}: {detail}"
        )
        return Strip([Segment(text, base + FOOTER)])

    def watch_song(self) -> None:
        self._clamp()
        self._redraw()

    def watch_pattern(self) -> None:
        self.cursor = Cursor()
        self.mark = None
        self._clamp()
        self._redraw()

    def watch_playhead(self) -> None:
        self._redraw()

    def watch_cursor(self) -> None:
        self._redraw()

    def watch_mark(self) -> None:
        self._redraw()

    def _clamp(self) -> None:
        pattern = self.current()
        if pattern is None:
            return
        rows = max(1, len(pattern.tracks))
        track = pattern.tracks[min(self.cursor.row, rows - 1)] if pattern.tracks else None
        length = track.length if track is not None else pattern.steps
        cursor = Cursor(min(self.cursor.row, rows - 1), min(self.cursor.step, length - 1))
        if cursor != self.cursor:
            self.cursor = cursor

    # moving -------------------------------------------------------------------------

    def action_move(self, rows: int, steps: int) -> None:
        pattern = self.current()
        if pattern is None or not pattern.tracks:
            return
        row = max(0, min(len(pattern.tracks) - 1, self.cursor.row + rows))
        length = pattern.tracks[row].length
        step = (self.cursor.step + steps) % length if steps else min(self.cursor.step, length - 1)
        if rows:
            self.mark = None
        self.cursor = Cursor(row, step)

    def action_select(self, steps: int) -> None:
        if self.mark is None:
            self.mark = self.cursor.step
        pattern = self.current()
        if pattern is None or not pattern.tracks:
            return
        length = pattern.tracks[self.cursor.row].length
        self.cursor = Cursor(self.cursor.row, max(0, min(length - 1, self.cursor.step + steps)))

    def action_jump(self, where: int) -> None:
        pattern = self.current()
        if pattern is None or not pattern.tracks:
            return
        length = pattern.tracks[self.cursor.row].length
        self.cursor = Cursor(self.cursor.row, where % length)

    def on_click(self, event: events.Click) -> None:
        pattern = self.current()
        at = event.get_content_offset(self)
        if pattern is None or at is None or not 0 <= at.y - 1 < len(pattern.tracks):
            return
        row = at.y - 1
        for x, index in self._columns:
            if x <= at.x < x + CELL:
                if index < pattern.tracks[row].length:
                    self.cursor = Cursor(row, index)
                    self.mark = None
                    self.action_hit()
                return

    # editing ------------------------------------------------------------------------

    def _edit(self, label: str, edit: Callable[[Song], Song]) -> None:
        self.post_message(self.Edit(label, edit))

    def action_hit(self) -> None:
        track = self.track()
        if track is not None:
            pattern, step = self.pattern, self.cursor.step
            self._edit(
                f"toggle {track} {step + 1}", lambda s: edits.toggle_step(s, pattern, track, step)
            )

    def action_velocity(self, velocity: int) -> None:
        track = self.track()
        if track is None:
            return
        pattern = self.pattern
        low, high = self.selection()
        self._edit(
            f"velocity {velocity}",
            lambda s: _each(
                s, low, high, lambda t, i: edits.set_velocity(t, pattern, track, i, velocity)
            ),
        )

    def on_key(self, event: events.Key) -> None:
        """1-9 set the velocity in ninths of 127, like the step strings' digits."""
        if len(event.key) == 1 and event.key in "123456789":
            self.action_velocity(round(int(event.key) * 127 / 9))
            event.stop()

    def action_copy(self) -> None:
        """Copy the selected steps, or the whole track when nothing is selected."""
        track = self.track()
        song = self.song
        if track is None or song is None:
            return
        found = song.pattern(self.pattern).track(track)
        if found is None:
            return
        low, high = self.selection() if self.mark is not None else (0, found.length)
        self.clipboard = edits.copy_range(song, self.pattern, track, low, high)
        self.mark = None
        self.notify(f"copied {len(self.clipboard)} steps of {track}", timeout=2)

    def action_paste(self) -> None:
        track = self.track()
        if track is None or not self.clipboard:
            return
        pattern, step, steps = self.pattern, self.cursor.step, self.clipboard
        self._edit("paste", lambda s: edits.paste_range(s, pattern, track, step, steps))

    def action_clear(self) -> None:
        """Clear the selected steps, or the step under the cursor."""
        track = self.track()
        if track is None:
            return
        pattern = self.pattern
        low, high = self.selection()
        self.mark = None
        self._edit("clear", lambda s: edits.clear_range(s, pattern, track, low, high))

    def action_clear_track(self) -> None:
        track = self.track()
        song = self.song
        if track is None or song is None:
            return
        found = song.pattern(self.pattern).track(track)
        if found is not None:
            pattern, length = self.pattern, found.length
            self.mark = None
            self._edit(f"clear {track}", lambda s: edits.clear_range(s, pattern, track, 0, length))

    def action_rotate(self, amount: int) -> None:
        track = self.track()
        if track is not None:
            pattern = self.pattern
            self._edit(f"rotate {track}", lambda s: edits.rotate_track(s, pattern, track, amount))

    def action_double(self) -> None:
        pattern = self.pattern
        self._edit(f"double {pattern}", lambda s: edits.double_pattern(s, pattern))

    def action_mute(self) -> None:
        self._flag("mute")

    def action_solo(self) -> None:
        self._flag("solo")

    def _flag(self, which: str) -> None:
        track = self.track()
        song = self.song
        if track is None or song is None or track not in song.kit:
            return
        value = not getattr(song.kit[track], which)
        self._edit(f"{which} {track}", lambda s: edits.set_instrument(s, track, **{which: value}))

    def _ask(self, what: str) -> None:
        self.post_message(self.Ask(what, self.track() or "", self.cursor.step))

    def action_inspect(self) -> None:
        self._ask("inspect")

    def action_fill(self) -> None:
        self._ask("fill")

    def action_euclid(self) -> None:
        self._ask("euclid")

    def action_add_track(self) -> None:
        self._ask("add_track")

    def action_remove_track(self) -> None:
        track = self.track()
        if track is not None:
            pattern = self.pattern
            self._edit(f"remove {track}", lambda s: edits.remove_track(s, pattern, track))

    def action_rename_track(self) -> None:
        self._ask("rename_track")

    def action_sound(self) -> None:
        self._ask("sound")

    def action_length(self) -> None:
        self._ask("length")

    def action_resolution(self) -> None:
        self._ask("resolution")

    def action_new_pattern(self) -> None:
        self._ask("new_pattern")


def _each(song: Song, low: int, high: int, edit: Callable[[Song, int], Song]) -> Song:
    for index in range(low, high):
        song = edit(song, index)
    return song


def _cell_segments(
    base: Style, step: Step | Held | None, playhead: bool, selected: bool, cursor: bool
) -> tuple[Segment, ...]:
    """A step's two columns: its character, and a space lit like it when highlighted."""
    char, style = _cell(step)
    lit = style
    if playhead:
        lit = lit + PLAYHEAD
    if selected:
        lit = lit + SELECTED
    if cursor:
        lit = lit + CURSOR
    if lit is style and not style.underline:
        return (Segment(f"{char} ", base + style),)  # a coloured space looks blank
    return Segment(char, base + lit), Segment(" ", base + lit if lit is not style else base)


def _held(steps: tuple[Step | None, ...]) -> set[int]:
    """The steps a note is held through (shown as "-")."""
    held: set[int] = set()
    for index, step in enumerate(steps):
        if step is not None and step.length > 1:
            held.update(range(index + 1, index + step.length))
    return held


def _cell(step: Step | Held | None) -> tuple[str, Style]:
    if step is None:
        return ".", REST
    if isinstance(step, Held):
        return "-", HIT
    char = velocity_char(step.velocity) or "x"
    style = ACCENT if step.velocity >= 120 else GHOST if step.velocity <= 60 else HIT
    special = step.probability < 100 or step.nudge or step.roll > 1 or step.condition or step.pitch
    if special:
        style = style + Style(underline=True)
    if step.roll > 1:
        char = "r" if char == "x" else char
    return char, style


def _describe(step: Step, flats: bool = False) -> str:
    parts = [f"velocity {step.velocity}"]
    if step.notes:
        held = f" held {step.length} steps" if step.length > 1 else ""
        parts.insert(
            0, f"{notes_text(step.notes, flats=flats)}{held}{' sliding' if step.slide else ''}"
        )
    if step.probability < 100:
        parts.append(f"{step.probability}%")
    if step.nudge:
        parts.append(f"nudge {step.nudge:+d}")
    if step.roll > 1:
        ramp = f" to {step.roll_to}" if step.roll_to is not None else ""
        parts.append(f"roll {step.roll}{ramp}")
    if step.condition is not None:
        parts.append(f"plays {step.condition}")
    if step.pitch:
        parts.append(f"pitch {step.pitch:+d}")
    return ", ".join(parts)
