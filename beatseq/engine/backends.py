"""Audio backends: finding JACK and PortAudio devices, and starting pyo on one safely.

pyo with PortAudio and no output device segfaults in `boot()`, and pyo with JACK and
no server waits six seconds and then fails quietly; so both are checked here first,
and what is wrong becomes one clear BeatseqError that says what to do. JACK's own
messages (it prints to stderr) are silenced; a small JACK client of our own watches
the server for xruns and for it going away.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from beatseq.engine.protocol import EngineOptions
from beatseq.errors import BeatseqError

NO_JACK = (
    "no JACK server is running: start one (for example `jackd -d alsa`, or"
    " `jackd -d dummy` without a sound card), or play with --audio portaudio"
)
NO_DEVICE = (
    "no audio output device found (PortAudio): connect one, or use --audio jack with a"
    " running JACK server"
)


@dataclass
class Opened:
    server: Any
    device: str
    sample_rate: int
    buffer_size: int
    monitor: Any = None
    """A JACK client watching the server (xruns, shutdown, DSP load), or None."""


def import_pyo() -> Any:
    os.environ.setdefault("PYO_GUI_WX", "0")
    import pyo

    return pyo


def import_jack() -> Any:
    try:
        import jack
    except (ImportError, OSError):
        raise BeatseqError(
            "JACK support needs libjack (Debian: apt install jackd2) and the JACK-Client package"
        ) from None
    jack.set_error_function(lambda message: None)
    jack.set_info_function(lambda message: None)
    return jack


def jack_monitor(name: str = "beatseq-monitor") -> Any:
    """A JACK client on the running server, or BeatseqError if there is none."""
    jack = import_jack()
    try:
        return jack.Client(name, no_start_server=True)
    except jack.JackOpenError:
        raise BeatseqError(NO_JACK) from None


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence C libraries that print to stderr (ALSA probing every card it knows)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def portaudio_outputs() -> tuple[list[tuple[int, str]], int]:
    """PortAudio output devices (index, name) and the default's index (-1: none)."""
    pyo = import_pyo()
    with quiet_stderr():
        names, indexes = pyo.pa_get_output_devices()
        default = int(pyo.pa_get_default_output())
    return list(zip(indexes, names, strict=True)), default


def open_server(options: EngineOptions) -> Opened:
    """A booted (not started) pyo server for `options`; raises BeatseqError."""
    pyo = import_pyo()
    if options.audio == "jack":
        monitor = jack_monitor()
        rate, size = int(monitor.samplerate), int(monitor.blocksize)
        server = pyo.Server(
            sr=rate, nchnls=2, buffersize=size, duplex=0, audio="jack", jackname="beatseq"
        )
        server.setJackAuto(False, False)
        device = "JACK"
    elif options.audio == "portaudio":
        outputs, default = portaudio_outputs()
        index = default if options.device is None else options.device
        known = dict(outputs)
        if index < 0 or index not in known:
            if options.device is not None:
                listing = ", ".join(f"{i}: {n}" for i, n in outputs) or "none"
                raise BeatseqError(f"no audio output device {options.device} (devices: {listing})")
            raise BeatseqError(NO_DEVICE)
        rate, size = options.sample_rate, options.buffer_size
        server = pyo.Server(sr=rate, nchnls=2, buffersize=size, duplex=0, audio="portaudio")
        server.setOutputDevice(index)
        device, monitor = known[index], None
    else:
        rate, size = options.sample_rate, options.buffer_size
        server = pyo.Server(sr=rate, nchnls=2, buffersize=size, duplex=0, audio="manual")
        device, monitor = "manual", None
    server.deactivateMidi()
    server.setVerbosity(1)
    with quiet_stderr():
        server.boot()
    if not server.getIsBooted():
        if monitor is not None:
            monitor.close()
        raise BeatseqError(f"the audio server did not start ({device})")
    return Opened(server, device, rate, size, monitor)


def describe_devices() -> list[str]:
    """What `beatseq devices` prints: the JACK server and the PortAudio outputs."""
    lines = []
    try:
        client = jack_monitor("beatseq-devices")
    except BeatseqError as err:
        lines.append(f"JACK: {err.detail}")
    else:
        ports = [p.name for p in client.get_ports(is_physical=True, is_input=True, is_audio=True)]
        lines.append(
            f"JACK: running at {client.samplerate} Hz, {client.blocksize} frames;"
            f" playback ports: {', '.join(ports) or 'none'}"
        )
        client.close()
    outputs, default = portaudio_outputs()
    if not outputs:
        lines.append("PortAudio: no output devices")
    for index, name in outputs:
        mark = " (default)" if index == default else ""
        lines.append(f"PortAudio {index}: {name}{mark}")
    return lines
