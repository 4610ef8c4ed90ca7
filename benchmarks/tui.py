"""Benchmark: the terminal UI in a real terminal (tmux), as a producer meets it.

    python benchmarks/tui.py [--keys 60] [--seconds 30] [--period 256] [--no-jack]

Writes a song whose pattern has 16 tracks of 64 steps, then, in a tmux terminal of
160x48:

- first screen: from starting `beatseq edit SONG` to the grid being on the screen
  (five runs; the first pays for cold caches), next to the same figure for a bare
  Textual app that shows one line (the floor: Python, Textual's import, a first frame);
- key to screen: a key (alternately enter, which toggles a step, and right, which moves
  the cursor) sent with tmux, to the screen showing its effect, read back by polling
  the terminal (the resolution of that poll is printed too);
- xruns: on a private `jackd -d dummy` (44.1 kHz, --period frames), for --seconds
  each, in four interleaved rounds: a bare pyo client playing a sine (the machine's
  own floor), the live engine looping the pattern on its own, and the same under the
  UI, which redraws the playhead at 30 frames a second. The UI's own CPU is printed.

Targets (issue 5): first screen under 1 s, key to screen under 50 ms, no xruns caused
by the UI (this VM's JACK has a floor of its own: compare the two figures).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WIDTH, HEIGHT = 160, 48
ROUNDS = 4
SESSION = f"beatseq-bench-{os.getpid()}"


def baseline(seconds: float, server: str) -> int:
    """xruns of a bare pyo client (a sine) over the same time: this machine's floor."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from realtime import baseline as bare

    return bare(seconds, server)


def write_song(folder: Path) -> Path:
    """A song whose pattern has 16 tracks of 64 steps, each with a euclidean rhythm."""
    from beatseq.formats.songwrite import save_song
    from beatseq.templates import blank_song
    from beatseq.tui import edits

    song = edits.set_pattern_length(blank_song(), "beat", 64)
    names = [n for n in song.kit.names if n not in song.pattern("beat").track_names]
    for name in names:
        song = edits.add_track(song, "beat", name)
    for name in ("tom-low", "tom-mid", "tom-high"):
        song = edits.add_track(song, "beat", name, f"808/{name}")
    tracks = song.pattern("beat").track_names
    assert len(tracks) == 16, tracks
    for number, name in enumerate(tracks):
        song = edits.euclid(song, "beat", name, 3 + number * 5 % 29, number % 4)
    target = folder / "bench.toml"
    save_song(song, target)
    return target


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"tmux {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


BARE_APP = """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("steps of 1/16 kick")

Bare().run()
"""


def start(
    song: Path, audio: str, env: dict[str, str] | None = None, command: str | None = None
) -> float:
    """Open the UI in a new tmux session; returns the seconds to its first screen."""
    command = command or f"{sys.executable} -m beatseq edit {song} --audio {audio}"
    # As on a producer's machine, Python keeps the compiled modules (some shells and
    # CI set PYTHONDONTWRITEBYTECODE, which would make every start compile beatseq).
    env = {"PYTHONDONTWRITEBYTECODE": "", **(env or {})}
    extra = [f"-e{key}={value}" for key, value in env.items()]
    started = time.perf_counter()
    tmux(
        "new-session",
        "-d",
        "-s",
        SESSION,
        "-x",
        str(WIDTH),
        "-y",
        str(HEIGHT),
        *extra,
        command,
    )
    while time.perf_counter() - started < 30:
        text = screen()
        if "steps of 1/16" in text and "kick" in text:
            return time.perf_counter() - started
        time.sleep(0.005)
    raise SystemExit(f"the UI did not show its grid in 30 s:\n{screen()}")


def stop() -> None:
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)


def key_latency(count: int) -> tuple[list[float], float]:
    """Seconds from each key to its effect on the screen, and the poll's resolution."""
    polls = []
    for _ in range(20):
        t = time.perf_counter()
        screen()
        polls.append(time.perf_counter() - t)
    times = []
    for number in range(count):
        before = screen()
        key = "Enter" if number % 2 == 0 else "Right"
        sent = time.perf_counter()
        tmux("send-keys", "-t", SESSION, key)
        while screen() == before:
            if time.perf_counter() - sent > 5:
                raise SystemExit(f"key {key} changed nothing on the screen")
        times.append(time.perf_counter() - sent)
        time.sleep(0.05)
    return times, statistics.median(polls)


def ui_pid() -> int:
    out = tmux("list-panes", "-t", SESSION, "-F", "#{pane_pid}")
    return int(out.split()[0])


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


Xruns = tuple[int, int]
"""(all xruns, of which the engine rendered late)."""


def xruns_on_screen() -> Xruns | None:
    found = re.search(r"xruns (\d+)(?: \((\d+) late\))?", screen())
    return (int(found.group(1)), int(found.group(2) or 0)) if found else None


