"""The terminal UI's remaining interactions, each driven by its key through Pilot.

`test_app.py` programs steps, edits sections and the mixer, saves and exports; this file
covers the rest a producer reaches for: the grid's track keys (rotate, double, mute,
solo, rename, remove, resolution), the pattern bank (duplicate, rename, delete, queue),
the arrangement's loop and play keys, the sound browser (from the grid and from the
mixer), the mixer's choke groups, song mode, the metronome, tap tempo, free pad
recording, the help screen and the command palette; and, at the end, what a review
of the UI found broken (each of those tests failed before its fix). Each checks the
Song in the store, the file saved, or what was sent to the engine.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from beatseq.engine import protocol as p
from beatseq.formats.kits import shipped_sound
from beatseq.formats.songfile import load_song
from beatseq.templates import blank_song
from beatseq.tui import app as app_module
from beatseq.tui.dialogs import HelpScreen
from beatseq.tui.grid import PatternGrid
from beatseq.tui.views import ArrangementView, MixerView, PatternBank, SoundBrowser
from tests.tui.conftest import drive, engine_up, message, shipped_copy
from tests.tui.test_app import App, P, answer, steps


def names(song: Any) -> list[str]:
    return [pattern.name for pattern in song.patterns]


# the grid's track keys ----------------------------------------------------------------


def test_track_keys_rotate_double_mute_solo_rename_remove_and_are_saved(tmp_path: Path) -> None:
    path = tmp_path / "beat.toml"

    async def script(app: App, pilot: P) -> None:
        await pilot.press("enter", "right", "right", "enter")  # kick on 1 and 3
        assert steps(app.store.song, "beat", "kick") == "x.x............."
        await pilot.press("greater_than_sign")
        assert steps(app.store.song, "beat", "kick") == ".x.x............"
        await pilot.press("less_than_sign", "less_than_sign")
        assert steps(app.store.song, "beat", "kick") == ".x.............x"
        await pilot.press("D")
        assert app.store.song.pattern("beat").steps == 32
        assert steps(app.store.song, "beat", "kick") == ".x.............x" * 2
        await pilot.press("m", "s")
        assert app.store.song.kit["kick"].mute and app.store.song.kit["kick"].solo
        await pilot.press("r")
        await answer(pilot, "bd")
        assert "kick" not in app.store.song.kit and "bd" in app.store.song.kit
        await pilot.press("down", "T")  # the snare's row leaves the pattern, not the kit
        assert app.store.song.pattern("beat").track_names == ("bd", "closed-hat", "open-hat")
        assert "snare" in app.store.song.kit
        await pilot.press("ctrl+s")
        assert not app.store.dirty

    drive(blank_song(path), path, script)
    saved = load_song(path)
    assert saved.pattern("beat").track_names == ("bd", "closed-hat", "open-hat")
    assert steps(saved, "beat", "bd") == ".x.............x" * 2
    assert saved.kit["bd"].mute and saved.kit["bd"].solo


def test_resolution_is_set_and_a_bad_one_refused(tmp_path: Path) -> None:
    async def script(app: App, pilot: P) -> None:
        await pilot.press("ctrl+r")
        await answer(pilot, "1/8t")
        assert app.store.song.pattern("beat").resolution == "1/8t"
        before = app.store.song
        await pilot.press("ctrl+r")
        await answer(pilot, "1/7")
        assert app.store.song is before
        assert "1/7" in message(app)

    drive(blank_song(), None, script)


# the pattern bank ---------------------------------------------------------------------


def test_the_bank_duplicates_renames_and_deletes_patterns(tmp_path: Path) -> None:
    song, path = shipped_copy(tmp_path)
    before = names(song)
    verse = song.pattern("verse")

    async def script(app: App, pilot: P) -> None:
        bank = app.query_one(PatternBank)
        bank.focus()
        await pilot.press("u")  # the highlighted pattern: the first, verse
        await answer(pilot, "verse2")
        assert names(app.store.song) == [before[0], "verse2", *before[1:]]
        assert app.store.song.pattern("verse2").tracks == verse.tracks
        bank.index = 0
        await pilot.press("r")
        await answer(pilot, "main")
        assert names(app.store.song)[:2] == ["main", "verse2"]
        assert all("verse" not in s.patterns for s in app.store.song.sections)
        assert app.store.song.section("verse").patterns == ("main", "keys")
        assert app.editing == "main"  # the pattern being edited was the renamed one
        bank.index = 1
        await pilot.press("delete")
        assert "verse2" not in names(app.store.song)
        await pilot.press("ctrl+s")

    drive(song, path, script)
    saved = load_song(path)
    assert names(saved) == ["main", *before[1:]]
    assert saved.section("intro").patterns[0] == "main"


# playing: queue, loop a section, play the song (the real engine, silent) ---------------


async def until(pilot: P, test: Any, seconds: float = 10) -> p.Status:
    """Wait for a status from the engine that passes `test`."""
    app = pilot.app
    for _ in range(int(seconds / 0.02)):
        await pilot.pause(0.02)
        status = app._status  # type: ignore[attr-defined]
        if status is not None and test(status):
            return status  # type: ignore[no-any-return]
    raise AssertionError(f"never happened; last status {app._status}")  # type: ignore[attr-defined]


def test_queue_loop_a_section_and_play_the_song_from_it(tmp_path: Path) -> None:
    song, path = shipped_copy(tmp_path)
    bar = song.bar_ticks

    async def script(app: App, pilot: P) -> None:
        await engine_up(app, pilot)
        bank = app.query_one(PatternBank)
        bank.focus()
        bank.index = 1
        await pilot.press("q")  # stopped: nothing to queue behind, hook is picked
        assert app.editing == "hook" and app.selection == p.Selection("pattern", "hook", True)
        await pilot.press("space")
        await until(pilot, lambda s: s.playing and s.selection.name == "hook")
        await pilot.press("space")
        await until(pilot, lambda s: not s.playing)
        bank.index = 0
        await pilot.press("enter", "space")  # loops the pattern being edited: verse
        await until(pilot, lambda s: s.playing and s.section_tick and s.section_tick > bar)
        bank.focus()
        bank.index = names(app.store.song).index("turn")
        await pilot.press("q")  # queued: verse plays to its bar line, then turn
        assert app.selection == p.Selection("pattern", "turn", True)
        switched = await until(pilot, lambda s: s.selection and s.selection.name == "turn")
        started = switched.tick - (switched.section_tick or 0)
        assert started % bar == pytest.approx(0, abs=1e-6)  # at a bar line
        assert switched.playing

        await pilot.press("f3")
        table = app.query_one(ArrangementView)
        row = [str(table.get_row_at(r)[1]) for r in range(table.row_count)].index("hook")
        table.move_cursor(row=row)
        await pilot.press("l")  # loop the hook
        looped = await until(pilot, lambda s: s.selection == p.Selection("section", "hook", True))
        assert looped.section == "hook" and looped.playing
        await pilot.press("p")  # the song, from the hook's first bar
        playing = await until(pilot, lambda s: s.selection == p.Selection("song"))
        assert playing.section == "hook"
        await pilot.press("space")

    drive(song, path, script, audio=())


def test_while_the_song_plays_the_transport_timeline_and_meters_follow_it(
    tmp_path: Path,
) -> None:
    song, path = shipped_copy(tmp_path)

    async def script(app: App, pilot: P) -> None:
        await engine_up(app, pilot)
        await pilot.press("f10", "space")  # the song, from its start: the intro
        status = await until(pilot, lambda s: s.playing and s.bar >= 2)
        shown = str(app.views.transport.render())
        assert f"{status.bar}.{status.beat}.{status.step}" in shown
        assert "intro" in shown and "xruns 0" in shown
        await pilot.press("f3")  # the arrangement's strip has the playhead
        first = await until(pilot, lambda s: app.views.timeline.tick is not None)
        later = await until(pilot, lambda s: s.tick > first.tick + 960)
        assert app.views.timeline.tick == pytest.approx(later.tick, abs=2 * 960)
        await pilot.press("f4")  # the mixer's meters light for the tracks playing
        mixer = app.query_one(MixerView)
        await until(pilot, lambda s: dict(s.levels).get("kick", 0) > 0.01)
        await pilot.pause(0.2)
        meter = str(mixer.get_row("kick")[-1])
        assert "▮" in meter, meter
        await pilot.press("space")

    drive(song, path, script, audio=())


def test_the_engine_stops_with_the_ui_however_it_ends() -> None:
    """Not only through ctrl+q: an app that ends any other way (here the test's end; an
    error, ctrl+c) stops its engine, which Python would otherwise wait for at exit."""
    engines = []

    async def script(app: App, pilot: P) -> None:
        await engine_up(app, pilot)
        assert app.link.client is not None
        engines.append(app.link.client._process)

    drive(blank_song(), None, script, audio=())
    (engine,) = engines
    engine.join(timeout=10)
    assert not engine.is_alive()


# the sound browser --------------------------------------------------------------------


def test_the_browser_plays_a_sound_when_moved_onto_and_enter_assigns_it() -> None:
    async def script(app: App, pilot: P) -> None:
        sent: list[p.Command] = []
        app.link.send = sent.append  # type: ignore[method-assign]
        await pilot.press("o")  # a sound for the kick (the cursor's row)
        browser = app.query_one(SoundBrowser)
        assert app.focused is browser
        await browse_to(pilot, "808/kick")
        heard = [c for c in sent if isinstance(c, p.PreviewFile)]
        found = shipped_sound("808/kick")
        assert found is not None
        assert heard[-1] == p.PreviewFile(str(found.path))
        await pilot.press("down")  # 808/snare
        assert sent[-1] == p.PreviewFile(str(shipped_sound("808/snare").path))  # type: ignore[union-attr]
        await pilot.press("enter")
        assert app.store.song.kit["kick"].sample == "808/snare"
        assert app.focused is app.query_one(PatternGrid)

    drive(blank_song(), None, script)


async def browse_to(pilot: P, sample: str) -> None:
    """Move the sound browser's cursor onto `sample`, opening kits on the way."""
    browser = pilot.app.query_one(SoundBrowser)
    for _ in range(200):
        node = browser.cursor_node
        if node is not None and node.data == sample:
            return
        await pilot.press("down")
        if browser.cursor_node is not None and browser.cursor_node.allow_expand:
            await pilot.press("enter")  # opens a kit
    raise AssertionError(f"{sample} is not in the browser")


