"""Benchmark: play the 3-minute reference song live on JACK's dummy backend.

    python benchmarks/realtime.py [--seconds 60] [--period 256] [--no-load]

Starts a private `jackd -d dummy` at 44.1 kHz with the given period, keeps one core
busy with another process (unless --no-load), plays patterns/reference.toml for the
given time through `beatseq`'s live engine, and prints its DSP load (the share of real
time spent rendering), the xruns JACK reported, and the engine process's CPU and peak
memory. For scale it first measures the same seconds with a bare pyo client (a sine,
no Python running): the xruns this machine produces on its own.
Targets (issue 4): 0 xruns, DSP load under 10 %.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def busy(stop: float) -> None:
    while time.monotonic() < stop:
        pass


def baseline(seconds: float, name: str) -> int:
    """xruns during `seconds` of a bare pyo JACK client playing a sine."""
    code = f"""
import os, time
os.environ["PYO_GUI_WX"] = "0"
import pyo, jack
jack.set_error_function(lambda m: None); jack.set_info_function(lambda m: None)
monitor = jack.Client("baseline-monitor", no_start_server=True)
xruns = [0]
monitor.set_xrun_callback(lambda delay: xruns.__setitem__(0, xruns[0] + 1))
monitor.activate()
s = pyo.Server(sr=monitor.samplerate, nchnls=2, buffersize=monitor.blocksize, duplex=0,
               audio="jack", jackname="baseline")
s.setJackAuto(False, False); s.deactivateMidi(); s.setVerbosity(1); s.boot()
sine = pyo.Sine(440, mul=0.1).out()
s.start(); time.sleep(1.0); xruns[0] = 0
time.sleep({seconds})
print(xruns[0])
s.stop(); s.shutdown()
"""
    env = dict(os.environ, JACK_DEFAULT_SERVER=name)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=seconds + 60
    )
    return int(out.stdout.strip().splitlines()[-1])


def process_figures(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) and peak resident memory (MB) of a process."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    peak = 0.0
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return cpu, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--period", type=int, default=256)
    parser.add_argument("--no-load", action="store_true", help="no busy core")
    parser.add_argument("--song", type=Path, default=ROOT / "patterns" / "reference.toml")
    args = parser.parse_args()

    from beatseq.engine import protocol as p
    from beatseq.engine.client import EngineClient
    from beatseq.formats.songfile import load_song

    name = f"beatseq-bench-{os.getpid()}"
    os.environ["JACK_DEFAULT_SERVER"] = name
    os.environ["JACK_NO_AUDIO_RESERVATION"] = "1"
    server = subprocess.Popen(
        ["jackd", "-n", name, "-d", "dummy", "-r", "44100", "-p", str(args.period)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    hog = None
    try:
        time.sleep(1.0)
        print(
            f"JACK dummy, 44100 Hz, {args.period}-frame period, {args.seconds:g} s each,"
            f" {'one core kept busy' if not args.no_load else 'no extra load'}"
        )
        if not args.no_load:
            stop = time.monotonic() + args.seconds * 2 + 60
            hog = multiprocessing.get_context("spawn").Process(target=busy, args=(stop,))
            hog.start()
        floor = baseline(args.seconds, name)
        print(f"bare pyo client (a sine):  xruns {floor}")
        song = load_song(args.song)
        with EngineClient(p.EngineOptions(audio="jack")) as engine:
            pid = engine._process.pid
            engine.send(p.Load(song))
            engine.send(p.Play())
            time.sleep(1.0)
            engine.reports()
            start_xruns = engine.status.xruns if engine.status else 0
            cpu_before, _ = process_figures(pid)
            loads: list[float] = []
            started = time.monotonic()
            while time.monotonic() - started < args.seconds:
                for report in engine.reports(0.1):
                    if isinstance(report, p.Status):
                        loads.append(report.dsp_load)
            elapsed = time.monotonic() - started
            cpu_after, peak = process_figures(pid)
            status = engine.status
            assert status is not None
            xruns = status.xruns - start_xruns
            print(
                f"beatseq engine:            xruns {xruns}  DSP load max {max(loads) * 100:.1f} %"
                f" mean {sum(loads) / len(loads) * 100:.1f} %  engine CPU"
                f" {(cpu_after - cpu_before) / elapsed * 100:.1f} % of a core"
                f"  peak memory {peak:.0f} MB  (bar {status.bar}, {status.section})"
            )
    finally:
        if hog is not None:
            hog.terminate()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
