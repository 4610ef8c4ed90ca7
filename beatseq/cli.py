"""The `beatseq` command line: parse arguments, call the library, print results.

Thin on purpose: every command loads a song, asks the library for something and
prints it. A BeatseqError becomes one line on stderr and exit status 1; bad
arguments exit 2 (argparse); nothing prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from beatseq import __version__
from beatseq.errors import BeatseqError

if TYPE_CHECKING:
    from beatseq.model import Song

Command = Callable[[argparse.Namespace], int]
COMMANDS = ("new", "info", "events", "export-midi", "render", "play", "edit", "devices", "kits")


def main(argv: Sequence[str] | None = None) -> int:
    # numpy's BLAS on one thread from its start: beatseq's renders and its engine run
    # their own threads (see dsp.one_blas_thread); numpy is not imported yet here
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    words = list(argv if argv is not None else sys.argv[1:])
    parser = _parser(words[0] if words and words[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    command: Command | None = getattr(args, "run", None)
    bare = not words
    if command is None and bare and sys.stdin.isatty() and sys.stdout.isatty():
        command = _edit  # `beatseq` on its own, in a terminal: the UI with a new song
        args = parser.parse_args(["edit"])
    if command is None:
        parser.print_help()
        return 0
    try:
        return command(args)
    except BeatseqError as err:
        print(f"beatseq: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("beatseq: stopped", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # `beatseq events ... | head`: the reader left; not an error
        return 0


def run() -> None:
    """The `beatseq` script: `main`, then exit. After a render, which leaves nothing
    open (its files are written and closed, its threads finished), the interpreter's
    clean-up is skipped: it took 30-60 ms on this machine, freeing what the next
    moment frees anyway.

    Python's cycle collector is off while the command starts and for the commands that
    finish (`_collector_on` turns it back on for those that keep running): imports and
    compiling make tens of thousands of objects and next to no garbage (a few hundred
    functions and types from imports; no arrays, measured after a render of each
    reference song), and its passes over them took about 15 ms of a render."""
    gc.disable()
    status = main()
    if _done_rendering:
        with contextlib.suppress(OSError):  # a reader of stdout that already left
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(status)
    sys.exit(status)


_done_rendering = False


def _collector_on() -> None:
    """For a command that keeps running (playing, the UI): the cycle collector back on,
    with what exists so far (modules, the song) left out of its passes for good."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with `only`, just that command's (the others take
    10-15 ms to build, at every start)."""
    parser = argparse.ArgumentParser(
        prog="beatseq",
        description="A beatmaking and arrangement sequencer for hip-hop producers.",
    )
    parser.add_argument("--version", action="version", version=f"beatseq {__version__}")
    sub = parser.add_subparsers(metavar="COMMAND")

    if only in (None, "new"):
        new = sub.add_parser("new", help="start a new song from a shipped template")
        new.add_argument("name", help="song name; writes NAME.toml (or NAME if it ends in .toml)")
        new.add_argument(
            "--template",
            default="boom-bap",
            metavar="STYLE",
            help="a shipped song to start from (default: boom-bap)",
        )
        new.add_argument("--force", action="store_true", help="overwrite an existing file")
        new.set_defaults(run=_new)

    if only in (None, "info"):
        info = sub.add_parser("info", help="tempo, length, sections and tracks of a song")
        _song_arguments(info)
        info.add_argument("--json", action="store_true", help="print JSON")
        info.set_defaults(run=_info)

    if only in (None, "events"):
        events = sub.add_parser("events", help="the compiled timeline, one hit per line")
        _song_arguments(events, part=True)
        events.add_argument("--json", action="store_true", help="print a JSON list")
        events.add_argument("--sample-rate", type=int, default=44100, metavar="HZ")
        events.set_defaults(run=_events)

    if only in (None, "export-midi"):
        export = sub.add_parser("export-midi", help="write a Standard MIDI File for a DAW")
        _song_arguments(export, part=True)
        export.add_argument(
            "-o",
            "--output",
            metavar="OUT.mid",
            help="file to write (default: SONG's name with .mid, here)",
        )
        export.add_argument("--ppq", type=int, default=960, help="ticks per quarter note (960)")
        export.add_argument(
            "--straight",
            action="store_true",
            help="notes on the straight grid: no swing, feel, nudge or humanize",
        )
        export.set_defaults(run=_export_midi)

    if only in (None, "render"):
        render = sub.add_parser("render", help="render a song to WAV or FLAC (and stems)")
        _song_arguments(render, part=True)
        render.add_argument(
            "-o",
            "--output",
            metavar="OUT",
            help="file to write (default: SONG's name with .wav or .flac, here)",
        )
        render.add_argument(
            "--format",
            choices=("wav", "flac"),
            default=None,
            help="file format (default: from OUT's extension, else wav)",
        )
        render.add_argument("--sample-rate", type=int, choices=(44100, 48000, 96000), default=44100)
        render.add_argument(
            "--bit-depth",
            choices=("16", "24", "32f"),
            default="24",
            help="16 (dithered), 24 or 32-bit float (default 24)",
        )
        render.add_argument("--stems", metavar="DIR", help="also write one file per track in DIR")
        render.add_argument(
            "--loop",
            action="store_true",
            help="exactly one pass long, with the tails wrapped to the start",
        )
        render.add_argument(
            "--loudness",
            type=_loudness,
            metavar="LUFS",
            help="bring the mix to this integrated loudness by gain (e.g. -14; the limiter"
            " still keeps peaks under -1 dBFS); default: the song's [mix] loudness",
        )
        render.set_defaults(run=_render)

    if only in (None, "play"):
        play = sub.add_parser("play", help="play a song live (Ctrl-C stops)")
        _song_arguments(play, part=True)
        play.add_argument("--loop", action="store_true", help="loop the song, section or pattern")
        play.add_argument(
            "--audio",
            choices=("jack", "portaudio"),
            default="jack",
            help="audio backend (default jack)",
        )
        play.add_argument("--device", type=int, metavar="N", help="PortAudio output device")
        play.add_argument(
            "--buffer",
            type=int,
            default=256,
            metavar="FRAMES",
            help="PortAudio buffer size (JACK uses the server's)",
        )
        play.add_argument(
            "--sample-rate",
            type=int,
            default=44100,
            metavar="HZ",
            help="PortAudio sample rate (JACK uses the server's)",
        )
        play.add_argument("--record", metavar="TAKE.wav", help="also write what plays to a file")
        play.add_argument("--count-in", action="store_true", help="one bar of metronome first")
        play.add_argument("--metronome", action="store_true", help="click on every beat")
        play.set_defaults(run=_play)

    if only in (None, "edit"):
        edit = sub.add_parser(
            "edit", help="open a song in the terminal UI (a new song if the file does not exist)"
        )
        edit.add_argument("song", metavar="SONG", nargs="?", help="a song file (.toml)")
        edit.add_argument(
            "--audio",
            choices=("auto", "jack", "portaudio", "none"),
            default="auto",
            help="auto: JACK, else PortAudio, else silent (the playhead still runs)",
        )
        edit.set_defaults(run=_edit)

    if only in (None, "devices"):
        devices = sub.add_parser("devices", help="list the audio backends and output devices")
        devices.set_defaults(run=_devices)

    if only in (None, "kits"):
        kits = sub.add_parser("kits", help="list the shipped kits and their sounds")
        kits.set_defaults(run=_kits)
    return parser


def _song_arguments(parser: argparse.ArgumentParser, part: bool = False) -> None:
    parser.add_argument("song", metavar="SONG", help="a song file (.toml)")
    if part:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--section", metavar="NAME", help="only this section")
        which.add_argument("--pattern", metavar="NAME", help="only this pattern, once")
    parser.add_argument("--seed", type=int, help="use this seed instead of the song's")
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="load even if sample files are missing (their tracks are silent)",
    )


def _play(args: argparse.Namespace) -> int:
    import time

    from beatseq.engine import protocol as p
    from beatseq.engine.client import EngineClient
    from beatseq.engine.protocol import Selection

    _collector_on()
    song = load(args, cut=False)
    if args.buffer not in (32, 64, 128, 256, 512, 1024, 2048):
        raise BeatseqError(f"--buffer must be a power of two from 32 to 2048, not {args.buffer}")
    if args.section:
        selection = Selection("section", args.section, args.loop)
    elif args.pattern:
        selection = Selection("pattern", args.pattern, args.loop)
    else:
        selection = Selection("song", None, args.loop)
    options = p.EngineOptions(
        audio=args.audio, device=args.device, sample_rate=args.sample_rate, buffer_size=args.buffer
    )
    engine = EngineClient(options)
    ready = engine.start()
    line = StatusLine()
    try:
        engine.send(p.Load(song, selection))
        if args.metronome:
            engine.send(p.SetMetronome(True))
        if args.record:
            engine.send(p.Record(args.record))
        engine.send(p.Play(count_in=args.count_in))
        started = time.monotonic()
        while True:
            for report in engine.reports(0.05):
                if isinstance(report, p.Problem):
                    if report.fatal:
                        raise BeatseqError(report.message)
                    line.note(report.message)
            status = engine.status
            if status is not None:
                line.show(status, ready)
                if status.ended and time.monotonic() - started > 0.5:
                    break
            if engine.finished:
                raise BeatseqError("the audio engine stopped")
    except KeyboardInterrupt:
        pass
    finally:
        line.close()
        try:
            engine.send(p.Stop())
            if args.record:
                engine.send(p.Record(None))
        except BeatseqError:
            pass
        engine.close()
    if args.record:
        print(f"recorded {args.record}")
    return 0


class StatusLine:
    """`bar.beat.step  section  xruns` on one line, rewritten in place on a terminal."""

    def __init__(self) -> None:
        self.terminal = sys.stdout.isatty()
        self.last = ""

    def show(self, status: object, ready: object) -> None:
        from beatseq.engine.protocol import Ready, Status

        assert isinstance(status, Status) and isinstance(ready, Ready)
        where = f"{status.bar:>3}.{status.beat}.{status.step:<2}"
        if not self.terminal:
            where = f"{status.bar:>3}"
        text = (
            f"{'>' if status.playing else '#'} {where} {status.section or '':<10}"
            f" {ready.device} {ready.sample_rate} Hz/{ready.buffer_size}"
            f"  xruns {status.xruns}  load {status.dsp_load * 100:4.1f}%"
        )
        if self.terminal and text != self.last:
            sys.stdout.write("\r" + text)
            sys.stdout.flush()
        elif not self.terminal and text.split()[:2] != self.last.split()[:2]:
            print(text)  # piped: a line a bar
        self.last = text

    def note(self, message: str) -> None:
        if self.terminal:
            sys.stdout.write("\n")
        print(f"beatseq: {message}", file=sys.stderr)

    def close(self) -> None:
        if self.terminal and self.last:
            sys.stdout.write("\n")
            sys.stdout.flush()


def _devices(args: argparse.Namespace) -> int:
    from beatseq.engine.backends import describe_devices

    for line in describe_devices():
        print(line)
    return 0


def load(args: argparse.Namespace, cut: bool = True) -> Song:
    """The song named on the command line, with --seed, and (when `cut`) cut down to
    --section or --pattern."""
    from beatseq.formats.songfile import load_song

    def warn(err: BeatseqError) -> None:
        print(f"beatseq: warning: {err} (track is silent)", file=sys.stderr)

    song = load_song(args.song, on_missing=warn if args.allow_missing else None)
    if getattr(args, "seed", None) is not None:
        song = replace(song, seed=args.seed)
    section, pattern = getattr(args, "section", None), getattr(args, "pattern", None)
    if section and section not in [s.name for s in song.sections]:
        raise BeatseqError(
            f"no section {section!r} (sections: {', '.join(s.name for s in song.sections)})",
            file=args.song,
        )
    if pattern and pattern not in [p.name for p in song.patterns]:
        raise BeatseqError(
            f"no pattern {pattern!r} (patterns: {', '.join(p.name for p in song.patterns)})",
            file=args.song,
        )
    if cut and section:
        song = song.only_section(section)
    if cut and pattern:
        song = song.only_pattern(pattern)
    return song


def _info(args: argparse.Namespace) -> int:
    from beatseq.compile import compile_song
    from beatseq.summary import info_lines, song_info

    song = load(args)
    info = song_info(song, compile_song(song))
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print("\n".join(info_lines(info)))
    return 0


def _events(args: argparse.Namespace) -> int:
    from beatseq.compile import compile_song
    from beatseq.summary import event_line

    if not 8000 <= args.sample_rate <= 384000:
        raise BeatseqError(f"--sample-rate must be 8000 to 384000 Hz, not {args.sample_rate}")
    timeline = compile_song(load(args), sample_rate=args.sample_rate)
    if args.json:
        keys = ("tick", "sample", "seconds", "track", "velocity", "pitch", "section")
        rows = [{k: e.as_dict()[k] for k in keys} for e in timeline.events]
        print(json.dumps(rows, indent=1))
    else:
        for event in timeline.events:
            print(event_line(event))
    return 0


def _export_midi(args: argparse.Namespace) -> int:
    from beatseq.compile import compile_song
    from beatseq.formats.midi import timeline_to_midi, write_midi

    song = load(args)
    timeline = compile_song(song)
    midi = timeline_to_midi(timeline, ppq=args.ppq, straight=args.straight)
    part = args.section or args.pattern
    default = Path(args.song).stem + (f"-{part}" if part else "") + ".mid"
    output = Path(args.output or default)
    write_midi(midi, output)
    notes = sum(1 for t in midi.tracks for m in t if m.type == "note_on")
    print(
        f"wrote {output}: {len(midi.tracks) - 1} tracks, {notes} notes,"
        f" {timeline.bars:g} bars, {timeline.length_seconds:.2f} s"
    )
    return 0


def _loudness(text: str) -> float:
    from beatseq.model.effects import LOUDNESS_RANGE

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of LUFS") from None
    low, high = LOUDNESS_RANGE
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{value:g} LUFS is out of range ({low:g} to {high:g})")
    return value


def _render(args: argparse.Namespace) -> int:
    # in this process: nothing here needs to stay responsive meanwhile, and a forked
    # renderer cost 0.05-0.1 s more (measured; the UI renders in a child process).
    # The song compiles in a forked child while numpy and the engine are imported.
    from beatseq.compile.ahead import compile_ahead

    song = load(args)
    output = Path(args.output) if args.output else None
    fmt = args.format or (output.suffix.lstrip(".").lower() if output else "") or "wav"
    if fmt not in ("wav", "flac"):
        raise BeatseqError(f"cannot tell the format from {output}: give --format wav or flac")
    if output is None:
        part = args.section or args.pattern
        output = Path(Path(args.song).stem + (f"-{part}" if part else "") + f".{fmt}")
    compiled = compile_ahead(song, args.sample_rate)
    from beatseq.engine.render import RenderJob, render_here

    job = RenderJob(
        song=song,
        output=str(output),
        format=fmt,
        sample_rate=args.sample_rate,
        bit_depth=args.bit_depth,
        stems_dir=args.stems,
        loop=args.loop,
        loudness=args.loudness,
    )
    bar = ProgressBar(f"rendering {output.name}")
    try:
        report = render_here(job, bar.update if bar.enabled else None, compiled)
    finally:
        bar.close()
    minutes, seconds = divmod(report.seconds, 60)
    depth = "32-bit float" if args.bit_depth == "32f" else f"{args.bit_depth}-bit"
    lufs = f"{report.lufs:.1f} LUFS" if report.lufs is not None else "loudness n/a (too short)"
    print(
        f"wrote {output}: {int(minutes)}:{seconds:05.2f}, {depth} {report.sample_rate} Hz"
        f" {fmt.upper()}, peak {report.peak_dbfs:.1f} dBFS, {lufs}"
    )
    over = dict(report.over)
    for stem in report.stems:
        print(f"  stem {stem}")
        if stem in over and args.bit_depth != "32f":
            print(
                f"    peaks at {over[stem]:+.1f} dBFS where other tracks cancel it in the mix:"
                " clipped in this file (--bit-depth 32f keeps it whole)"
            )
    global _done_rendering
    _done_rendering = True
    return 0


class ProgressBar:
    """A one-line progress bar on a terminal's stderr; silent when stderr is not one."""

    WIDTH = 30

    def __init__(self, label: str):
        self.label = label
        self.enabled = sys.stderr.isatty()
        self.shown = -1

    def update(self, fraction: float) -> None:
        filled = int(fraction * self.WIDTH)
        if filled != self.shown:
            self.shown = filled
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            sys.stderr.write(f"\r{self.label} [{bar}] {fraction * 100:3.0f}%")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.shown >= 0:
            sys.stderr.write("\r" + " " * (len(self.label) + self.WIDTH + 8) + "\r")
            sys.stderr.flush()