def test_the_mixer_gives_its_track_a_sound_and_a_choke_group() -> None:
    async def script(app: App, pilot: P) -> None:
        await pilot.press("f4", "down", "o")  # the mixer's second row: the snare
        assert app.focused is app.query_one(SoundBrowser)
        await browse_to(pilot, "808/clap")
        await pilot.press("enter")
        assert app.store.song.kit["snare"].sample == "808/clap"
        assert app.store.song.kit["kick"].sample == blank_song().kit["kick"].sample
        assert app.focused is app.query_one(MixerView)  # back where it was asked for
        await pilot.press("c")
        await answer(pilot, "hats")
        assert app.store.song.kit["snare"].choke == "hats"
        await pilot.press("f5")  # the browser on its own: for the grid's track
        await browse_to(pilot, "808/cowbell")
        await pilot.press("enter")
        assert app.store.song.kit["kick"].sample == "808/cowbell"
        assert app.focused is app.query_one(PatternGrid)

    drive(blank_song(), None, script)


# transport ----------------------------------------------------------------------------


def test_song_mode_and_the_metronome_are_sent_to_the_engine() -> None:
    async def script(app: App, pilot: P) -> None:
        sent: list[p.Command] = []
        app.link.send = sent.append  # type: ignore[method-assign]
        await pilot.press("f10")
        assert app.selection == p.Selection("song")
        assert sent[-1] == p.Load(app.store.song, p.Selection("song"))
        await pilot.press("f10")
        assert sent[-1] == p.Load(app.store.song, p.Selection("pattern", "beat", True))
        await pilot.press("f9")
        assert sent[-1] == p.SetMetronome(True)
        assert "metronome on" in message(app)

    drive(blank_song(), None, script)


