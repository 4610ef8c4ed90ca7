"""Benchmark: `beatseq render` from two checkouts in turn, to see what a change gained.

    git worktree add --detach /tmp/before <commit>   # and build its kernels there:
    (cd /tmp/before && python hatch_build.py)
    python benchmarks/compare.py /tmp/before . [--song patterns/reference.toml] [--pairs 12]

This machine's speed drifts by a third from minute to minute, so two runs minutes apart
say little; runs taken in turn, in shuffled order, do. Each checkout's command runs as
`python -P -c "...cli.run()"` with PYTHONPATH set to it, from a temporary folder: with
`-c` or `-m` Python puts the current folder first on the path, so a run started from
inside a checkout imports that checkout whatever PYTHONPATH says. Prints, for each
checkout, the medians of wall time and CPU time (user + system), and how often the
second was faster than the first in the same pair.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = "import sys; sys.argv[0] = 'beatseq'; from beatseq.cli import run; run()"


def timed(tree: Path, song: Path, output: Path, folder: str) -> tuple[float, float]:
    """Wall and CPU seconds of one `beatseq render` from `tree`."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(tree)
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-P", "-c", RUN, "render", str(song), "-o", str(output)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if status:
        raise SystemExit(f"compare: the render from {tree} failed (status {status})")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path, help="a checkout, e.g. the commit before")
    parser.add_argument("second", type=Path, help="another checkout, e.g. this one")
    parser.add_argument("--song", type=Path, default=ROOT / "patterns" / "reference.toml")
    parser.add_argument("--pairs", type=int, default=12)
    args = parser.parse_args()
    trees = [args.first.resolve(), args.second.resolve()]
    for tree in trees:
        if not (tree / "beatseq" / "__init__.py").exists():
            raise SystemExit(f"compare: {tree} is not a beatseq checkout")
    song = args.song.resolve()
    results: list[list[tuple[float, float]]] = [[], []]
    with tempfile.TemporaryDirectory() as folder:
        for pair in range(args.pairs + 1):  # the first pair warms the caches, uncounted
            order = [0, 1]
            random.shuffle(order)
            for which in order:
                run = timed(trees[which], song, Path(folder) / f"{which}.wav", folder)
                if pair:
                    results[which].append(run)
    for tree, runs in zip(trees, results, strict=True):
        walls, cpus = zip(*runs, strict=True)
        print(
            f"{tree}: wall {statistics.median(walls):.3f} s (from {min(walls):.3f}),"
            f" CPU {statistics.median(cpus):.3f} s"
        )
    faster = sum(b[0] < a[0] for a, b in zip(*results, strict=True))
    diff = statistics.median(b[0] - a[0] for a, b in zip(*results, strict=True))
    print(
        f"second against first, pair by pair: {diff * 1000:+.0f} ms median,"
        f" faster in {faster} of {args.pairs}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
