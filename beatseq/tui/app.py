"""BeatseqApp: the terminal UI, from an empty song to an arranged, saved, exported beat.

The app owns the Store (the song, undo, saving) and the AudioLink (the live engine).
Views draw what they are given and send messages up: `Edit` (a change to the song,
applied through the store so it can be undone), `Ask` (it needs a prompt) and `Do` (a
transport or audio action). Every change reaches the engine as the new song, so it is
heard from the next step. Everything works without a sound card (the engine then runs
silently and the playhead still moves).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, TabPane

from beatseq.compile import compile_song, section_spans
from beatseq.engine import protocol as p
from beatseq.engine.protocol import Selection
from beatseq.errors import BeatseqError
from beatseq.model import Condition, Song, Step
from beatseq.model.effects import Effects, Mix
from beatseq.model.pitch import parse_key, read_notes, snap_to_scale
from beatseq.tui import edits
from beatseq.tui.audio import AudioLink, ready_to_spawn
from beatseq.tui.dialogs import (
    Confirm,
    EffectsEditor,
    ExportDialog,
    HelpScreen,
    MixEditor,
    Prompt,
    SectionEditor,
    SectionFields,
    StepFields,
    StepInspector,
)
from beatseq.tui.grid import PatternGrid
from beatseq.tui.store import Change, Store
from beatseq.tui.views import (
    ArrangementView,
    Ask,
    Do,
    KeyHints,
    MixerView,
    PatternBank,
    SoundBrowser,
    Timeline,
    TransportBar,
)

PADS = ("1", "2", "3", "4", "q", "w", "e", "r", "a", "s", "d", "f", "z", "x", "c", "v")
"""The 16 pad keys, laid out like an MPC's 4x4 pads; pad n plays the pattern's track n."""
AUTOSAVE_SECONDS = 30.0
FRAME_SECONDS = 1 / 30


class BeatseqApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "beatseq"

    BINDINGS = [
        Binding("space", "play", "play/stop", priority=True),
        Binding("ctrl+s", "save", "save"),
        Binding("ctrl+z", "undo", "undo"),
        Binding("ctrl+y", "redo", "redo"),
        Binding("ctrl+q", "quit", "quit", priority=True),
        Binding("f1,question_mark", "help", "help"),
        Binding("f2", "view('pattern')", "pattern", show=False),
        Binding("f3", "view('song')", "song", show=False),
        Binding("f4", "view('mixer')", "mixer", show=False),
        Binding("f5", "view('sounds')", "sounds", show=False),
        Binding("f6", "pads", "pads"),
        Binding("f7", "record", "record", show=False),
        Binding("f8", "quantize", "quantize", show=False),
        Binding("f9", "metronome", "metronome", show=False),
        Binding("f10", "mode", "pattern/song", show=False),
        Binding("plus,equals_sign", "tempo(1)", "bpm +", show=False),
        Binding("minus", "tempo(-1)", "bpm -", show=False),
        Binding("ctrl+t", "tap", "tap tempo", show=False),
        Binding("left_curly_bracket", "swing(-1)", "swing -", show=False),
        Binding("right_curly_bracket", "swing(1)", "swing +", show=False),
        Binding("ctrl+e", "export", "export"),
        Binding("ctrl+k", "key", "key...", show=False),
        Binding("ctrl+up", "transpose(1)", "notes up", show=False),
        Binding("ctrl+down", "transpose(-1)", "notes down", show=False),
        *(
            Binding(key, f"pad({n})", f"pad {n + 1}", show=False, priority=True)
            for n, key in enumerate(PADS)
        ),
    ]

    def __init__(
        self,
        song: Song,
        path: Path | None,
        audio: tuple[p.Audio, ...] | None = ("jack", "portaudio"),
        notes: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.notes = list(notes or [])
        """Things to tell the producer on opening (sounds that are missing)."""
        self.store = Store(song, path)
        self.link = AudioLink(audio)
        self.editing = song.patterns[0].name if song.patterns else ""
        self.selection = self._pattern_mode() if self.editing else Selection("song")
        """What space plays: the pattern being edited, looped (pattern mode, the default,
        as in FL Studio), the song, or a section looped from the arrangement."""
        self.pads = False
        self._picking: tuple[str, str] | None = None
        """The track the sound browser picks a sound for, and the view to go back to
        (where `o` was pressed: the grid or the mixer); None: the grid's track."""
        self.recording = False
        self.quantize = True
        self.metronome = False
        self.scale_lock = True
        """Notes typed in the step inspector snap to the song's key (when it has one)."""
        self._taps: list[float] = []
        self._status: p.Status | None = None
        self._exporting = False
        self._before = song
        """The song as the views last showed it (to follow a rename from)."""
        self.store.listen(self._changed)

    # layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TransportBar(id="transport")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Static("patterns", classes="heading")
                yield PatternBank(id="bank")
            with TabbedContent(initial="pattern", id="views"):
                with TabPane("F2 Pattern", id="pattern"):
                    yield PatternGrid(id="grid")
                with TabPane("F3 Song", id="song"):
                    yield Timeline(id="timeline")
                    yield ArrangementView(id="arrangement")
                with TabPane("F4 Mixer", id="mixer"):
                    yield MixerView(id="mixer-table")
                with TabPane("F5 Sounds", id="sounds"):
                    yield SoundBrowser(self._sound_folders(), id="browser")
        yield Static("", id="message", markup=False)
        yield KeyHints(id="keys")

    def on_mount(self) -> None:
        self.views = _Views(self.screen)
        self._show(self.store.song)
        self.views.grid.focus()
        self.link.send(p.Load(self.store.song, self.selection))  # waits for the engine
        self.call_after_refresh(self._start_audio)
        self.views.transport.mode = _describe(self.selection)
        self.set_interval(FRAME_SECONDS, self._frame)
        self.set_interval(AUTOSAVE_SECONDS, self._autosave)
        self._offer_recovery()
        if self.notes:
            self.say(" | ".join(self.notes))

    def _start_audio(self) -> None:
        """Start the engine once the first screen is up (starting a process competes
        with drawing it)."""
        ready_to_spawn()  # for the engine and for exports
        self.link.start()

    def _sound_folders(self) -> list[Path]:
        folders = []
        if self.store.path is not None:
            folders.append(self.store.path.parent)
        home = Path.home() / "beatseq-sounds"
        if home.is_dir():
            folders.append(home)
        return folders

    # the song changed ----------------------------------------------------------------

    def _changed(self, change: Change) -> None:
        song = change.song
        before, self._before = self._before, song
        names = [p_.name for p_ in song.patterns]
        if self.editing not in names:
            renamed = _renamed(before.patterns, song.patterns, self.editing)
            self.editing = renamed or (names[0] if names else "")
        if self.selection.kind != "song":
            olds, news = (
                (before.patterns, song.patterns)
                if self.selection.kind == "pattern"
                else (before.sections, song.sections)
            )
            renamed = _renamed(olds, news, self.selection.name)
            if renamed is not None:
                self.selection = replace(self.selection, name=renamed)
        if self.selection.kind != "song" and not self._selectable(song, self.selection):
            pattern = self.selection.kind == "pattern" and self.editing
            self.selection = self._pattern_mode() if pattern else Selection("song")
        self.views.transport.mode = _describe(self.selection)
        self._show(song)
        if change.label != "saved":
            self.link.send(p.Load(song, self.selection))
        self.say(change.label)

    def _show(self, song: Song) -> None:
        grid = self.views.grid
        grid.song = song
        grid.pattern = self.editing
        self.views.bank.show(song, self.editing)
        self.views.arrangement.show(song)
        self.views.timeline.song = song
        self.views.mixer.show(song)
        transport = self.views.transport
        transport.song = song
        transport.refresh()
        self._title()

    def _title(self) -> None:
        path = self.store.path.name if self.store.path else "untitled"
        self.title = f"beatseq - {path}{' *' if self.store.dirty else ''}"
        self.views.transport.file = f"{path}{' *' if self.store.dirty else ''}"

    def _selectable(self, song: Song, selection: Selection) -> bool:
        names = song.sections if selection.kind == "section" else song.patterns
        return selection.name in [n.name for n in names]

    def say(self, text: str) -> None:
        self.views.message.update(text, layout=False)  # one line: no new layout

    def apply(self, label: str, edit: Callable[[Song], Song]) -> None:
        problem = self.store.apply(label, edit)
        if problem:
            self.say(f"can't {label}: {problem}")
            self.bell()

    # the clock -----------------------------------------------------------------------

    def _frame(self) -> None:
        status = self.link.poll()
        transport = self.views.transport
        state = self.link.state
        audio = state.message if state.kind != "silent" else "no audio device (silent)"
        if transport.audio != audio:
            transport.audio = audio
        for problem in self.link.problems():
            self.say(problem)
        if status is None or status == self._status:
            return
        self._status = status
        if transport.status is None or _shown(status) != _shown(transport.status):
            transport.status = status  # the bar redraws when what it shows changes
        self.views.grid.playhead = self._playhead(status)
        tab = self.views.tabs.active
        if tab == "song":
            song_playing = status.playing and self.selection.kind == "song"
            self.views.timeline.tick = status.tick if song_playing else None
        if tab == "mixer":
            self.views.mixer.meters(dict(status.levels))

    def _playhead(self, status: p.Status) -> int | None:
        """The step of the pattern being edited under the playhead, if it is playing."""
        if not status.playing or status.section_tick is None:
            return None
        song = self.store.song
        try:
            pattern = song.pattern(self.editing)
        except KeyError:
            return None
        if self.selection.kind == "pattern":
            playing = self.selection.name == self.editing
        else:
            section = status.section
            playing = section is not None and any(
                s.name == section and self.editing in s.patterns for s in song.sections
            )
        if not playing:
            return None
        return int(status.section_tick // pattern.step_ticks)

    # transport -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Global keys stay out of dialogs; the pad keys work only in pad mode."""
        if action in ("play", "pad", "tempo", "swing") and self._in_dialog():
            return False
        if action == "pad":
            return self.pads
        return True

    def _in_dialog(self) -> bool:
        return not isinstance(self.screen, Screen) or self.screen is not self.screen_stack[0]

    def _pattern_mode(self) -> Selection:
        return Selection("pattern", self.editing, loop=True)

    def _playing(self) -> bool:
        return self._status is not None and self._status.playing

    def action_play(self) -> None:
        if self._playing():
            self.link.send(p.Stop())
            return
        if self.selection.kind == "pattern" and self.selection.name != self.editing:
            self.selection = self._pattern_mode()
            self.link.send(p.Load(self.store.song, self.selection))
            self.views.transport.mode = _describe(self.selection)
        self.link.send(p.Play())

    def action_mode(self) -> None:
        """Switch between looping the pattern being edited and playing the song (while
        playing, the switch comes at the next bar line)."""
        if self.selection.kind == "pattern" or not self.editing:
            self.selection = Selection("song")
        else:
            self.selection = self._pattern_mode()
        if self._playing():
            self.link.send(p.Queue(self.selection))
        else:
            self.link.send(p.Load(self.store.song, self.selection))
        self.views.transport.mode = _describe(self.selection)
        self.say(f"space plays {_describe(self.selection)}")

    def _play(self, selection: Selection, locate: int | None = None) -> None:
        self.selection = selection
        self.link.send(p.Stop())
        self.link.send(p.Load(self.store.song, selection))
        if locate is not None:
            self.link.send(p.Locate(locate))
        self.link.send(p.Play())
        self.views.transport.mode = _describe(selection)

    def action_tempo(self, by: float) -> None:
        bpm = round(min(300.0, max(20.0, self.store.song.bpm + by)), 2)
        self.apply("tempo", lambda s: edits.set_song(s, bpm=bpm))

    def action_swing(self, by: float) -> None:
        swing = min(75.0, max(50.0, self.store.song.swing + by))
        self.apply("swing", lambda s: edits.set_song(s, swing=swing))

    def action_tap(self) -> None:
        now = time.monotonic()
        self._taps = [*(t for t in self._taps if now - t < 2.5)][-3:]
        self._taps.append(now)
        if len(self._taps) >= 2:
            gaps = [b - a for a, b in zip(self._taps, self._taps[1:], strict=False)]
            bpm = round(60 / (sum(gaps) / len(gaps)), 1)
            if 20 <= bpm <= 300:
                self.apply("tap tempo", lambda s: edits.set_song(s, bpm=bpm))
        else:
            self.say("tap again...")

    # key and notes --------------------------------------------------------------------

    def action_key(self) -> None:
        song = self.store.song

        def done(text: str | None) -> None:
            if text is None:
                return
            if not text.strip():
                self.apply("no key", lambda s: edits.set_song(s, key=None))
                return
            try:
                key = parse_key(text)
            except ValueError as err:
                self.say(f"key: {err}")
                return
            self.apply(f"key {key}", lambda s: edits.set_song(s, key=key))

        current = str(song.key) if song.key is not None else ""
        self.push_screen(
            Prompt("Key of the song", current, "like F minor, C major, G phrygian; blank: none"),
            done,
        )

    def action_scale_lock(self) -> None:
        self.scale_lock = not self.scale_lock
        key = self.store.song.key
        where = f" to {key}" if key is not None else " (set a key: ctrl+k)"
        self.say(f"scale lock {'on' + where if self.scale_lock else 'off'}")

    def action_transpose(self, semitones: int) -> None:
        """The edited pattern's notes up or down (drum hits never move)."""
        pattern = self.editing
        if pattern:
            self.apply(
                f"{pattern} notes {semitones:+d}",
                lambda s: edits.transpose_pattern(s, pattern, semitones),
            )

    def _transpose_song(self, semitones: int) -> None:
        self.apply(f"song {semitones:+d}", lambda s: edits.transpose_song(s, semitones))

    def action_metronome(self) -> None:
        self.metronome = not self.metronome
        self.link.send(p.SetMetronome(self.metronome))
        self.say(f"metronome {'on' if self.metronome else 'off'}")

    # pads ----------------------------------------------------------------------------

    def action_pads(self) -> None:
        self.pads = not self.pads
        self._flags()
        keys = " ".join(PADS)
        self.say(f"pads {'on: ' + keys + ' play the tracks' if self.pads else 'off'}")

    def action_record(self) -> None:
        self.recording = not self.recording
        self._flags()

    def action_quantize(self) -> None:
        self.quantize = not self.quantize
        self._flags()
        self.say(f"pad recording {'quantized to the grid' if self.quantize else 'as played'}")

    def _flags(self) -> None:
        flags = []
        if self.pads:
            flags.append("PADS")
        if self.recording:
            flags.append("REC")
        if self.recording and not self.quantize:
            flags.append("(free)")
        self.views.transport.flags = " ".join(flags)

    def action_pad(self, number: int) -> None:
        song = self.store.song
        try:
            pattern = song.pattern(self.editing)
        except KeyError:
            return
        if number >= len(pattern.tracks):
            return
        track = pattern.tracks[number].name
        self.link.send(p.Preview(track, 100))
        status = self._status
        if not (self.recording and status is not None and status.playing):
            return
        playhead = self._playhead(status)
        if playhead is None or status.section_tick is None:
            return
        step_ticks = pattern.step_ticks
        length = pattern.tracks[number].length
        local = status.section_tick % (length * step_ticks)
        nearest = round(local / step_ticks)  # may be the step after the last: step 1
        step = nearest % length
        name = self.editing
        if self.quantize:
            self.apply(f"record {track}", lambda s: edits.set_velocity(s, name, track, step, 100))
        else:
            nudge = int(max(-480, min(480, local - nearest * step_ticks)))
            self.apply(
                f"record {track}",
                lambda s: edits.update_step(
                    edits.set_velocity(s, name, track, step, 100), name, track, step, nudge=nudge
                ),
            )

    # editing -------------------------------------------------------------------------

    def on_pattern_grid_edit(self, message: PatternGrid.Edit) -> None:
        self.apply(message.label, message.edit)

    def on_pattern_bank_picked(self, message: PatternBank.Picked) -> None:
        self.editing = message.name
        grid = self.views.grid
        grid.pattern = message.name
        if self.selection.kind == "pattern":
            self.selection = self._pattern_mode()
            self.views.transport.mode = _describe(self.selection)
            if self._playing():
                self.link.send(p.Queue(self.selection))
                self.say(f"{message.name} comes in at the next bar")
            else:
                self.link.send(p.Load(self.store.song, self.selection))
        self.views.tabs.active = "pattern"
        grid.focus()

    def on_do(self, message: Do) -> None:
        match message.what:
            case "queue_pattern" if not self._playing():
                # nothing to queue behind: the pattern is picked, and space plays it
                self.on_pattern_bank_picked(PatternBank.Picked(message.name))
            case "queue_pattern":
                self.selection = Selection("pattern", message.name, True)
                self.link.send(p.Queue(self.selection))
                self.views.transport.mode = _describe(self.selection)
            case "loop_section":
                self._play(Selection("section", message.name, True))
            case "play_song":
                song = self.store.song
                spans = section_spans(song)
                index = message.value if isinstance(message.value, int) else 0
                start = spans[index].start // song.bar_ticks + 1 if index < len(spans) else 1
                self._play(Selection("song"), locate=start)
            case "audition":
                self._audition(message.name)
            case "assign_sound":
                track, back = self._picking or (self._grid_track(), "pattern")
                self._picking = None
                self._assign(track, message.name, back)

    def _audition(self, sample: str) -> None:
        from beatseq.formats.kits import shipped_sound

        shipped = shipped_sound(sample)
        path = shipped.path if shipped is not None else sample
        self.link.send(p.PreviewFile(path))

    def _grid_track(self) -> str | None:
        return self.views.grid.track()

    def _assign(self, track: str | None, sample: str, back: str = "pattern") -> None:
        if track is None:
            self.say("pick a track in the pattern first")
            return
        self.apply(f"sound {track}", lambda s: edits.assign_sound(s, track, sample))
        self.action_view(back)

    def on_pattern_grid_ask(self, message: PatternGrid.Ask) -> None:
        self._ask(message.what, message.track, message.step)

    def on_ask(self, message: Ask) -> None:
        self._ask(message.what, message.name, message.index)

    def _ask(self, what: str, name: str, index: int) -> None:
        song = self.store.song
        pattern = self.editing
        if what == "inspect":
            self._inspect(name, index)
        elif what == "fill":
            self._prompt(
                "fill every N steps (N, or N+offset)",
                "4",
                lambda text: self._fill(pattern, name, text),
            )
        elif what == "euclid":
            self._prompt(
                "euclidean: hits (and rotation), e.g. 5 or 5 2",
                "5",
                lambda text: self._euclid(pattern, name, text),
            )
        elif what == "add_track":
            self._prompt(
                "new track: name, and a sound like 808/cowbell",
                "",
                lambda text: self._add_track(pattern, text),
                hint="sounds: " + ", ".join(_shipped_sounds()[:24]) + "...",
            )
        elif what == "rename_track" and name:
            self._prompt(
                f"rename {name} to",
                name,
                lambda text: self.apply(
                    "rename track", lambda s: edits.rename_track(s, name, text)
                ),
            )
        elif what == "sound":
            back = "mixer" if self.views.tabs.active == "mixer" else "pattern"
            self._picking = (name, back) if name else None
            self.views.tabs.active = "sounds"
            self.views.browser.focus()
            self.say(f"pick a sound for {name or 'the track'}: moving plays it, enter takes it")
        elif what == "length":
            current = song.pattern(pattern).steps if pattern else 16
            self._prompt(
                "pattern length in steps",
                str(current),
                lambda text: self.apply(
                    "length", lambda s: edits.set_pattern_length(s, pattern, int(text))
                ),
            )
        elif what == "resolution":
            self._prompt(
                "step resolution (1/4 1/8 1/16 1/32 1/64 1/8t 1/16t 1/32t)",
                song.pattern(pattern).resolution if pattern else "1/16",
                lambda text: self.apply(
                    "resolution", lambda s: edits.set_resolution(s, pattern, text)
                ),
            )
        elif what == "new_pattern":
            self._prompt(
                "new pattern's name",
                edits.unique_name([p_.name for p_ in song.patterns], "pattern"),
                self._new_pattern,
            )
        elif what == "duplicate_pattern":
            self._prompt(
                f"copy of {name} called",
                edits.unique_name([p_.name for p_ in song.patterns], name),
                lambda text: self.apply(
                    "duplicate pattern", lambda s: edits.duplicate_pattern(s, name, text)
                ),
            )
        elif what == "rename_pattern":
            self._prompt(
                f"rename pattern {name} to", name, lambda text: self._rename_pattern(name, text)
            )
        elif what == "add_section":
            self._prompt(
                "new section: name, then its patterns (commas between names with spaces)",
                "",
                lambda text: self._add_section(text, index),
                hint=f"patterns: {', '.join(p_.name for p_ in song.patterns)}",
            )
        elif what == "duplicate_section":
            self._prompt(
                f"copy of {name} called",
                edits.unique_name([s.name for s in song.sections], name),
                lambda text: self._arrange(
                    "duplicate section",
                    lambda s: edits.duplicate_section(s, name, text, at=index + 1),
                    index + 1,
                ),
            )
        elif what == "edit_section":
            self.push_screen(
                SectionEditor(song.section(name), [p_.name for p_ in song.patterns]),
                lambda fields: self._edit_section(name, fields),
            )
        elif what == "choke":
            self._prompt(
                f"choke group of {name} (blank: none)",
                song.kit[name].choke or "",
                lambda text: self.apply(
                    "choke", lambda s: edits.set_instrument(s, name, choke=text or None)
                ),
            )

        elif what == "effects":
            self.push_screen(
                EffectsEditor(name, song.kit[name].fx, set(song.kit.names)),
                lambda fx: self._set_effects(name, fx),
            )

        elif what == "mix":
            self.push_screen(MixEditor(song.mix), self._set_mix)

    def _set_mix(self, mix: Mix | None) -> None:
        if mix is not None and mix != self.store.song.mix:
            self.apply("mix", lambda s: edits.set_mix(s, mix))

    def _set_effects(self, name: str, fx: Effects | None) -> None:
        if fx is not None and fx != self.store.song.kit[name].fx:
            self.apply(f"{name} effects", lambda s: edits.set_instrument(s, name, fx=fx))

    def _edit_section(self, name: str, fields: SectionFields | None) -> None:
        if fields is None:
            return
        self.apply(
            f"section {name}",
            lambda s: edits.set_section(
                s,
                name,
                new_name=fields.name,
                patterns=fields.patterns,
                repeat=fields.repeat,
                mute=fields.mute,
                bpm=fields.bpm,
            ),
        )

    def _prompt(
        self, question: str, value: str, then: Callable[[str], Any], hint: str = ""
    ) -> None:
        def answered(text: str | None) -> None:
            if text:
                try:
                    then(text)
                except ValueError:
                    self.say(f"{text!r}: not understood")

        self.push_screen(Prompt(question, value, hint), answered)

    def _inspect(self, track: str, index: int) -> None:
        pattern = self.editing
        try:
            found = self.store.song.pattern(pattern).track(track)
        except KeyError:
            return
        if found is None or index >= found.length:
            return
        step = found.steps[index] or Step()

        song = self.store.song

        def done(fields: StepFields | None) -> None:
            if fields is None:
                return
            try:
                notes = read_notes(fields.notes)
            except ValueError as err:
                self.say(f"notes: {err}")
                return
            if notes and self.scale_lock and song.key is not None:
                key = song.key
                notes = tuple(sorted({snap_to_scale(n, key) for n in notes}))
            condition = None
            if fields.condition:
                a, _, b = fields.condition.partition(":")
                try:
                    condition = Condition(int(a), int(b))
                except ValueError:
                    self.say(f"condition {fields.condition!r}: write A:B, like 1:4")
                    return
            self.apply(
                f"step {track} {index + 1}",
                lambda s: edits.update_step(
                    edits.set_velocity(s, pattern, track, index, fields.velocity),
                    pattern,
                    track,
                    index,
                    probability=fields.probability,
                    nudge=fields.nudge,
                    roll=fields.roll,
                    roll_to=fields.roll_to if fields.roll > 1 else None,
                    condition=condition,
                    pitch=0 if notes else fields.pitch,
                    notes=notes,
                    length=fields.length if notes else 1,
                    slide=fields.slide and bool(notes),
                ),
            )

        flats = song.key is not None and song.key.flats
        self.push_screen(StepInspector(track, index + 1, step, flats=flats), done)

    def _fill(self, pattern: str, track: str, text: str) -> None:
        every, _, offset = text.partition("+")
        self.apply(
            "fill", lambda s: edits.fill_every(s, pattern, track, int(every), int(offset or 0))
        )

    def _euclid(self, pattern: str, track: str, text: str) -> None:
        numbers = [int(n) for n in text.replace(",", " ").split()]
        if not numbers:
            raise ValueError(text)
        hits, rotation = numbers[0], numbers[1] if len(numbers) > 1 else 0
        self.apply("euclid", lambda s: edits.euclid(s, pattern, track, hits, rotation))

    def _add_track(self, pattern: str, text: str) -> None:
        name, _, rest = text.strip().partition(" ")
        sample = rest.strip() or None  # a path may have spaces in it
        if not name:
            raise ValueError(text)
        if sample is None and name not in self.store.song.kit:
            shipped = [s for s in _shipped_sounds() if s.split("/")[1] == name]
            sample = shipped[0] if shipped else None
        self.apply(f"add {name}", lambda s: edits.add_track(s, pattern, name, sample))

    def _new_pattern(self, name: str) -> None:
        song = self.store.song
        current = song.pattern(self.editing) if self.editing else None
        rows = current.track_names if current is not None else song.kit.names[:4]
        steps, resolution = (current.steps, current.resolution) if current else (16, "1/16")
        self.apply(
            f"new pattern {name}",
            lambda s: edits.new_pattern(s, name, steps, resolution, tracks=rows),
        )
        if name in [p_.name for p_ in self.store.song.patterns]:
            self.editing = name
            self._show(self.store.song)

    def _rename_pattern(self, old: str, new: str) -> None:
        self.apply("rename pattern", lambda s: edits.rename_pattern(s, old, new))

    def _add_section(self, text: str, at: int) -> None:
        # "name, pattern, pattern" (names may have spaces), or "name pattern pattern"
        words = [w.strip() for w in text.split(",")] if "," in text else text.split()
        words = [w for w in words if w]
        if not words:
            raise ValueError(text)
        name, patterns = words[0], words[1:] or [self.editing]
        self._arrange(
            f"add section {name}", lambda s: edits.add_section(s, name, tuple(patterns), at=at), at
        )

    def _arrange(self, label: str, edit: Callable[[Song], Song], row: int) -> None:
        """An arrangement edit that puts a section at `row`: the cursor goes to it."""
        before = self.store.song
        self.apply(label, edit)
        if self.store.song is not before:
            self.views.arrangement.move_cursor(row=row)

    # views ---------------------------------------------------------------------------

    def action_view(self, which: str) -> None:
        self._picking = None  # F5 on its own: the browser gives sounds to the grid's track
        self.views.tabs.active = which
        target = {
            "pattern": "#grid",
            "song": "#arrangement",
            "mixer": "#mixer-table",
            "sounds": "#browser",
        }[which]
        self.views.main.query_one(target).focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.key_groups()))

    def key_groups(self) -> list[tuple[str, list[tuple[str, str]]]]:
        def table(bindings: Iterable[Binding | tuple[str, ...]]) -> list[tuple[str, str]]:
            rows = []
            for binding in bindings:
                if isinstance(binding, Binding) and binding.description:
                    keys = " ".join(
                        self.get_key_display(Binding(k.strip(), "")) for k in binding.key.split(",")
                    )
                    rows.append((keys, binding.description))
            return rows

        app_keys = [b for b in self.BINDINGS if isinstance(b, Binding) and "pad(" not in b.action]
        return [
            ("everywhere", table(app_keys)),
            (
                "pads (F6)",
                [(" ".join(PADS[i : i + 4]), f"tracks {i + 1}-{i + 4}") for i in range(0, 16, 4)],
            ),
            ("pattern grid", table(PatternGrid.BINDINGS)),
            ("pattern bank", table(PatternBank.BINDINGS)),
            ("song (arrangement)", table(ArrangementView.BINDINGS)),
            ("mixer", table(MixerView.BINDINGS)),
            ("sounds", table(SoundBrowser.BINDINGS)),
        ]

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        commands = [
            ("Play / stop", "Start or stop the transport", self.action_play),
            ("Pattern / song mode", "Loop the pattern, or play the song", self.action_mode),
            ("Save", "Write the song to its file", self.action_save),
            ("Undo", "Undo the last edit", self.action_undo),
            ("Redo", "Redo the last undone edit", self.action_redo),
            ("Export", "Render WAV or stems, or write MIDI", self.action_export),
            ("Pads on/off", "Play the tracks from the keyboard", self.action_pads),
            ("Record pads on/off", "Write pad hits into the pattern", self.action_record),
            ("Quantize pad recording", "Snap pad hits to the grid", self.action_quantize),
            ("Metronome on/off", "Click on the beats", self.action_metronome),
            ("Key of the song", "Set the key and scale (ctrl+k)", self.action_key),
            ("Scale lock on/off", "Snap typed notes to the key", self.action_scale_lock),
            (
                "Pattern notes up",
                "Transpose a semitone up (ctrl+up)",
                lambda: self.action_transpose(1),
            ),
            (
                "Pattern notes down",
                "A semitone down (ctrl+down)",
                lambda: self.action_transpose(-1),
            ),
            ("Song up a semitone", "Every note and the key", lambda: self._transpose_song(1)),
            ("Song down a semitone", "Every note and the key", lambda: self._transpose_song(-1)),
            ("Song up an octave", "Every note", lambda: self._transpose_song(12)),
            ("Song down an octave", "Every note", lambda: self._transpose_song(-12)),
            ("Tap tempo", "Tap twice or more to set the tempo", self.action_tap),
            ("Tempo +1", "One BPM faster", lambda: self.action_tempo(1)),
            ("Tempo -1", "One BPM slower", lambda: self.action_tempo(-1)),
            ("Swing +1", "More swing", lambda: self.action_swing(1)),
            ("Swing -1", "Less swing", lambda: self.action_swing(-1)),
            ("Help", "Every key", self.action_help),
            ("Pattern view", "The step grid", lambda: self.action_view("pattern")),
            ("Song view", "The arrangement", lambda: self.action_view("song")),
            ("Mixer view", "Levels, pan, mute, solo", lambda: self.action_view("mixer")),
            ("Sounds view", "The sound browser", lambda: self.action_view("sounds")),
        ]
        # each view's keys, run on that view (on its selected row: the pattern picked in
        # the bank, the section under the arrangement's cursor, the mixer's track)
        views: list[tuple[str, str, Widget]] = [
            ("Pattern", "", self.views.grid),
            ("Patterns", " in the pattern bank", self.views.bank),
            ("Song", " in the arrangement", self.views.arrangement),
            ("Mixer", " in the mixer", self.views.mixer),
        ]
        for prefix, where, widget in views:
            for binding in widget.BINDINGS:
                if isinstance(binding, Binding) and binding.description:
                    commands.append(
                        (
                            f"{prefix}: {binding.description}",
                            f"key {binding.key}{where}",
                            _runner(widget, binding.action),
                        )
                    )
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)

    # files ---------------------------------------------------------------------------

    def action_undo(self) -> None:
        label = self.store.undo()
        if label is None:
            self.say("nothing to undo")

    def action_redo(self) -> None:
        label = self.store.redo()
        if label is None:
            self.say("nothing to redo")

    def action_save(self) -> None:
        self._save_then(None)

    def _save_then(self, then: Callable[[], Any] | None) -> None:
        """Save (asking for a file name if the song has none), then call `then` if the
        song was saved."""

        def done(path: Path | None) -> None:
            self._save(path)
            if then is not None and not self.store.dirty:
                then()

        if self.store.path is None:
            self._prompt("save as", "untitled.toml", lambda text: done(Path(text)))
        else:
            done(None)

    def _save(self, path: Path | None) -> None:
        try:
            saved = self.store.save(path)
        except BeatseqError as err:
            self.say(f"not saved: {err}")
            self.bell()
            return
        self.say(f"saved {saved}")
        self._title()

    def _autosave(self) -> None:
        try:
            written = self.store.autosave()
        except BeatseqError as err:
            self.say(f"autosave failed: {err}")
            return
        if written is not None:
            self.say(f"autosaved to {written.name}")

    def _offer_recovery(self) -> None:
        side = self.store.recoverable()
        if side is None:
            return
        when = time.strftime("%H:%M on %d %b", time.localtime(side.stat().st_mtime))

        def answer(choice: str | None) -> None:
            if choice == "recover":
                try:
                    self.store.recover()
                except BeatseqError as err:
                    self.say(f"could not recover: {err}")
            elif choice == "discard":
                self.store.remove_autosave()

        self.push_screen(
            Confirm(
                f"Unsaved changes from {when} were kept. Recover them?",
                [("recover", "Recover"), ("discard", "Discard them"), ("later", "Not now")],
            ),
            answer,
        )

    async def action_quit(self) -> None:
        if not self.store.dirty:
            self._leave()
            return

        def answer(choice: str | None) -> None:
            if choice == "save":
                self._save_then(self._leave)
            elif choice == "discard":
                self.store.remove_autosave()
                self._leave()

        self.push_screen(
            Confirm(
                "There are unsaved changes.",
                [
                    ("save", "Save and quit"),
                    ("discard", "Quit without saving"),
                    ("cancel", "Cancel"),
                ],
            ),
            answer,
        )

    def _leave(self) -> None:
        self.exit()  # the engine stops in on_unmount

    def on_unmount(self) -> None:
        """However the app ends (quit, ctrl+c, an error), the engine goes with it: its
        process is not a daemon, and Python would wait for it at exit."""
        self.link.close()

    # export --------------------------------------------------------------------------

    def action_export(self) -> None:
        song = self.store.song
        sections = {s.name for s in song.sections}
        status = self._status
        section = song.order[0] if song.order else None
        if self.selection.kind == "section" and self.selection.name in sections:
            section = self.selection.name  # the section being looped
        elif (  # the section playing in the song (in pattern mode the engine names
            # its one-section song after the pattern: not a section of this song)
            status is not None and status.section in sections and self.selection.kind == "song"
        ):
            section = status.section

        def chosen(what: str | None) -> None:
            if what is not None:
                self._export(what, section)

        self.push_screen(ExportDialog(section), chosen)

    @work(thread=True, exclusive=True)
    def _export(self, what: str, section: str | None) -> None:
        from beatseq.engine.render import RenderJob, render
        from beatseq.formats.midi import timeline_to_midi, write_midi

        song = self.store.song
        base = self.store.path.with_suffix("") if self.store.path else Path.cwd() / "untitled"
        try:
            if what == "midi":
                target = base.with_suffix(".mid")
                write_midi(timeline_to_midi(compile_song(song)), target)
            else:
                part = song.only_section(section) if what == "section" and section else song
                name = f"{base.name}-{section}" if what == "section" else base.name
                target = base.with_name(name).with_suffix(".wav")
                stems = str(base.with_name(f"{base.name}-stems")) if what == "stems" else None
                job = RenderJob(song=part, output=str(target), stems_dir=stems)
                self.call_from_thread(self.say, f"rendering {target.name}...")
                report = render(
                    job,
                    lambda f: self.call_from_thread(
                        self.say, f"rendering {target.name}: {f * 100:.0f}%"
                    ),
                )
                self.call_from_thread(
                    self.say,
                    f"wrote {target} ({report.seconds:.1f} s, peak {report.peak_dbfs:.1f} dBFS)",
                )
                return
        except BeatseqError as err:
            self.call_from_thread(self.say, f"export failed: {err}")
            return
        except Exception as err:  # a bug: say so, and keep the UI (and the work) open
            self.call_from_thread(self.say, f"export failed (internal error): {err!r}")
            return
        self.call_from_thread(self.say, f"wrote {target}")