class _Clock:
    """time for the app module, with monotonic() set by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def test_tap_tempo_sets_the_bpm_from_the_gaps(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _Clock()
    monkeypatch.setattr(app_module, "time", clock)

    async def script(app: App, pilot: P) -> None:
        await pilot.press("ctrl+t")
        assert "tap again" in message(app)
        for _ in range(3):
            clock.now += 0.625  # 96 BPM
            await pilot.press("ctrl+t")
        assert app.store.song.bpm == 96
        clock.now += 5.0  # a pause starts a new count
        await pilot.press("ctrl+t")
        clock.now += 0.5
        await pilot.press("ctrl+t")
        assert app.store.song.bpm == 120

    drive(blank_song(), None, script)


def test_pads_record_as_played_when_quantize_is_off() -> None:
    song = blank_song()
    step_ticks = song.pattern("beat").step_ticks

    async def script(app: App, pilot: P) -> None:
        await pilot.press("f6", "f7", "f8")  # pads, record, as played
        assert "(free)" in app.views.transport.flags
        # the engine says the pattern is playing, 100 ticks after its fifth step
        app._status = _status(app, None, 4 * step_ticks + 100)
        await pilot.press("w")  # pad 6: the pattern has 4 tracks, nothing happens
        await pilot.press("2")  # pad 2: the snare
        played = app.store.song.pattern("beat").track("snare")
        assert played is not None
        hit = played.steps[4]
        assert hit is not None and hit.nudge == 100
        assert steps(app.store.song, "beat", "snare") == "....x{+100}..........."

    drive(song, None, script)


# help and the command palette ---------------------------------------------------------


def test_help_lists_every_key_of_every_view() -> None:
    async def script(app: App, pilot: P) -> None:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("Static").render())
        views = (app_module.BeatseqApp, PatternGrid, PatternBank, ArrangementView, MixerView)
        for view in (*views, SoundBrowser):
            for binding in view.BINDINGS:
                if getattr(binding, "description", "") and "pad(" not in binding.action:
                    assert binding.description in text, binding
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)

    drive(blank_song(), None, script)


async def command(pilot: P, text: str) -> None:
    """Run the command palette's best match for `text`."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*text)
    for _ in range(40):  # the palette searches in the background
        await pilot.pause(0.05)
        options = pilot.app.screen.query("CommandList")
        if options and options.first().option_count:  # type: ignore[attr-defined]
            break
    await pilot.press("enter")
    await pilot.pause()


