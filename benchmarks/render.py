"""Benchmark: render the 3-minute reference song and print speed and memory.

    python benchmarks/render.py [--runs 3] [--song patterns/reference.toml]

Prints, for the `beatseq render` command as a user runs it (a fresh Python
process each time, imports included) and for the library call alone (`render()`
in a warm process): wall time, times real time, and peak resident memory of the
processes involved. Targets (issue 3): at least 300x real time, under 300 MB.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def command_runs(song: Path, runs: int) -> tuple[list[float], float]:
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "beatseq", "render", str(song), "-o", f"{folder}/out.wav"],
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - start)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return times, peak_kib / 1024


def library_runs(song: Path, runs: int) -> tuple[list[float], float]:
    from beatseq.engine.render import RenderJob, render
    from beatseq.formats.songfile import load_song

    loaded = load_song(song)
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(runs):
            start = time.perf_counter()
            report = render(RenderJob(song=loaded, output=f"{folder}/out.wav"))
            times.append(time.perf_counter() - start)
    worker_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    self_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"  rendered {report.seconds:.1f} s of audio, peak {report.peak_dbfs:.1f} dBFS,"
        f" {report.lufs:.1f} LUFS"
    )
    return times, (worker_kib + self_kib) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--song", type=Path, default=ROOT / "patterns" / "reference.toml")
    args = parser.parse_args()
    from beatseq.compile import compile_song
    from beatseq.formats.songfile import load_song

    seconds = compile_song(load_song(args.song)).length_seconds
    print(f"{args.song.name}: {seconds:.1f} s song, {args.runs} runs each (median shown)")
    for label, runner in (
        ("beatseq render (CLI)", command_runs),
        ("render() in-process", library_runs),
    ):
        times, peak_mb = runner(args.song, args.runs)
        median = statistics.median(times)
        print(
            f"{label:22} wall {median:6.3f} s  {seconds / median:6.0f}x real time"
            f"  peak memory {peak_mb:6.0f} MB  (runs: {', '.join(f'{t:.2f}' for t in times)})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
