"""Benchmark: render the distinct synth notes of a 3-minute song with a pad and keys.

    python benchmarks/synths.py [--runs 3] [--rate 44100]

The song (90 BPM, 68 bars) plays a `dark-pad` chord per bar (four chords, held the
bar) and `rhodes` comping with chords at several velocities and lengths. Synth notes
are rendered whole, once per distinct note, when the render is planned; this prints
how many there are and how long planning takes (compile + render every distinct
note), then the whole render for comparison. A second run humanizes velocity, which
gives the keys more velocity layers to render. Target (issue 6): well under a second.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

SONG = """\
[song]
title = "Synth benchmark"
bpm = 90
{humanize}

[kit.pad]
synth = "dark-pad"
gain = -8

[kit.keys]
synth = "rhodes"
gain = -4

[patterns.a]
steps = 64
resolution = "1/16"
pad = "{pad}"
keys = "{keys}"

[[sections]]
name = "a"
patterns = ["a"]
repeat = 17
"""

CHORDS = ("[C3,G3,Eb4,Bb4]", "[Ab2,Eb3,C4,G4]", "[Bb2,F3,D4,Ab4]", "[G2,D3,F4,B4]")
COMPING = (
    "{c}{{v96}} - - . . . {c}{{v70}} . . . {c}{{v84}} - - - . .",
    "{c}{{v100}} - . . {c}{{v60}} . . . . . {c}{{v90}} - - - - .",
)
KEYS = ("[C4,Eb4,G4]", "[Ab3,C4,Eb4,G4]", "[Bb3,D4,F4]", "[B3,D4,F4,G4]")


def song_text(humanize: bool) -> str:
    pad = " ".join(chord + " -" * 15 for chord in CHORDS)
    keys = " ".join(COMPING[i % 2].format(c=chord) for i, chord in enumerate(KEYS))
    return SONG.format(
        humanize="humanize = { velocity = 6 }" if humanize else "",
        pad=pad,
        keys=keys,
    )


def run(humanize: bool, runs: int, rate: int) -> None:
    from beatseq.engine.render import plan_render, render_audio
    from beatseq.engine.synths import SynthBank
    from beatseq.formats.songfile import load_song

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "synths.toml"
        path.write_text(song_text(humanize))
        song = load_song(path)
    plan_render(song, rate)  # imports and warm-up
    planning = []
    for _ in range(runs):
        start = time.perf_counter()
        plan = plan_render(song, rate)
        planning.append(time.perf_counter() - start)
    banks = {n: b for n, b in plan.banks.items() if isinstance(b, SynthBank)}
    counts = ", ".join(f"{n} {b.notes}" for n, b in banks.items())
    seconds = max(int(h.stops.max()) for h in plan.hits.values()) / rate
    start = time.perf_counter()
    render_audio(song, rate)
    whole = time.perf_counter() - start
    label = "humanized velocity" if humanize else "written velocities"
    print(f"{label}: {seconds:.0f} s song, distinct notes: {counts}")
    print(
        f"  plan (compile + render the distinct notes): median {statistics.median(planning):.3f} s,"
        f" best {min(planning):.3f} s; whole render {whole:.2f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=int, default=44100)
    args = parser.parse_args()
    for humanize in (False, True):
        run(humanize, args.runs, args.rate)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