def test_the_command_palette_runs_each_views_actions(tmp_path: Path) -> None:
    async def script(app: App, pilot: P) -> None:
        await command(pilot, "Pattern: double")
        assert app.store.song.pattern("beat").steps == 32
        await command(pilot, "Patterns: duplicate")
        await answer(pilot, "beat2")
        assert names(app.store.song) == ["beat", "beat2"]
        await command(pilot, "Tempo +1")
        assert app.store.song.bpm == 91

    drive(blank_song(), None, script)


# found in review: each failed before its fix -------------------------------------------


def _status(app: App, section: str | None, section_tick: float) -> p.Status:
    """What the engine reports while the app's selection plays (set by hand: no engine)."""
    return p.Status(
        playing=True,
        bar=1,
        beat=1,
        step=1,
        tick=section_tick,
        section=section,
        section_tick=section_tick,
        selection=app.selection,
        ended=False,
        frames=0,
        xruns=0,
        dsp_load=0.0,
        recording=None,
    )


def test_export_in_pattern_mode_offers_a_section_of_the_song(tmp_path: Path) -> None:
    from beatseq.tui.dialogs import ExportDialog

    async def script(app: App, pilot: P) -> None:
        # in pattern mode the engine names its one-section song after the pattern
        app._status = _status(app, "beat", 0.0)
        await pilot.press("ctrl+e")
        assert isinstance(app.screen, ExportDialog)
        assert app.screen.section == "main"  # not "beat", which is no section

    drive(blank_song(), None, script)


