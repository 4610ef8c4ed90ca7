"""The render's compiled kernels (`_kernels.c`, built at install by `hatch_build.py`),
loaded with ctypes, and what runs when they are not there.

`kernels` is the library, or None: no C compiler at install, a library older than
`_kernels.c` or built from another version of it, or `BEATSEQ_KERNELS=numpy` in the
environment. Callers keep their numpy code as the fallback and ask `kernels` first:
the hit loop (`mixer.TrackRenderer`, `mixer.Mixer` for runs of tracks), the limiter
(`master.Limiter`), biquad cascades (`dsp.LinearStream`: the effects' filters), the
loudness meter and 24-bit packing (`formats.audio`); tests set `kernels` to None in
those modules to compare both. This module only loads the library and turns arrays
into the pointers and sizes the C functions take.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path
from typing import Any

import numpy as np

VERSION = 6
"""The `_kernels.c` this code calls (its KERNELS_VERSION)."""

_I64 = ctypes.c_int64
_PTR = ctypes.c_void_p
_F32 = ctypes.c_float
_F64 = ctypes.c_double
_HITS = [_PTR, _I64, _I64, _I64, _I64, _I64, _PTR, _PTR, _PTR, _PTR, _PTR, _PTR, _PTR]
_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "bs_add_hits": (
        ctypes.c_double,
        [*_HITS, _PTR, _I64, ctypes.c_int, _PTR, _PTR, _PTR, ctypes.c_int],
    ),
    "bs_add_tracks": (None, [_PTR, _I64, _I64, _I64, _I64, _PTR]),
    "bs_chunk_peaks": (None, [_PTR, _I64, _I64, _I64, _PTR]),
    "bs_limit": (None, [_PTR, _I64, _I64, _PTR, _I64, _I64, _PTR, _PTR]),
    "bs_biquads_f32": (None, [_PTR, _I64, _I64, _I64, _I64, _PTR, _I64, _PTR, _PTR]),
    "bs_biquads_f64": (None, [_PTR, _I64, _I64, _I64, _I64, _PTR, _I64, _PTR, _PTR]),
    "bs_pack24": (None, [_PTR, _I64, _PTR]),
    "bs_weigh": (_I64, [_PTR, _I64, _PTR, _I64, _PTR, _I64, _PTR, _PTR, _PTR]),
    "bs_reverb": (None, [_PTR, _I64, _I64, _PTR, _I64, _PTR, _PTR, _PTR]),
    "bs_svf": (None, [_PTR, _I64, _PTR, _I64, _PTR]),
    "bs_power": (None, [_PTR, _I64, _I64, _PTR]),
    "bs_strip": (
        _F32,
        [_PTR, _I64, _I64, _I64, _PTR, _PTR, _I64, _PTR, _PTR, _I64, _PTR, _PTR, _PTR, _I64],
    ),
    "bs_delay": (None, [_PTR, _I64, _I64, _PTR, _I64, _PTR, _I64, _PTR, _F32, _F32, _F64, _PTR]),
}


def _load() -> ctypes.CDLL | None:
    if os.environ.get("BEATSEQ_KERNELS", "").lower() == "numpy":
        return None
    path = Path(__file__).with_name("_kernels.so")
    source = path.with_name("_kernels.c")
    try:
        if source.stat().st_mtime > path.stat().st_mtime:
            return None  # _kernels.c edited since: `python hatch_build.py` rebuilds it
    except FileNotFoundError:
        if not path.exists():
            return None
    try:
        library = ctypes.CDLL(str(path))
        if library.bs_version() != VERSION:
            return None  # built from another _kernels.c: reinstall (or hatch_build.py)
        for name, (result, arguments) in _SIGNATURES.items():
            function = getattr(library, name)
            function.restype = result
            function.argtypes = arguments
    except (OSError, AttributeError):
        return None
    return library


kernels = _load()


def address(array: np.ndarray) -> int:
    """Where `array`'s first element lies (it must stay alive while C uses it)."""
    return int(array.__array_interface__["data"][0])


def chunk_peaks(audio: np.ndarray, chunks: int, k: int) -> np.ndarray:
    """The largest magnitude of each of the first `chunks` chunks of `k` frames of a
    float32 (2, frames) block whose frames are contiguous."""
    peaks = np.empty(chunks, dtype=np.float32)
    if kernels is None or audio.dtype != np.float32 or audio.strides[1] != 4:
        peaks[:] = np.max(np.abs(audio[:, : chunks * k]).reshape(2, chunks, k), axis=(0, 2))
        return peaks
    kernels.bs_chunk_peaks(address(audio), audio.strides[0] // 4, chunks, k, address(peaks))
    return peaks


def pack24(samples: np.ndarray) -> np.ndarray | None:
    """Little-endian 24-bit PCM bytes of float32 samples in [-1, 1], in C order, or
    None without the kernels."""
    if kernels is None or samples.dtype != np.float32:
        return None
    flat = np.ascontiguousarray(samples)
    out = np.empty(flat.size * 3, dtype=np.uint8)
    kernels.bs_pack24(address(flat), flat.size, address(out))
    return out
