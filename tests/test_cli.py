"""The command line: outputs, files written, exit codes and one-line errors."""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import mido
import pytest

from beatseq.cli import main
from beatseq.compile import compile_song
from beatseq.formats.songfile import load_song

VALID = Path(__file__).parent / "fixtures" / "songs" / "valid"
INVALID = Path(__file__).parent / "fixtures" / "songs" / "invalid"
EVERYTHING = str(VALID / "everything.toml")


def run(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_info_text(capsys):  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "info", EVERYTHING)
    assert code == 0
    assert "Everything" in out and "92.5 BPM" in out and "18 bars" in out
    assert "hook         bar     15      4 bars  ticks 53760-69120  x2  94 BPM" in out


def test_info_json(capsys):  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "info", EVERYTHING, "--json")
    info = json.loads(out)
    assert code == 0
    assert info["bpm"] == 92.5 and info["bars"] == 18 and info["ticks"] == 69120
    assert [s["name"] for s in info["sections"]] == ["intro", "verse", "hook", "verse", "hook"]
    assert info["sections"][2] == {
        "name": "hook",
        "start": 23040,
        "end": 38400,
        "start_bar": 7.0,
        "bars": 4.0,
        "repeat": 2,
        "bpm": 94,
        "start_seconds": info["sections"][2]["start_seconds"],
    }
    timeline = compile_song(load_song(EVERYTHING))
    assert info["events"] == len(timeline.events)
    assert info["seconds"] == pytest.approx(timeline.length_seconds)


def test_events_json_matches_the_timeline(capsys):  # type: ignore[no-untyped-def]
    code, out, _ = run(
        capsys, "events", EVERYTHING, "--json", "--section", "hook", "--sample-rate", "48000"
    )
    rows = json.loads(out)
    timeline = compile_song(load_song(EVERYTHING).only_section("hook"), sample_rate=48000)
    assert code == 0 and len(rows) == len(timeline.events)
    assert set(rows[0]) == {"tick", "sample", "seconds", "track", "velocity", "pitch", "section"}
    for row, event in zip(rows, timeline.events):
        assert (row["tick"], row["sample"], row["track"], row["velocity"]) == (
            event.tick,
            event.sample,
            event.track,
            event.velocity,
        )


def test_events_text_and_seed(capsys):  # type: ignore[no-untyped-def]
    _, one, _ = run(capsys, "events", EVERYTHING)
    _, same, _ = run(capsys, "events", EVERYTHING)
    _, other, _ = run(capsys, "events", EVERYTHING, "--seed", "99")
    assert one == same and one != other
    # the intro mutes the kick; the hat is pushed early (-8 ms) and clamped to the start
    assert one.splitlines()[0].split()[:4] == ["0", "0", "0.000000", "closed-hat"]


def test_export_midi_writes_the_file(capsys, tmp_path: Path):  # type: ignore[no-untyped-def]
    out_file = tmp_path / "song.mid"
    code, out, _ = run(capsys, "export-midi", EVERYTHING, "-o", str(out_file), "--ppq", "480")
    assert code == 0 and out.startswith(f"wrote {out_file}:")
    midi = mido.MidiFile(str(out_file))
    assert midi.ticks_per_beat == 480 and midi.type == 1
    assert midi.tracks[0].name == "Everything"


def test_export_one_pattern_default_name(capsys, tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "export-midi", EVERYTHING, "--pattern", "hook", "--straight")
    assert code == 0 and out.startswith("wrote everything-hook.mid: ")
    midi = mido.MidiFile(str(tmp_path / "everything-hook.mid"))
    assert [m.text for m in midi.tracks[0] if m.type == "marker"] == ["hook"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["info", str(INVALID / "bpm-out-of-range.toml")],
            "bpm-out-of-range.toml:3: song.bpm: 400 is out of range (expected 20 to 300)",
        ),
        (["info", "nowhere.toml"], "nowhere.toml: no such file"),
        (
            ["events", EVERYTHING, "--section", "bridge"],
            "no section 'bridge' (sections: intro, verse, hook)",
        ),
        (
            ["export-midi", EVERYTHING, "--pattern", "x"],
            "no pattern 'x' (patterns: verse, hook, fill)",
        ),
        (["export-midi", EVERYTHING, "--ppq", "5"], "--ppq must be 24 to 32767, not 5"),
        (["info", str(INVALID / "missing-sample.toml")], "sample file not found"),
    ],
)
def test_errors_are_one_line_with_exit_1(capsys, args, message):  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, *args)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("beatseq: error: ") and message in err


