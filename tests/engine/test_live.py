"""The live engine in its own process: on pyo's manual server (deterministic), and on a
JACK dummy server (real time, no sound card)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile

from beatseq.compile import compile_song
from beatseq.engine import protocol as p
from beatseq.engine.client import EngineClient
from beatseq.engine.live import LEAD_FRAMES, RENDER_BLOCK
from beatseq.engine.protocol import Selection
from beatseq.engine.render import render_audio
from beatseq.errors import BeatseqError
from beatseq.formats.songfile import load_song
from beatseq.formats.steps import parse_steps
from tests.engine.conftest import clear_stale_jack, onsets
from tests.helpers import pattern, song

ROOT = Path(__file__).parents[2]
RATE = 44100


def _advance(engine: EngineClient, buffers: int) -> p.Status:
    """Process `buffers` on the manual server; the status once they have played."""
    before = engine.status.frames if engine.status is not None else 0
    engine.send(p.Advance(buffers))
    report = engine.wait_for(
        lambda r: isinstance(r, p.Status) and r.frames >= before + buffers * 256, 30
    )
    assert isinstance(report, p.Status)
    return report


@pytest.fixture
def manual(tmp_path: Path):  # type: ignore[no-untyped-def]
    capture = tmp_path / "capture.wav"
    engine = EngineClient(p.EngineOptions(audio="manual", capture=str(capture), buffer_size=256))
    engine.start()
    yield engine, capture
    engine.close()


def _captured(engine: EngineClient, capture: Path) -> np.ndarray:
    engine.close()  # the capture file is complete once the engine is down
    audio, _ = soundfile.read(str(capture), dtype="float32")
    return audio


def test_the_engine_plays_what_render_writes(manual) -> None:  # type: ignore[no-untyped-def]
    engine, capture = manual
    s = load_song(ROOT / "patterns" / "boom-bap.toml").only_section("hook")
    engine.send(p.Load(s))
    engine.send(p.Play())
    status = _advance(engine, 4 * RATE // 256)
    assert status.playing and status.section == "hook" and status.bar == 2
    live = _captured(engine, capture)
    offline = render_audio(s, RATE).mix
    start = onsets(live)[0]
    n = min(live.shape[0] - start, 3 * RATE)
    error = np.max(np.abs(live[start : start + n] - offline[onsets(offline)[0] :][:n]))
    assert error < 1e-3 * np.max(np.abs(offline))  # better than -60 dB (in fact ~-120)


def test_the_engine_plays_effects_as_render_writes_them(manual) -> None:  # type: ignore[no-untyped-def]
    from beatseq.model.effects import Compressor, Crush, Delay, Duck, Effects, Eq, Filter, Mix

    engine, capture = manual
    s = load_song(ROOT / "patterns" / "boom-bap.toml").only_section("hook")
    fx = {
        "kick": Effects(eq=Eq(low=4.0), comp=Compressor(threshold=-20.0)),
        "snare": Effects(filter=Filter("bandpass", 1500.0, 0.3), reverb=-8.0, delay=-14.0),
        "closed-hat": Effects(crush=Crush(bits=8.0, rate=22050.0), drive=0.4),
        "crash": Effects(duck=Duck(by="kick", amount=8.0, release=120.0), reverb=-6.0),
    }
    kit = s.kit
    for name, effects in fx.items():
        kit = kit.with_instrument(replace(kit[name], fx=effects))
    mix = Mix(delay=Delay(time="1/8d"), glue=Compressor(threshold=-24.0, ratio=2.0))
    s = replace(s, kit=kit, mix=mix)
    engine.send(p.Load(s))
    engine.send(p.Play())
    _advance(engine, 4 * RATE // 256)
    live = _captured(engine, capture)
    offline = render_audio(s, RATE).mix
    start = onsets(live)[0]
    n = min(live.shape[0] - start, 3 * RATE)
    error = np.max(np.abs(live[start : start + n] - offline[onsets(offline)[0] :][:n]))
    assert error < 1e-3 * np.max(np.abs(offline))  # better than -60 dB (in fact ~-120)


def test_changes_while_playing_are_heard_where_promised(manual, clicks) -> None:  # type: ignore[no-untyped-def]
    engine, capture = manual
    beat = pattern("beat", kick="x...x...x...x...", hat="..x...x...x...x.")
    s = clicks(song(beat, bpm=120), velocity_curve=0.0, gain=-6.0)
    engine.send(p.Load(s, Selection("pattern", "beat", loop=True)))
    engine.send(p.Play())
    first = _advance(engine, 100).frames  # 25600 frames: just past beat 2
    kick = beat.track("kick")
    assert kick is not None
    edited = s.with_pattern(beat.with_track(replace(kick, steps=parse_steps("xxxxxxxxxxxxxxxx"))))
    engine.send(p.Load(edited, Selection("pattern", "beat", loop=True)))
    second = _advance(engine, 200).frames
    engine.send(p.SetChannel("hat", mute=True))
    third = _advance(engine, 200).frames
    engine.send(p.SetTempo(60))
    _advance(engine, 800)
    live = _captured(engine, capture)
    start = onsets(live)[0]  # the program's first frame (the first kick)
    hits = [f - start for f in onsets(live)]
    # a change is heard from the first step the engine renders after taking it: at
    # most a render block (plus the ring's one-buffer lead here) after the command
    soon = RENDER_BLOCK + 256

    def frame(played: int) -> int:  # a status's frame count, as a frame of the program
        return played - start

    def step(k: int) -> int:  # 16th k at 120 BPM: 5512.5 frames apart, rounded half up
        return (11025 * k + 1) // 2

    # before the edit: kicks on the beats, hats between; after it, every 16th
    odd = [h for h in hits if any(h == step(k) for k in range(1, 40, 2))]
    edited_from = min(h for h in odd if h > step(3))
    assert frame(first) <= edited_from <= frame(first) + soon + step(1)
    assert [h for h in hits if h < edited_from] == [step(0), step(2), step(4)][
        : len([h for h in hits if h < edited_from])
    ]
    k0 = next(k for k in range(64) if step(k) == edited_from)
    after = [h for h in hits if edited_from <= h < frame(second)]
    assert after == [step(k) for k in range(k0, k0 + len(after))]
    # the hat goes quiet at once: after the mute only the kick's level is left
    after_mute = [f for f in onsets(live) if third + soon + 512 < f < third + 100_000]
    assert {round(float(live[f, 0]), 4) for f in after_mute} == {round(10 ** (-6 / 20), 4)}
    # from the tempo change on, 16ths are twice as long
    late = [h for h in hits if h > frame(third) + RATE // 2]
    assert set(np.diff(late[:8]).tolist()) == {11025}  # 60 BPM: a 16th is a quarter second


def test_record_writes_exactly_what_played(manual, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, capture = manual
    take = tmp_path / "take.wav"
    engine.send(p.Load(load_song(ROOT / "patterns" / "trap.toml"), Selection("section", "hook")))
    engine.send(p.Record(str(take)))
    engine.send(p.Play())
    status = _advance(engine, 300)
    assert status.recording == str(take)
    engine.send(p.Record(None))
    _advance(engine, 1)
    played = _captured(engine, capture)
    recorded, rate = soundfile.read(str(take), dtype="float32")
    assert rate == RATE
    # the take starts with the first block rendered after the command: line them up
    offset = onsets(played)[0] - onsets(recorded)[0]
    n = min(recorded.shape[0], played.shape[0] - offset)
    assert n > 200 * 256
    # the same samples (pyo's float path may round the last bit)
    assert np.max(np.abs(recorded[:n] - played[offset : offset + n])) < 1e-6


def test_problems_are_reported_and_the_engine_goes_on(manual) -> None:  # type: ignore[no-untyped-def]
    engine, _ = manual
    s = load_song(ROOT / "patterns" / "boom-bap.toml")
    engine.send(p.Load(s))
    engine.send(p.Queue(Selection("section", "bridge-that-is-not-there")))
    problem = engine.wait_for(lambda r: isinstance(r, p.Problem), 10)
    assert isinstance(problem, p.Problem) and not problem.fatal
    assert "no section 'bridge-that-is-not-there'" in problem.message
    engine.send(p.Play())
    assert _advance(engine, 10).playing


def test_shutdown_ends_the_process() -> None:
    engine = EngineClient(p.EngineOptions(audio="manual"))
    engine.start()
    process = engine._process
    engine.close()
    assert engine.finished and not process.is_alive()


# JACK ----------------------------------------------------------------------------------

JACKD = shutil.which("jackd")
needs_jack = pytest.mark.skipif(JACKD is None, reason="jackd is not installed (apt install jackd2)")


@pytest.fixture
def jack_server(monkeypatch):  # type: ignore[no-untyped-def]
    """A private JACK server on the dummy backend (no sound card), stopped after."""
    name = f"beatseq-test-{os.getpid()}"
    monkeypatch.setenv("JACK_DEFAULT_SERVER", name)
    monkeypatch.setenv("JACK_NO_AUDIO_RESERVATION", "1")
    clear_stale_jack()
    server = subprocess.Popen(
        [JACKD, "-n", name, "-d", "dummy", "-r", str(RATE), "-p", "1024"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if subprocess.run(["jack_lsp"], capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    else:
        server.kill()
        pytest.fail("the JACK dummy server did not start")
    yield server
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()


def _play_seconds(engine: EngineClient, seconds: float) -> p.Status:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        engine.reports(0.05)
    assert engine.status is not None
    return engine.status


@needs_jack
def test_jack_playback_is_sample_exact_and_equals_the_render(
    jack_server, clicks, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from tests.engine.test_exactness import _groove_song

    s = clicks(_groove_song(), velocity_curve=0.0, gain=-6.0)
    take = tmp_path / "take.wav"
    heard = tmp_path / "jack.wav"
    with EngineClient(p.EngineOptions(audio="jack")) as engine:
        assert engine.ready is not None and engine.ready.sample_rate == RATE
        capture = subprocess.Popen(
            ["jack_rec", "-f", str(heard), "-d", "6", "beatseq:output_1", "beatseq:output_2"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)
        engine.send(p.Load(s))
        engine.send(p.Record(str(take)))
        engine.send(p.Play())
        status = _play_seconds(engine, 4)
        assert status.playing and status.xruns < 5
        engine.send(p.Record(None))
        capture.wait(timeout=15)
    timeline = compile_song(s, RATE)
    expected = sorted({e.sample for e in timeline.events})
    offline = render_audio(s, RATE).mix
    for path in (take, heard):
        audio, rate = soundfile.read(str(path), dtype="float32")
        assert rate == RATE
        found = onsets(audio)
        start = found[0] - expected[0]
        inside = [f - start for f in found if f - start < expected[-1] + 1]
        in_range = [e for e in expected if e + start < audio.shape[0]]
        assert inside[: len(in_range)] == in_range, path.name  # every onset on its frame
        n = min(audio.shape[0] - start, offline.shape[0])
        error = np.max(np.abs(audio[start : start + n] - offline[:n]))
        assert error < 1e-3 * np.max(np.abs(offline)), path.name  # -60 dB or better


@needs_jack
def test_a_change_is_heard_within_the_lead(jack_server, clicks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    beat = pattern("beat", kick="x...x...x...x...", hat="xxxxxxxxxxxxxxxx")
    s = clicks(song(beat, bpm=120), velocity_curve=0.0, gain=-6.0)
    s = replace(s, kit=s.kit.with_instrument(replace(s.kit["hat"], gain=-12.0)))
    take = tmp_path / "take.wav"
    with EngineClient(p.EngineOptions(audio="jack")) as engine:
        engine.send(p.Load(s, Selection("pattern", "beat", loop=True)))
        engine.send(p.Record(str(take)))
        engine.send(p.Play())
        _play_seconds(engine, 1.5)
        engine.send(p.SetChannel("hat", mute=True))
        at = _play_seconds(engine, 0.2).frames  # a status after the engine took the mute
        _play_seconds(engine, 1.0)
        engine.send(p.Record(None))
        _play_seconds(engine, 0.2)
    audio, _ = soundfile.read(str(take), dtype="float32")
    hat_level = 10 ** (-12 / 20)
    hats = [f for f in onsets(audio) if abs(audio[f, 0] - hat_level) < 1e-4]  # alone
    last_hat = max(hats)
    # the take starts when recording began, so measure from its end backwards
    played_after = audio.shape[0] - last_hat
    assert played_after > RATE * 0.9  # nothing of the hat in the last second
    assert at > 0 and LEAD_FRAMES + 2 * RENDER_BLOCK < RATE


@needs_jack
def test_losing_the_jack_server_stops_the_engine_cleanly(jack_server) -> None:  # type: ignore[no-untyped-def]
    s = load_song(ROOT / "patterns" / "trap.toml")
    engine = EngineClient(p.EngineOptions(audio="jack"))
    engine.start()
    try:
        engine.send(p.Load(s))
        engine.send(p.Play())
        _play_seconds(engine, 1.0)
        jack_server.kill()
        started = time.monotonic()
        with pytest.raises(BeatseqError, match="JACK server went away|the audio stopped"):
            engine.wait_for(lambda r: False, timeout=10)
        assert time.monotonic() - started < 5
    finally:
        engine.close()
    assert engine.finished


def test_no_jack_server_is_a_clear_error(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if JACKD is None:
        pytest.skip("libjack is not installed")
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "beatseq-no-such-server")
    engine = EngineClient(p.EngineOptions(audio="jack"))
    started = time.monotonic()
    with pytest.raises(BeatseqError) as caught:
        engine.start()
    assert str(caught.value).startswith("no JACK server is running: start one")
    assert time.monotonic() - started < 10


@needs_jack
def test_play_command_plays_to_the_end_and_records(jack_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import sys

    take = tmp_path / "take.wav"
    song_path = tmp_path / "short.toml"
    song_path.write_text(
        '[song]\nbpm = 120\n[kit]\nuse = "808"\n'
        '[patterns.a]\nkick = "x...x...x...x..."\nclosed-hat = "xxxxxxxxxxxxxxxx"\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "beatseq", "play", str(song_path), "--record", str(take)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"recorded {take}" in result.stdout
    assert ">   1 a" in result.stdout  # a status line a bar when piped
    audio, rate = soundfile.read(str(take))
    assert rate == RATE and audio.shape[0] >= 2 * RATE  # the bar, then silence to the end
    expected = render_audio(load_song(song_path), RATE).mix
    start, first = onsets(audio)[0], onsets(expected)[0]
    n = min(expected.shape[0] - first, audio.shape[0] - start)
    assert np.max(np.abs(audio[start : start + n] - expected[first : first + n])) < 1e-3


def test_play_without_jack_is_one_line(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sys

    if JACKD is None:
        pytest.skip("libjack is not installed")
    env = dict(os.environ, JACK_DEFAULT_SERVER="beatseq-no-such-server")
    result = subprocess.run(
        [sys.executable, "-m", "beatseq", "play", str(ROOT / "patterns" / "trap.toml")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("beatseq: error: no JACK server is running")
    assert result.stderr.count("\n") == 1


def test_buffers_rendered_too_late_are_counted_apart_from_the_servers_xruns() -> None:
    from types import SimpleNamespace

    from beatseq.engine.live import LEAD_FRAMES, Engine
    from beatseq.engine.player import Player

    class Host:
        """Stands in for the audio host: it has played `at` frames, and had 2 xruns."""

        ready = SimpleNamespace(buffer_size=256, sample_rate=RATE)
        at = 0

        def played(self) -> int:
            return self.at

        def write(self, at: int, block: np.ndarray) -> None:
            pass

        def xruns(self) -> int:
            return 2

    engine = Engine(None, p.EngineOptions(audio="jack"))  # type: ignore[arg-type]
    host = Host()
    engine.host, engine.player = host, Player(RATE)  # type: ignore[assignment]
    engine._pump()  # fills the lead
    assert (engine.status().xruns, engine.status().late) == (2, 0)
    host.at = LEAD_FRAMES + 1000  # the device ran 1000 frames past what was written
    engine._pump()
    status = engine.status()
    assert status.late == 4  # 1000 frames: four 256-frame buffers
    assert status.xruns == 2 + 4
