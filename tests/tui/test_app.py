"""The terminal UI, driven by keys through Textual's Pilot.

Each test does what a producer does (keys, dialogs) and checks what they rely on: the
Song in the store, the file that was saved, the MIDI or WAV that was exported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mido
import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input

from beatseq.formats.songfile import load_song
from beatseq.formats.steps import format_steps
from beatseq.model import Condition, Song, Step
from beatseq.templates import blank_song
from beatseq.tui.app import BeatseqApp
from beatseq.tui.dialogs import Confirm, Prompt, StepInspector
from beatseq.tui.grid import PatternGrid
from tests.tui.conftest import drive, engine_up, grid_text, message, shipped_copy

App = BeatseqApp
P = Pilot[Any]


def steps(song: Song, pattern: str, track: str) -> str:
    found = song.pattern(pattern).track(track)
    assert found is not None
    return format_steps(found.steps)


async def answer(pilot: P, text: str) -> None:
    """Type `text` into the open prompt (replacing what it offers) and press enter."""
    app = pilot.app
    assert isinstance(app.screen, Prompt), f"no prompt open: {app.screen}"
    app.screen.query_one(Input).value = ""
    await pilot.press(*text)
    await pilot.press("enter")
    await pilot.pause()


async def refused(pilot: P, form: type, **fields: str) -> str:
    """Fill the open `form`'s fields (by id), press enter, and check the form stays
    open: returns the reason it gives."""
    app = pilot.app
    assert isinstance(app.screen, form), f"no {form.__name__} open: {app.screen}"
    for name, value in fields.items():
        app.screen.query_one(f"#{name}", Input).value = value
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, form)  # stays open with the reason
    return str(app.screen.query_one("#problem").render())


async def choose(pilot: P, answer_id: str) -> None:
    app = pilot.app
    assert isinstance(app.screen, Confirm), f"no question open: {app.screen}"
    app.screen.query_one(f"#{answer_id}", Button).press()
    await pilot.pause()


async def finished(pilot: P, seconds: float = 60) -> None:
    """Wait for an export running in the background to say it is done."""
    for _ in range(int(seconds / 0.05)):
        await pilot.pause(0.05)
        if "wrote" in message(pilot.app) or "failed" in message(pilot.app):
            return
    raise AssertionError(f"still exporting: {message(pilot.app)}")


# the first screen -------------------------------------------------------------------


def test_opening_a_song_shows_its_first_pattern_on_the_grid(tmp_path: Path) -> None:
    song, path = shipped_copy(tmp_path)

    async def script(app: App, pilot: P) -> None:
        text = grid_text(app)
        lines = text.splitlines()
        assert lines[1].split()[0] == "kick"
        # the verse's kick, first bar, 2 columns a step with a rule every beat
        assert "X . . x │. . . . │. . x . │. . . ." in lines[1]
        assert "verse: 32 steps of 1/16" in text
        assert app.focused is app.query_one(PatternGrid)

    drive(song, path, script)


def test_with_no_song_the_ui_opens_an_empty_beat(tmp_path: Path) -> None:
    async def script(app: App, pilot: P) -> None:
        rows = [line.split()[0] for line in grid_text(app).splitlines()[1:5]]
        assert rows == ["kick", "snare", "closed-hat", "open-hat"]
        assert "x" not in grid_text(app).splitlines()[1]
        assert not app.store.dirty  # nothing to save until something is made

    drive(blank_song(), None, script)


def test_track_names_of_any_width_keep_the_grid_aligned(tmp_path: Path) -> None:
    from rich.cells import cell_len

    from beatseq.tui import edits

    song = edits.rename_track(blank_song(), "snare", "スネアドラム")  # 2 cells a character
    song = edits.rename_track(song, "kick", "a-very-long-kick-name")

    async def script(app: App, pilot: P) -> None:
        lines = grid_text(app).splitlines()
        kick, snare = lines[1], lines[2]
        assert kick.startswith("a-very-lon") and snare.startswith("スネアドラ")
        # every row's steps start in the same terminal column
        assert cell_len(kick[: kick.index(".")]) == cell_len(snare[: snare.index(".")])

    drive(song, None, script)


# programming steps -------------------------------------------------------------------


def test_keys_program_steps_and_undo_redo_walk_the_history(tmp_path: Path) -> None:
    async def script(app: App, pilot: P) -> None:
        await pilot.press("enter", "right", "right", "right", "right", "enter")  # kick 1, 5
        await pilot.press("down", "right", "right", "right", "right", "a")  # snare 9 accent
        await pilot.press("down", "home", "g")  # ghost hat on 1
        song = app.store.song
        assert steps(song, "beat", "kick") == "x...x..........."
        assert steps(song, "beat", "snare") == "........X......."
        assert steps(song, "beat", "closed-hat") == "o..............."
        await pilot.press("ctrl+z", "ctrl+z")
        assert steps(app.store.song, "beat", "closed-hat") == "................"
        assert steps(app.store.song, "beat", "snare") == "................"
        await pilot.press("ctrl+y")
        assert steps(app.store.song, "beat", "snare") == "........X......."
        assert app.store.dirty

    drive(blank_song(), None, script)


def test_a_selection_is_copied_pasted_and_cleared(tmp_path: Path) -> None:
    async def script(app: App, pilot: P) -> None:
        for _ in range(4):
            await pilot.press("enter", "right", "right")  # x.x.x.x. in the first 8
        await pilot.press("home", "shift+right", "shift+right", "shift+right", "c")
        await pilot.press("end", "left", "left", "left", "v")  # paste 4 at step 13
        assert steps(app.store.song, "beat", "kick") == "x.x.x.x.....x.x."
        await pilot.press("home", "L", "L", "L", "L", "L", "delete")
        assert steps(app.store.song, "beat", "kick") == "......x.....x.x."
        await pilot.press("c", "down", "home", "v")  # no selection: the whole track
        assert steps(app.store.song, "beat", "snare") == "......x.....x.x."
        await pilot.press("X")
        assert steps(app.store.song, "beat", "snare") == "................"

    drive(blank_song(), None, script)


def test_the_step_inspector_sets_probability_roll_nudge_and_condition(tmp_path: Path) -> None:
    async def script(app: App, pilot: P) -> None:
        await pilot.press("down", "right", "right", "right", "right", "i")
        screen = app.screen
        assert isinstance(screen, StepInspector)
        values = {"probability": "60", "roll": "4", "roll_to": "120", "nudge": "-20"}
        values |= {"condition": "2:4", "pitch": "3"}
        for key, value in values.items():
            screen.query_one(f"#{key}", Input).value = value
        screen.query_one("#velocity", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        found = app.store.song.pattern("beat").track("snare")
        assert found is not None
        assert found.steps[4] == Step(
            velocity=100,
            probability=60,
            nudge=-20,
            roll=4,
            roll_to=120,
            pitch=3,
            condition=Condition(2, 4),
        )

    drive(blank_song(), None, script)


async def inspect_notes(app: App, pilot: P, notes: str, length: str, slide: str) -> None:
    await pilot.press("i")
    screen = app.screen
    assert isinstance(screen, StepInspector)
    for key, value in {"notes": notes, "length": length, "slide": slide}.items():
        screen.query_one(f"#{key}", Input).value = value
    screen.query_one("#velocity", Input).focus()
    await pilot.press("enter")
    await pilot.pause()


def test_notes_held_and_slid_are_written_from_the_step_inspector(tmp_path: Path) -> None:
    from beatseq.tui import edits

    song = edits.add_track(blank_song(), "beat", "bass", "808/808")

    async def script(app: App, pilot: P) -> None:
        await pilot.press(*["down"] * 4, "enter")  # bass, step 1
        await inspect_notes(app, pilot, "C2", "4", "y")
        await pilot.press("right", "right", "right", "right", "enter")
        await inspect_notes(app, pilot, "Fm9", "2", "n")
        found = app.store.song.pattern("beat").track("bass")
        assert found is not None
        assert (found.steps[0].notes, found.steps[0].length, found.steps[0].slide) == (
            (36,),
            4,
            True,
        )
        assert found.steps[4].notes == (53, 56, 60, 63, 67)
        # held steps show as "-" on the grid; the footer names the note
        assert "x - - - │x - . ." in grid_text(app).splitlines()[5]
        await pilot.press("home")
        assert "C2 held 4 steps sliding" in grid_text(app)
        # saved as a note line, and back
        await pilot.press("ctrl+s")

    path = tmp_path / "notes.toml"
    drive(song, path, script)
    line = load_song(path).pattern("beat").track("bass")
    assert line is not None and line.steps[0] is not None and line.steps[0].notes == (36,)
    assert 'bass = "C2~ - - - [Fm9] - . .' in path.read_text()


def test_scale_lock_snaps_typed_notes_and_keys_transpose(tmp_path: Path) -> None:
    from beatseq.tui import edits

    song = edits.add_track(blank_song(), "beat", "bass", "808/808")

    async def script(app: App, pilot: P) -> None:
        await pilot.press("ctrl+k")
        await answer(pilot, "F minor")
        assert str(app.store.song.key) == "F minor"
        await pilot.press(*["down"] * 4, "enter")
        await inspect_notes(app, pilot, "E2", "1", "n")  # not in F minor: Eb2 (the lower)
        found = app.store.song.pattern("beat").track("bass")
        assert found is not None and found.steps[0] is not None
        assert found.steps[0].notes == (39,)
        await pilot.press("ctrl+up", "ctrl+up")
        found = app.store.song.pattern("beat").track("bass")
        assert found is not None and found.steps[0] is not None
        assert found.steps[0].notes == (41,)
        assert steps(app.store.song, "beat", "kick") == steps(song, "beat", "kick")
        app.action_scale_lock()
        await pilot.press("right", "enter")
        await inspect_notes(app, pilot, "E2", "1", "n")  # lock off: as typed
        found = app.store.song.pattern("beat").track("bass")
        assert found is not None and found.steps[1] is not None
        assert found.steps[1].notes == (40,)

    drive(song, None, script)


def test_a_bad_value_in_the_inspector_is_refused_and_nothing_changes() -> None:
    async def script(app: App, pilot: P) -> None:
        await pilot.press("enter", "i")
        screen = app.screen
        assert isinstance(screen, StepInspector)
        screen.query_one("#roll", Input).value = "5"  # not a roll size
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, StepInspector)
        assert "roll" in message(app) and "5" in message(app)
        assert steps(app.store.song, "beat", "kick") == "x..............."
        await pilot.press("i")
        assert "velocity" in await refused(pilot, StepInspector, velocity="loud")

    drive(blank_song(), None, script)


def test_euclid_fill_and_a_bad_answer(tmp_path: Path) -> None:
    async def script(app: App, pilot: P) -> None:
        await pilot.press("e")
        await answer(pilot, "5")
        assert steps(app.store.song, "beat", "kick") == "x..x..x..x..x..."  # E(5,16)
        await pilot.press("down", "f")
        await answer(pilot, "4+2")
        assert steps(app.store.song, "beat", "snare") == "..x...x...x...x."
        before = app.store.song
        await pilot.press("f")
        await answer(pilot, "often")
        assert app.store.song == before
        assert "often" in message(app)

    drive(blank_song(), None, script)


def test_pattern_length_resolution_and_tracks(tmp_path: Path) -> None:
    async def script(app: App, pilot: P) -> None:
        await pilot.press("enter", "ctrl+l")
        await answer(pilot, "32")
        pattern = app.store.song.pattern("beat")
        assert pattern.steps == 32
        assert steps(app.store.song, "beat", "kick") == "x" + "." * 31
        await pilot.press("t")
        await answer(pilot, "clap")  # a sound of the song's kit
        assert [t.name for t in app.store.song.pattern("beat").tracks][-1] == "clap"
        await pilot.press("t")
        await answer(pilot, "cowbell 808/cowbell")  # a shipped sound from another kit
        assert app.store.song.kit["cowbell"].sample == "808/cowbell"
        assert Path(app.store.song.kit["cowbell"].path).is_file()

    drive(blank_song(), None, script)


# patterns and the arrangement --------------------------------------------------------


def test_new_pattern_is_made_and_edited(tmp_path: Path) -> None:
    async def script(app: App, pilot: P) -> None:
        app.query_one("#bank").focus()
        await pilot.press("N")
        await answer(pilot, "fill")
        assert [p.name for p in app.store.song.patterns] == ["beat", "fill"]
        assert app.editing == "fill"
        await pilot.press("f2", "enter")
        assert steps(app.store.song, "fill", "kick") == "x..............."
        assert steps(app.store.song, "beat", "kick") == "................"

    drive(blank_song(), None, script)


def test_picking_a_pattern_in_the_bank_shows_it(tmp_path: Path) -> None:
    song, path = shipped_copy(tmp_path)

    async def script(app: App, pilot: P) -> None:
        app.query_one("#bank").focus()
        await pilot.press("down", "enter")
        assert app.editing == "hook"
        assert "hook: 32 steps" in grid_text(app)
        assert app.focused is app.query_one(PatternGrid)

    drive(song, path, script)


def test_the_arrangement_adds_moves_and_removes_sections(tmp_path: Path) -> None:
    async def script(app: App, pilot: P) -> None:
        await pilot.press("f3", "N")
        await answer(pilot, "hook beat")
        assert app.store.song.order == ("main", "hook")
        await pilot.press("u")
        await answer(pilot, "hook2")
        assert app.store.song.order == ("main", "hook", "hook2")
        await pilot.press("K")
        assert app.store.song.order == ("main", "hook2", "hook")
        await pilot.press("delete")
        assert app.store.song.order == ("main", "hook")
        await pilot.press("ctrl+z")
        assert app.store.song.order == ("main", "hook2", "hook")

    drive(blank_song(), None, script)


def test_the_section_editor_sets_repeat_mute_and_tempo(tmp_path: Path) -> None:
    async def script(app: App, pilot: P) -> None:
        await pilot.press("f3", "enter")
        screen = app.screen
        screen.query_one("#repeat", Input).value = "4"
        screen.query_one("#mute", Input).value = "kick, snare"
        screen.query_one("#bpm", Input).value = "94"
        screen.query_one("#name", Input).value = "verse"
        screen.query_one("#name", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        section = app.store.song.section("verse")
        assert (section.repeat, section.mute, section.bpm) == (4, ("kick", "snare"), 94.0)
        assert app.store.song.order == ("verse",)

    drive(blank_song(), None, script)


# mixer, tempo ------------------------------------------------------------------------


def test_the_mixer_sets_level_pan_mute_and_solo(tmp_path: Path) -> None:
    async def script(app: App, pilot: P) -> None:
        await pilot.press("f4", "down", "right", "right", "]", "]", "m")
        snare = app.store.song.kit["snare"]
        assert snare.gain == pytest.approx(blank_song().kit["snare"].gain + 2)
        assert snare.pan == pytest.approx(0.2)
        assert snare.mute
        await pilot.press("down", "s")
        assert app.store.song.kit["rim"].solo

    drive(blank_song(), None, script)


def test_the_mixer_names_a_synth_track_by_its_synth(tmp_path: Path) -> None:
    from beatseq.model import Bass808
    from beatseq.tui import edits
    from beatseq.tui.views import MixerView

    song = edits.add_track(blank_song(), "beat", "bass", "808/808")
    song = edits.set_instrument(song, "bass", synth=Bass808(glide=120.0))
    song = edits.add_track(song, "beat", "sub", "808/808")
    song = edits.set_instrument(song, "sub", synth=Bass808(decay=3.0, punch=5.0, tone=0.1))

    async def script(app: App, pilot: P) -> None:
        await pilot.press("f4")
        table = app.query_one(MixerView)
        assert table.get_row("bass")[6] == "synth 808 (changed)"
        assert table.get_row("sub")[6] == "synth 808-long"

    drive(song, None, script)


def test_tempo_and_swing_keys(tmp_path: Path) -> None:
    async def script(app: App, pilot: P) -> None:
        await pilot.press("plus", "plus", "minus", "plus")
        assert app.store.song.bpm == 92
        await pilot.press("right_curly_bracket", "right_curly_bracket")
        assert app.store.song.swing == 58

    drive(blank_song(), None, script)


# files -------------------------------------------------------------------------------


def test_saving_writes_the_edit_and_keeps_the_comments(tmp_path: Path) -> None:
    song, path = shipped_copy(tmp_path)
    before = path.read_text(encoding="utf-8")

    async def script(app: App, pilot: P) -> None:
        await pilot.press("right", "right", "enter", "ctrl+s")
        assert not app.store.dirty

    drive(song, path, script)
    after = path.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert changed == [
        (
            'kick       = "X..x|....|..x.|....||X...|...o|x.x.|..o{50%}."',
            'kick       = "X.xx|....|..x.|....||X...|...o|x.x.|..o{50%}."',
        )
    ]
    assert steps(load_song(path), "verse", "kick").startswith("X.xx")


def test_a_new_song_asks_for_a_name_when_saved(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)

    async def script(app: App, pilot: P) -> None:
        await pilot.press("enter", "ctrl+s")
        await answer(pilot, "first.toml")
        assert app.store.path == tmp_path / "first.toml"

    drive(blank_song(), None, script)
    saved = load_song(tmp_path / "first.toml")
    assert steps(saved, "beat", "kick") == "x..............."


def test_quitting_with_unsaved_changes_asks(tmp_path: Path) -> None:
    song, path = shipped_copy(tmp_path)
    text = path.read_text(encoding="utf-8")

    async def script(app: App, pilot: P) -> None:
        await pilot.press("enter", "ctrl+q")
        await choose(pilot, "cancel")
        assert app.is_running
        await pilot.press("ctrl+q")
        await choose(pilot, "save")
        assert not app.is_running

    drive(song, path, script)
    assert path.read_text(encoding="utf-8") != text
    assert steps(load_song(path), "verse", "kick").startswith("...x")


def test_autosave_keeps_unsaved_work_and_it_can_be_recovered(tmp_path: Path) -> None:
    song, path = shipped_copy(tmp_path)
    text = path.read_text(encoding="utf-8")

    async def edit(app: App, pilot: P) -> None:
        await pilot.press("enter")
        app._autosave()  # what the 30-second timer does

    drive(song, path, edit)  # ...and the session ends without saving (a crash)
    side = tmp_path / ".boom-bap.toml.autosave"
    assert steps(load_song(side), "verse", "kick").startswith("...x")
    assert path.read_text(encoding="utf-8") == text  # the song file is untouched

    async def recover(app: App, pilot: P) -> None:
        await choose(pilot, "recover")
        assert steps(app.store.song, "verse", "kick").startswith("...x")
        assert app.store.dirty
        await pilot.press("ctrl+s")

    drive(load_song(path), path, recover)
    assert steps(load_song(path), "verse", "kick").startswith("...x")
    assert not side.exists()


# export ------------------------------------------------------------------------------


def test_export_midi_writes_the_song_for_a_daw(tmp_path: Path) -> None:
    song, path = shipped_copy(tmp_path)

    async def script(app: App, pilot: P) -> None:
        await pilot.press("ctrl+e")
        app.screen.query_one("#midi", Button).press()
        await finished(pilot)

    drive(song, path, script)
    midi = mido.MidiFile(str(tmp_path / "boom-bap.mid"))
    notes = [m for track in midi.tracks for m in track if m.type == "note_on" and m.velocity]
    kicks = [m for m in notes if m.note == 36]
    assert midi.ticks_per_beat == 960
    assert len(kicks) > 50


def test_export_wav_of_a_section(tmp_path: Path) -> None:
    import soundfile

    song, path = shipped_copy(tmp_path)

    async def script(app: App, pilot: P) -> None:
        await pilot.press("ctrl+e")
        app.screen.query_one("#section", Button).press()
        await finished(pilot)
        assert "wrote" in message(app)

    drive(song, path, script)
    info = soundfile.info(str(tmp_path / "boom-bap-intro.wav"))
    # the intro: 2 x 2 bars at 90 BPM = 10.67 s, plus the tail that rings out
    assert 10.6 < info.duration < 10.7 + 10


# the live transport (the real engine, silent) ----------------------------------------


def test_playing_moves_the_playhead_and_pads_record_hits(tmp_path: Path) -> None:
    async def script(app: App, pilot: P) -> None:
        await engine_up(app, pilot)
        await pilot.press("space")
        heads = []
        for _ in range(60):
            await pilot.pause(0.05)
            heads.append(app.query_one(PatternGrid).playhead)
        moving = [h for h in heads if h is not None]
        assert len(set(moving)) > 3, heads  # the playhead moves across the steps
        await pilot.press("f6", "f7")
        await pilot.press("1")  # pad 1: the kick, recorded at the playhead
        await pilot.pause(0.1)
        kick = steps(app.store.song, "beat", "kick")
        assert kick.count("x") == 1, kick
        await pilot.press("space")

    drive(blank_song(), None, script, audio=())


def test_clicking_a_cell_toggles_it() -> None:
    async def script(app: App, pilot: P) -> None:
        grid = app.query_one(PatternGrid)
        x = dict((step, x) for x, step in grid._columns)[4]
        await pilot.click(PatternGrid, offset=(x + grid.styles.padding.left, 2))  # snare
        assert steps(app.store.song, "beat", "snare") == "....x..........."
        await pilot.click(PatternGrid, offset=(x + grid.styles.padding.left + 1, 2))
        assert steps(app.store.song, "beat", "snare") == "................"

    drive(blank_song(), None, script)


def test_the_mixer_edits_a_tracks_effects_saves_them_and_undo_takes_them_back(
    tmp_path: Path,
) -> None:
    from beatseq.model.effects import Duck, Filter
    from beatseq.tui.dialogs import EffectsEditor
    from beatseq.tui.views import MixerView

    path = tmp_path / "fx.toml"

    async def script(app: App, pilot: P) -> None:
        await pilot.press("f4", "down", "x")  # the snare's effects
        screen = app.screen
        assert isinstance(screen, EffectsEditor)
        screen.query_one("#filter", Input).value = '{ type = "highpass", cutoff = 250 }'
        screen.query_one("#reverb", Input).value = "-12"
        screen.query_one("#duck", Input).value = '{ by = "kick", amount = 6 }'
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, EffectsEditor)
        fx = app.store.song.kit["snare"].fx
        assert fx.filter == Filter("highpass", 250.0)
        assert fx.reverb == -12.0
        assert fx.duck == Duck(by="kick", amount=6.0)
        assert app.query_one(MixerView).get_row("snare")[7] == "flt rev duck<kick"
        app.store.save(path)
        await pilot.press("ctrl+z")
        assert not app.store.song.kit["snare"].fx.active
        await pilot.press("x")  # the form opens on what the track has: nothing now
        assert app.screen.query_one("#filter", Input).value == ""
        await pilot.press("escape")

    drive(blank_song(), None, script)
    saved = load_song(path)
    assert saved.kit["snare"].fx.filter == Filter("highpass", 250.0)
    assert saved.kit["snare"].fx.duck == Duck(by="kick", amount=6.0)
    assert 'filter = {type = "highpass", cutoff = 250}' in path.read_text()


def test_a_bad_effect_is_refused_with_its_reason_and_nothing_changes() -> None:
    from beatseq.tui.dialogs import EffectsEditor

    async def script(app: App, pilot: P) -> None:
        await pilot.press("f4", "x")
        problem = await refused(pilot, EffectsEditor, drive="3")
        assert "drive" in problem and "0 to 1" in problem
        duck = '{ by = "kick" }'  # not itself
        assert "not another track" in await refused(pilot, EffectsEditor, drive="", duck=duck)
        await pilot.press("escape")
        assert not app.store.song.kit["kick"].fx.active
        assert app.store.undo() is None

    drive(blank_song(), None, script)


def test_the_playhead_is_laid_over_each_row_without_drawing_the_rows_again(
    tmp_path: Path,
) -> None:
    from beatseq.tui.grid import CELL, PLAYHEAD

    song, path = shipped_copy(tmp_path)

    async def script(app: App, pilot: P) -> None:
        grid = app.query_one(PatternGrid)
        tracks = len(grid.current().tracks)
        still = [grid.render_line(y).text for y in range(1, 1 + tracks)]
        drawn: list[int] = []
        row = grid._row

        def counting(*args: Any) -> Any:
            drawn.append(1)
            return row(*args)

        grid._row = counting  # type: ignore[method-assign]
        for head in (5, 6, 21):
            grid.playhead = head
            await pilot.pause()
            x = {index: at for at, index in grid._columns}[head]
            for y, text in enumerate(still, start=1):
                line = grid.render_line(y)
                assert line.text == text  # the playhead lights a cell, it writes nothing
                lit = []  # where the segments lit by the playhead start
                at = 0
                for segment in line:
                    if segment.style is not None and segment.style.bgcolor == PLAYHEAD.bgcolor:
                        lit.append(at)
                    at += len(segment.text)
                assert lit[:1] == [x] and all(a < x + CELL for a in lit), (head, y)
        assert drawn == []  # every row came from the cache: only the cells were laid over

    drive(song, path, script)


def test_the_mixer_edits_the_song_buses_and_master_and_saves_them(tmp_path: Path) -> None:
    from beatseq.model.effects import Compressor, Delay, Mix
    from beatseq.tui.dialogs import MixEditor

    path = tmp_path / "mix.toml"

    async def script(app: App, pilot: P) -> None:
        await pilot.press("f4", "b")
        screen = app.screen
        assert "1/8d" in await refused(pilot, MixEditor, delay='{ time = "1/7" }')
        screen.query_one("#delay", Input).value = '{ time = "1/4d", feedback = 0.5 }'
        screen.query_one("#glue", Input).value = "{ threshold = -10, ratio = 3 }"
        screen.query_one("#loudness", Input).value = "-14"
        await pilot.press("enter")
        await pilot.pause()
        assert app.store.song.mix == Mix(
            delay=Delay(time="1/4d", feedback=0.5),
            glue=Compressor(threshold=-10.0, ratio=3.0),
            loudness=-14.0,
        )
        app.store.save(path)
        await pilot.press("ctrl+z")
        assert app.store.song.mix == Mix()

    drive(blank_song(), None, script)
    saved = load_song(path)
    assert saved.mix.delay == Delay(time="1/4d", feedback=0.5) and saved.mix.loudness == -14.0