def test_allow_missing_warns_and_goes_on(capsys):  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, "info", str(INVALID / "missing-sample.toml"), "--allow-missing")
    assert code == 0 and "warning:" in err and "my-snare.wav" in err and "t  (" in out


def test_bad_arguments_exit_2(capsys):  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as caught:
        main(["export-midi", EVERYTHING, "--section", "a", "--pattern", "b"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        main(["events", EVERYTHING, "--sample-rate", "fast"])
    assert caught.value.code == 2


def test_real_process_prints_no_traceback(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[song]\nbpm = [1, 2\n")
    result = subprocess.run(
        [sys.executable, "-m", "beatseq", "info", str(bad)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr == (
        f"beatseq: error: {bad}:2: malformed TOML: unclosed array at the end of the file\n"
    )


def test_events_into_a_closed_pipe_is_quiet():
    result = subprocess.run(
        f"{sys.executable} -m beatseq events {EVERYTHING} | head -1",
        shell=True,
        capture_output=True,
        text=True,
    )
    assert result.stdout.count("\n") == 1 and "Traceback" not in result.stderr


def test_kits_lists_the_shipped_sounds(capsys):  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "kits")
    assert code == 0 and "boom/kick" in out and "808/808" in out and "choke hats" in out


def test_new_song_from_a_template(capsys, tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "new", "late-night", "--template", "trap")
    assert code == 0 and out == "wrote late-night.toml from the trap template\n"
    text = (tmp_path / "late-night.toml").read_text()
    assert 'title = "late-night"' in text
    assert "# Start your own with" in text  # the template's comments come along
    song = load_song(tmp_path / "late-night.toml")
    template = load_song(Path(__file__).parent.parent / "patterns" / "trap.toml")
    assert song.patterns == template.patterns and song.kit == template.kit
    # refuses to overwrite, unless asked
    code, _, err = run(capsys, "new", "late-night.toml")
    assert code == 1 and "late-night.toml: already exists (choose another name, or --force)" in err
    code, _, _ = run(capsys, "new", "late-night", "--template", "lofi", "--force")
    assert code == 0 and load_song(tmp_path / "late-night.toml").bpm == 76


def test_new_with_an_unknown_template(capsys, tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "new", "x", "--template", "polka")
    assert code == 1 and "no template called 'polka' (templates: boom-bap, dilla" in err
    assert not (tmp_path / "x.toml").exists()


def test_new_from_every_template_loads(capsys, tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    from beatseq.templates import template_names

    monkeypatch.chdir(tmp_path)
    names = template_names()
    assert len(names) >= 9
    for name in names:
        assert run(capsys, "new", f"song-{name}", "--template", name)[0] == 0
        assert load_song(tmp_path / f"song-{name}.toml").title == f"song-{name}"


def test_each_command_builds_alone_what_the_whole_parser_has() -> None:
    # `main` builds only the parser of the command given first (a faster start)
    from beatseq import cli

    whole = cli._parser()
    subparsers = next(a for a in whole._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subparsers.choices) == set(cli.COMMANDS)
    for command in cli.COMMANDS:
        alone = cli._parser(command)
        action = next(a for a in alone._actions if isinstance(a, argparse._SubParsersAction))
        assert list(action.choices) == [command]
        full, one = subparsers.choices[command], action.choices[command]
        assert [a.dest for a in full._actions] == [a.dest for a in one._actions]


def test_the_ui_runs_with_the_cycle_collector_that_the_start_turned_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `beatseq` starts with Python's cycle collector off (cli.run); a command that keeps
    # running must turn it back on, or a long session's garbage cycles are never freed
    import gc

    from beatseq.tui import app

    seen: list[bool] = []
    monkeypatch.setattr(app.BeatseqApp, "run", lambda self: seen.append(gc.isenabled()))
    gc.disable()
    try:
        assert main(["edit", EVERYTHING, "--audio", "none"]) == 0
    finally:
        gc.unfreeze()
        gc.enable()
    assert seen == [True]