class _Views:
    """The main screen's widgets (the app's own queries would search a dialog on top)."""

    def __init__(self, main: Screen[Any]) -> None:
        self.main = main
        self.transport = main.query_one(TransportBar)
        self.bank = main.query_one(PatternBank)
        self.tabs = main.query_one(TabbedContent)
        self.grid = main.query_one(PatternGrid)
        self.timeline = main.query_one(Timeline)
        self.arrangement = main.query_one(ArrangementView)
        self.mixer = main.query_one(MixerView)
        self.browser = main.query_one(SoundBrowser)
        self.message = main.query_one("#message", Static)


def _shown(status: p.Status) -> tuple[object, ...]:
    """What the transport bar shows of a status."""
    return (
        status.playing,
        status.bar,
        status.beat,
        status.step,
        status.section,
        status.xruns,
        status.late,
    )


def _describe(selection: Selection) -> str:
    if selection.kind == "song":
        return "song"
    return f"{'loop ' if selection.loop else ''}{selection.kind} {selection.name}"


def _runner(widget: object, action: str) -> Callable[[], Any]:
    def run() -> Any:
        return widget.run_action(action)  # type: ignore[attr-defined]

    return run


def _renamed(before: Sequence[Any], after: Sequence[Any], name: str | None) -> str | None:
    """What `name` (a pattern or section of `before`) is called in `after`, if the change
    between them renamed it: same count, and its place holds a name that is new."""
    old, new = [x.name for x in before], [x.name for x in after]
    if len(old) != len(new) or name not in old:
        return None
    candidate: str = new[old.index(name)]
    return candidate if candidate not in old else None


def _shipped_sounds() -> list[str]:
    from beatseq.formats.kits import kit_names, require_kit

    return [i.sample for name in kit_names() for i in require_kit(name).instruments]
