"""Saving songs: round trips, the user's comments and layout kept, atomic writes."""

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from beatseq.errors import BeatseqError
from beatseq.formats.songfile import load_song
from beatseq.formats.songwrite import dumps_song, save_song
from beatseq.formats.steps import parse_steps
from beatseq.model import Song, Step
from tests.strategies import songs

VALID = Path(__file__).parent.parent / "fixtures" / "songs" / "valid"


@pytest.mark.parametrize("name", ["minimal", "everything", "triplets-and-time"])
def test_saving_unchanged_keeps_the_file_byte_for_byte(tmp_path: Path, name: str) -> None:
    shutil.copytree(VALID, tmp_path / "songs")
    path = tmp_path / "songs" / f"{name}.toml"
    before = path.read_text()
    song = load_song(path)
    save_song(song)
    assert path.read_text() == before


def test_edit_keeps_comments_and_beat_separators(tmp_path: Path) -> None:
    shutil.copytree(VALID, tmp_path / "songs")
    path = tmp_path / "songs" / "everything.toml"
    song = load_song(path)
    verse = song.pattern("verse")
    kick = verse.track("kick")
    assert kick is not None
    edited = song.with_pattern(verse.with_track(kick.with_step(1, Step(velocity=127))))
    edited = replace(edited, bpm=95)
    save_song(edited)
    text = path.read_text()
    assert 'kick       = "xX..|....|x.x.|...."' in text
    assert "# MPC-style percent" in text
    assert "# override one setting of a kit sound" in text
    assert "bpm = 95\n" in text
    assert load_song(path) == edited


def test_removed_and_added_parts(tmp_path: Path) -> None:
    shutil.copytree(VALID, tmp_path / "songs")
    path = tmp_path / "songs" / "everything.toml"
    song = load_song(path)
    hook = song.pattern("hook")
    song = replace(
        song,
        patterns=tuple(p for p in song.patterns if p.name != "fill")
        + (replace(hook, name="bridge"),),
        sections=tuple(
            replace(s, patterns=("hook",)) if s.name == "hook" else s for s in song.sections
        ),
    )
    save_song(song)
    assert load_song(path) == song
    assert "[patterns.bridge]" in path.read_text()
    assert "parts/fill.toml" not in path.read_text()


def test_pattern_files_stay_references_until_edited(tmp_path: Path) -> None:
    shutil.copytree(VALID, tmp_path / "songs")
    path = tmp_path / "songs" / "everything.toml"
    song = load_song(path)
    assert 'file = "parts/fill.toml"' in dumps_song(song)
    fill = song.pattern("fill")
    snare = fill.track("snare")
    assert snare is not None
    edited = song.with_pattern(fill.with_track(snare.with_step(0, Step())))
    save_song(edited)
    # the shared pattern file is never modified; the edited pattern is written inline
    assert (tmp_path / "songs" / "parts" / "fill.toml").read_text() == (
        VALID / "parts" / "fill.toml"
    ).read_text()
    assert load_song(path) == edited
    text = path.read_text()
    assert 'snare = "x.......x{r2}x{r2}x{r4>127}x{r4>127}XXXX"' in text
    assert "parts/fill.toml" not in text


def test_save_as_elsewhere_keeps_sounds_and_pattern_files(tmp_path: Path) -> None:
    song = load_song(VALID / "everything.toml")
    target = tmp_path / "deeper" / "copy.toml"
    target.parent.mkdir()
    saved = save_song(song, target)
    assert saved.path == str(target)
    loaded = load_song(target)
    assert loaded == saved
    assert loaded.kit["perc"].sample == os.path.relpath(
        VALID / "sounds" / "perc.wav", target.parent
    )
    assert loaded.kit["perc"].path == song.kit["perc"].path
    assert loaded.pattern("fill").source == os.path.relpath(
        VALID / "parts" / "fill.toml", target.parent
    )


def test_a_failed_write_leaves_the_old_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(VALID, tmp_path / "songs")
    path = tmp_path / "songs" / "minimal.toml"
    before = path.read_text()
    song = replace(load_song(path), bpm=120)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("beatseq.formats.atomic.os.replace", broken)
    with pytest.raises(BeatseqError, match="No space left on device"):
        save_song(song)
    assert path.read_text() == before
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(songs())
def test_save_and_load_give_an_equal_song(tmp_path: Path, song: Song) -> None:
    path = tmp_path / "song.toml"
    saved = save_song(song, path, merge=False)
    loaded = load_song(path, on_missing=lambda err: None)
    assert loaded == saved == song
    # saving again over the file (the merge path) changes nothing
    save_song(loaded)
    assert load_song(path, on_missing=lambda err: None) == song


def test_step_strings_with_every_modifier_survive_a_save(tmp_path: Path) -> None:
    song = load_song(VALID / "minimal.toml")
    beat = song.pattern("beat")
    kick = beat.track("kick")
    assert kick is not None
    steps = parse_steps("x{v90 50% +12 r4>30 3:4 t-5}...x...x...x...")
    song = song.with_pattern(beat.with_track(replace(kick, steps=steps)))
    saved = save_song(song, tmp_path / "s.toml")
    assert load_song(tmp_path / "s.toml") == saved