def test_renaming_what_is_edited_or_looped_keeps_it_edited_and_looped(tmp_path: Path) -> None:
    song, path = shipped_copy(tmp_path)

    async def script(app: App, pilot: P) -> None:
        bank = app.query_one(PatternBank)
        bank.focus()
        bank.index = names(app.store.song).index("keys")
        await pilot.press("enter")  # edit (and loop) keys
        bank.focus()
        await pilot.press("r")
        await answer(pilot, "rhodes")
        assert app.editing == "rhodes"
        assert app.selection == p.Selection("pattern", "rhodes", True)
        await pilot.press("ctrl+z")
        assert app.editing == "keys" and app.selection.name == "keys"

        await pilot.press("f3")
        table = app.query_one(ArrangementView)
        rows = [str(table.get_row_at(r)[1]) for r in range(table.row_count)]
        table.move_cursor(row=rows.index("hook"))
        await pilot.press("l")  # loop the hook
        await pilot.press("enter")  # ...and rename it
        app.screen.query_one("#name", Input).value = "chorus"
        app.screen.query_one("#name", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.selection == p.Selection("section", "chorus", True)

    drive(song, path, script)


def test_a_free_pad_hit_just_before_the_loop_ends_lands_early_on_step_one() -> None:
    song = blank_song()
    step_ticks = song.pattern("beat").step_ticks

    async def script(app: App, pilot: P) -> None:
        await pilot.press("f6", "f7", "f8")
        app._status = _status(app, "beat", 16 * step_ticks - 40)  # 40 ticks early
        await pilot.press("1")
        assert steps(app.store.song, "beat", "kick") == "x{-40}..............."

    drive(song, None, script)


def test_prompts_take_names_with_spaces_and_survive_empty_answers(tmp_path: Path) -> None:
    import numpy as np
    import soundfile

    folder = tmp_path / "My Samples"
    folder.mkdir()
    sample = folder / "soft pad.wav"
    soundfile.write(str(sample), np.zeros(4410, dtype=np.float32), 44100)

    async def script(app: App, pilot: P) -> None:
        await pilot.press("t")
        await answer(pilot, f"pad {sample}")
        assert app.store.song.kit["pad"].path == str(sample)
        app.query_one(PatternBank).focus()
        await pilot.press("u")
        await answer(pilot, "beat 2")
        await pilot.press("f3", "N")
        await answer(pilot, "drop, beat 2")
        assert app.store.song.section("drop").patterns == ("beat 2",)
        before = app.store.song
        await pilot.press("N")
        await answer(pilot, ",")
        await pilot.press("f2", "e")
        await answer(pilot, ",")
        assert app.is_running and app.store.song is before
        assert "not understood" in message(app)

    drive(blank_song(), None, script)


def test_save_and_quit_on_a_new_song_saves_then_quits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.tui.test_app import choose

    monkeypatch.chdir(tmp_path)

    async def script(app: App, pilot: P) -> None:
        await pilot.press("enter", "ctrl+q")
        await choose(pilot, "save")
        await answer(pilot, "first.toml")
        assert not app.is_running

    drive(blank_song(), None, script)
    assert steps(load_song(tmp_path / "first.toml"), "beat", "kick") == "x..............."


def test_ctrl_n_on_the_grid_makes_a_new_pattern() -> None:
    async def script(app: App, pilot: P) -> None:
        await pilot.press("ctrl+n")
        await answer(pilot, "fill")
        assert names(app.store.song) == ["beat", "fill"] and app.editing == "fill"

    drive(blank_song(), None, script)