def engine_alone(song_path: Path, seconds: float) -> Xruns:
    """xruns of the live engine playing the pattern, looped, with no UI."""
    from beatseq.engine import protocol as p
    from beatseq.engine.client import EngineClient
    from beatseq.engine.protocol import Selection
    from beatseq.formats.songfile import load_song

    song = load_song(song_path)
    with EngineClient(p.EngineOptions(audio="jack")) as engine:
        engine.send(p.Load(song, Selection("pattern", "beat", loop=True)))
        engine.send(p.Play())
        time.sleep(1.0)
        engine.reports()
        assert engine.status is not None
        first = engine.status
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            engine.reports(0.1)
        last = engine.status
        return last.xruns - first.xruns, last.late - first.late


def with_ui(song_path: Path, seconds: float, server: str) -> tuple[Xruns, float]:
    """xruns of the engine under the UI, and the UI's CPU (share of a core)."""
    env = {"JACK_DEFAULT_SERVER": server, "JACK_NO_AUDIO_RESERVATION": "1"}
    start(song_path, "jack", env)
    try:
        waited = time.monotonic()
        while "JACK" not in screen().splitlines()[0]:
            if time.monotonic() - waited > 30:
                raise SystemExit(f"the UI's engine did not start on JACK:\n{screen()}")
            time.sleep(0.1)
        tmux("send-keys", "-t", SESSION, "Space")
        time.sleep(1.0)
        first = xruns_on_screen()
        pid = ui_pid()
        cpu = cpu_seconds(pid)
        started = time.monotonic()
        time.sleep(seconds)
        used = (cpu_seconds(pid) - cpu) / (time.monotonic() - started)
        last = xruns_on_screen()
        if first is None or last is None:
            raise SystemExit(f"no xrun count on the transport bar:\n{screen()}")
        return (last[0] - first[0], last[1] - first[1]), used
    finally:
        stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--period", type=int, default=256)
    parser.add_argument("--no-jack", action="store_true", help="skip the xrun measurement")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed (apt install tmux)")

    with tempfile.TemporaryDirectory() as folder:
        song = write_song(Path(folder))
        bare = Path(folder) / "bare.py"
        bare.write_text(BARE_APP)
        firsts, floors = [], []
        for _ in range(5):
            firsts.append(start(song, "none"))
            time.sleep(0.5)
            stop()
            floors.append(start(song, "none", command=f"{sys.executable} {bare}"))
            stop()
        print(
            "first screen:   "
            + "  ".join(f"{t * 1000:.0f}" for t in firsts)
            + f" ms, median {statistics.median(firsts) * 1000:.0f} ms"
            + "  (16 tracks x 64 steps, 160x48 terminal)"
        )
        print(
            "  bare Textual: "
            + "  ".join(f"{t * 1000:.0f}" for t in floors)
            + f" ms, median {statistics.median(floors) * 1000:.0f} ms (the floor)"
        )
        start(song, "none")
        try:
            time.sleep(1.0)
            times, poll = key_latency(args.keys)
        finally:
            stop()
        ms = sorted(t * 1000 for t in times)
        print(
            f"key to screen:  median {statistics.median(ms):.0f} ms"
            f"  95th {ms[int(len(ms) * 0.95) - 1]:.0f} ms  max {ms[-1]:.0f} ms"
            f"  over {len(ms)} keys (reading the screen takes {poll * 1000:.1f} ms)"
        )
        if args.no_jack or shutil.which("jackd") is None:
            print("xruns:          skipped (no jackd, or --no-jack)")
            return 0
        name = f"beatseq-bench-{os.getpid()}"
        os.environ["JACK_DEFAULT_SERVER"] = name
        os.environ["JACK_NO_AUDIO_RESERVATION"] = "1"
        server = subprocess.Popen(
            ["jackd", "-n", name, "-d", "dummy", "-r", "44100", "-p", str(args.period)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(1.0)
            # in rounds, one after the other, so that the machine's noise, which
            # drifts over minutes here, falls on all three alike
            floor = 0
            alone, under = [0, 0], [0, 0]
            cpus = []
            part = args.seconds / ROUNDS
            for _ in range(ROUNDS):
                floor += baseline(part, name)
                xruns, late = engine_alone(song, part)
                alone[0] += xruns
                alone[1] += late
                (xruns, late), cpu = with_ui(song, part, name)
                under[0] += xruns
                under[1] += late
                cpus.append(cpu)
            cpu = statistics.mean(cpus)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
        print(
            f"xruns:          bare pyo client {floor}, engine alone {alone[0]}"
            f" ({alone[1]} rendered late), engine under the UI {under[0]}"
            f" ({under[1]} rendered late) ({args.seconds:g} s each in {ROUNDS} rounds,"
            " JACK dummy"
            f" {args.period}-frame period); UI CPU {cpu * 100:.1f} % of a core"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