def _new(args: argparse.Namespace) -> int:
    from beatseq.templates import new_song

    target = Path(args.name if args.name.endswith(".toml") else f"{args.name}.toml")
    title = target.stem
    written = new_song(target, title=title, template=args.template, force=args.force)
    print(f"wrote {written} from the {args.template} template")
    return 0


def _edit(args: argparse.Namespace) -> int:
    from beatseq.engine.protocol import Audio
    from beatseq.tui.app import BeatseqApp

    _collector_on()
    missing: list[str] = []
    path = Path(args.song) if args.song is not None else None
    if path is not None and path.exists():
        from beatseq.formats.songfile import load_song

        song = load_song(path, on_missing=lambda err: missing.append(f"{err} (silent)"))
    elif path is not None and path.suffix != ".toml":
        raise BeatseqError("no such song (a new song's name ends in .toml)", file=str(path))
    else:
        from beatseq.templates import blank_song

        song = blank_song(path, title=path.stem if path is not None else "Untitled")
    choices: dict[str, tuple[Audio, ...]] = {
        "auto": ("jack", "portaudio"),
        "jack": ("jack",),
        "portaudio": ("portaudio",),
        "none": (),
    }
    audio = choices[args.audio]
    BeatseqApp(song, path, audio=audio, notes=missing).run()
    return 0


def _kits(args: argparse.Namespace) -> int:
    from beatseq.formats.kits import kit_names, require_kit

    for name in kit_names():
        kit = require_kit(name)
        print(f"{name}: {kit.description}")
        for sound in kit.instruments:
            print(
                f"  {name}/{sound.name:<14} ch {sound.channel:>2} note {sound.note:>3}"
                f"  {sound.gain:+.1f} dB" + (f"  choke {sound.choke}" if sound.choke else "")
            )
    return 0
