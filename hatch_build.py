"""Build hook: compiles beatseq's render kernels (`beatseq/engine/_kernels.c`) into a
shared library beside the source, for `pip install` and `pip install -e`.

The library is plain C loaded with ctypes (`beatseq.engine.native`), so it needs a C
compiler but no Python headers. Without a compiler the install still succeeds with a
warning, and beatseq runs the kernels' numpy versions (renders take about 1.7 times
as long). `python hatch_build.py` rebuilds it in place, after editing the C file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

try:
    from hatchling.builders.hooks.plugin.interface import (  # type: ignore[import-not-found]
        BuildHookInterface,
    )
except ImportError:  # run as a script, outside a build
    BuildHookInterface = object

SOURCE = Path("beatseq/engine/_kernels.c")
LIBRARY = Path("beatseq/engine/_kernels.so")
FLAGS = ["-O3", "-fPIC", "-shared", "-ffp-contract=off", "-fno-math-errno", "-Wall"]


def compile_kernels(root: Path) -> Path | None:
    """Compile the kernels into `root`'s source tree; None (with a warning) if it fails."""
    compiler = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    # built beside it, then renamed over it: a beatseq already running keeps its copy
    temporary = root / LIBRARY.with_suffix(".so.tmp")
    command = [*compiler.split()[:1], *FLAGS, "-o", str(temporary), str(root / SOURCE)]
    if shutil.which(command[0]) is None:
        print(f"beatseq: no C compiler ({command[0]}): using the numpy kernels", file=sys.stderr)
        return None
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        temporary.unlink(missing_ok=True)
        print(
            f"beatseq: compiling {SOURCE} failed, using the numpy kernels:\n{done.stderr}",
            file=sys.stderr,
        )
        return None
    os.replace(temporary, root / LIBRARY)
    return root / LIBRARY


class KernelsHook(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        built = compile_kernels(Path(self.root))
        if built is None or version == "editable":
            return  # an editable install imports beatseq from the source tree
        build_data["force_include"][str(built)] = str(LIBRARY)
        build_data["pure_python"] = False
        build_data["infer_tag"] = True


if __name__ == "__main__":
    sys.exit(0 if compile_kernels(Path(__file__).resolve().parent) else 1)
