"""Benchmark: render the 3-minute reference song and print speed and memory.

    python benchmarks/render.py [--runs 3] [--song patterns/reference.toml] [--effects]

Prints, for the `beatseq render` command as a user runs it (a fresh Python
process each time, imports included) and for the library call alone (`render()`
in a warm process): wall time, times real time, and peak resident memory of the
processes involved. Targets (issue 3): at least 300x real time, under 300 MB. It says
whether the compiled kernels ran (`BEATSEQ_KERNELS=numpy` times the numpy fallback).
With --effects, the library call is also timed on the song with EFFECTS added (a few
tracks' inserts and sends, ducking, the master glue) and with a loudness target.
With --phases, the command is also timed phase by phase, run by run.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EFFECTS_ON = ("boom-kick", "boom-snare", "808", "ride")


def command_runs(song: Path, runs: int) -> tuple[list[float], float]:
    # As on a producer's machine, Python keeps the compiled modules (some shells and CI
    # set PYTHONDONTWRITEBYTECODE, which would make every start compile beatseq); a
    # first run, not counted, writes them.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    script = Path(sys.executable).with_name("beatseq")  # the command the README runs
    start = [str(script)] if script.exists() else [sys.executable, "-m", "beatseq"]
    command = [*start, "render", str(song)]
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs + 1):
            start = time.perf_counter()
            subprocess.run(
                [*command, "-o", f"{folder}/out.wav"], check=True, capture_output=True, env=env
            )
            if run:
                times.append(time.perf_counter() - start)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return times, peak_kib / 1024


def with_effects(song):  # type: ignore[no-untyped-def]
    """The song with effects on a few tracks: EQ and compressor on the kick, a filter,
    drive and both sends on the snare, the 808 ducked under the kick, the ride crushed
    and sent to the delay; the master glue compressor."""
    from dataclasses import replace

    from beatseq.model.effects import Compressor, Crush, Duck, Effects, Eq, Filter, Mix

    fx = {
        "boom-kick": Effects(eq=Eq(low=3.0, high=-2.0), comp=Compressor(threshold=-18.0)),
        "boom-snare": Effects(filter=Filter("highpass", 200.0), drive=0.3, reverb=-10, delay=-16),
        "808": Effects(duck=Duck(by="boom-kick", amount=6.0)),
        "ride": Effects(crush=Crush(bits=12.0, rate=26040.0), delay=-14.0),
    }
    kit = song.kit
    for name, effects in fx.items():
        kit = kit.with_instrument(replace(kit[name], fx=effects))
    return replace(song, kit=kit, mix=Mix(glue=Compressor(threshold=-14.0, ratio=2.0)))


def library_runs(
    song: Path, runs: int, effects: bool = False, loudness: float | None = None
) -> tuple[list[float], float]:
    from beatseq.engine.render import RenderJob, render
    from beatseq.formats.songfile import load_song

    loaded = load_song(song)
    if effects:
        loaded = with_effects(loaded)
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(runs):
            start = time.perf_counter()
            job = RenderJob(song=loaded, output=f"{folder}/out.wav", loudness=loudness)
            report = render(job)
            times.append(time.perf_counter() - start)
    worker_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    self_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"  rendered {report.seconds:.1f} s of audio, peak {report.peak_dbfs:.1f} dBFS,"
        f" {report.lufs:.1f} LUFS"
    )
    return times, (worker_kib + self_kib) / 1024


PHASES = """
import sys, time
started = time.perf_counter()
import beatseq.engine.render as render
from beatseq import cli
imported = time.perf_counter()
marks = {}
plan_render, mix_blocks = render.plan_render, render.mix_blocks
def timed_plan(*args, **kwargs):
    marks["start"] = time.perf_counter()
    plan = plan_render(*args, **kwargs)
    marks["planned"] = time.perf_counter()
    return plan
def timed_mix(plan):
    for n, block in enumerate(mix_blocks(plan)):
        if not n:
            marks["first block"] = time.perf_counter()
        yield block
    marks["mixed"] = time.perf_counter()
render.plan_render, render.mix_blocks = timed_plan, timed_mix
cli.main(sys.argv[1:])
done = time.perf_counter()
print(f"imports {imported - started:.3f}  song {marks['start'] - imported:.3f}"
      f"  compile+plan {marks['planned'] - marks['start']:.3f}"
      f"  first block {marks['first block'] - marks['planned']:.3f}"
      f"  mix {marks['mixed'] - marks['first block']:.3f}"
      f"  file {done - marks['mixed']:.3f}", file=sys.stderr)
"""
"""The command line run phase by phase: the render's own functions wrapped with clocks."""


def phase_runs(song: Path, runs: int) -> None:
    """Print where the command's time goes, run by run (imports, reading the song,
    compiling and planning, the first block, mixing, the file's last blocks, sync and
    rename), as `beatseq render` runs with Python's bytecode caches."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(runs):
            done = subprocess.run(
                [sys.executable, "-c", PHASES, "render", str(song), "-o", f"{folder}/out.wav"],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            print("  " + done.stderr.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--song", type=Path, default=ROOT / "patterns" / "reference.toml")
    parser.add_argument("--effects", action="store_true", help="also time it with effects")
    parser.add_argument(
        "--phases", action="store_true", help="also time the command phase by phase"
    )
    args = parser.parse_args()
    from beatseq.compile import compile_song
    from beatseq.engine.native import kernels
    from beatseq.formats.songfile import load_song

    seconds = compile_song(load_song(args.song)).length_seconds
    print(f"{args.song.name}: {seconds:.1f} s song, {args.runs} runs each (median shown)")
    print(
        "kernels: compiled (beatseq/engine/_kernels.so)"
        if kernels is not None
        else "kernels: numpy (not built, or BEATSEQ_KERNELS=numpy)"
    )
    runners = [
        ("beatseq render (CLI)", command_runs),
        ("render() in-process", library_runs),
    ]
    if args.effects:
        runners += [
            ("... with effects", lambda song, runs: library_runs(song, runs, True)),
            ("... and -14 LUFS", lambda song, runs: library_runs(song, runs, True, -14.0)),
        ]
    for label, runner in runners:
        times, peak_mb = runner(args.song, args.runs)
        median = statistics.median(times)
        print(
            f"{label:22} wall {median:6.3f} s  {seconds / median:6.0f}x real time"
            f"  peak memory {peak_mb:6.0f} MB  (runs: {', '.join(f'{t:.2f}' for t in times)})"
        )
    if args.phases:
        print("beatseq render, phase by phase (s):")
        phase_runs(args.song, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
