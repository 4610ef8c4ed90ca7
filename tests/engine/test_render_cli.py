"""`beatseq render`: the files it writes, its report, its options and its errors."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from beatseq.cli import main
from beatseq.compile import compile_song
from beatseq.formats.songfile import load_song

ROOT = Path(__file__).parents[2]
BOOM = str(ROOT / "patterns" / "boom-bap.toml")
TRAP = str(ROOT / "patterns" / "trap.toml")


def run(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_render_a_section_to_wav(capsys, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "render", BOOM, "--section", "verse")
    assert code == 0 and err == ""  # no progress bar when stderr is not a terminal
    info = soundfile.info(str(tmp_path / "boom-bap-verse.wav"))
    assert (info.samplerate, info.channels, info.subtype) == (44100, 2, "PCM_24")
    song = load_song(BOOM).only_section("verse")
    assert info.frames >= compile_song(song).length_samples  # plus the last tail
    assert out.startswith("wrote boom-bap-verse.wav: 0:")
    assert (
        "24-bit 44100 Hz WAV, peak -" in out and " dBFS, -" in out and out.rstrip().endswith("LUFS")
    )


@pytest.mark.parametrize(
    ("args", "subtype", "rate"),
    [
        (["--format", "flac", "--bit-depth", "16"], "PCM_16", 44100),
        (["--bit-depth", "32f", "--sample-rate", "48000"], "FLOAT", 48000),
        (["--sample-rate", "96000"], "PCM_24", 96000),
    ],
)
def test_formats_depths_and_rates(capsys, tmp_path: Path, args, subtype: str, rate: int) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / ("x.flac" if "flac" in args else "x.wav")
    assert run(capsys, "render", TRAP, "--pattern", "low-hook", "-o", str(out), *args)[0] == 0
    info = soundfile.info(str(out))
    assert (info.subtype, info.samplerate) == (subtype, rate)


def test_the_same_song_and_seed_give_the_same_bytes(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    files = []
    for name in ("a", "b"):
        for ext, depth in (("wav", "16"), ("flac", "24"), ("wav", "32f")):
            path = tmp_path / f"{name}-{depth}.{ext}"
            run(capsys, "render", BOOM, "--section", "hook", "-o", str(path), "--bit-depth", depth)
            files.append(path.read_bytes())
    assert files[:3] == files[3:]
    # nothing in a float WAV changes from run to run: no PEAK chunk, which libsndfile
    # stamps with the time it was written (two runs in the same second would not show it)
    assert b"PEAK" not in files[2][: files[2].index(b"data")]
    other = tmp_path / "c.wav"
    run(
        capsys,
        "render",
        BOOM,
        "--section",
        "hook",
        "-o",
        str(other),
        "--bit-depth",
        "16",
        "--seed",
        "12345",
    )
    assert other.read_bytes() != files[0]


def test_stems_line_up_and_sum_to_the_mix(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mix_path = tmp_path / "mix.wav"
    code, out, _ = run(
        capsys,
        "render",
        TRAP,
        "--section",
        "hook",
        "-o",
        str(mix_path),
        "--stems",
        str(tmp_path / "stems"),
        "--bit-depth",
        "32f",
    )
    assert code == 0
    stems = sorted((tmp_path / "stems").glob("*.wav"))
    names = [p.name for p in stems]
    assert names[0].startswith("01-") and all(f"  stem {p}" in out for p in stems)
    mix, _ = soundfile.read(str(mix_path))
    total = sum(soundfile.read(str(p))[0] for p in stems)
    assert all(soundfile.info(str(p)).frames == mix.shape[0] for p in stems)
    assert 20 * np.log10(np.max(np.abs(total - mix)) / np.max(np.abs(mix))) < -60


def test_loop_is_exactly_the_section_long(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "loop.wav"
    assert run(capsys, "render", TRAP, "--section", "hook", "--loop", "-o", str(path))[0] == 0
    song = load_song(TRAP).only_section("hook")
    assert soundfile.info(str(path)).frames == compile_song(song).length_samples


def test_a_long_tail_is_capped_and_faded(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    long = tmp_path / "drone.wav"
    soundfile.write(str(long), np.full(44100 * 30, 0.3, dtype=np.float32), 44100)
    song = tmp_path / "s.toml"
    song.write_text(
        '[song]\nbpm = 120\n[kit.drone]\nsample = "drone.wav"\n[patterns.a]\ndrone = "x..."\n'
    )
    out = tmp_path / "o.wav"
    assert run(capsys, "render", str(song), "-o", str(out), "--bit-depth", "32f")[0] == 0
    audio, _ = soundfile.read(str(out))
    assert audio.shape[0] == 22050 + 10 * 44100  # a beat at 120 BPM, then the 10 s cap
    assert audio[-1, 0] == 0.0 and audio[-2206, 0] > 0.2


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--format", "flac", "--bit-depth", "32f"], 1, "FLAC holds 16 or 24 bit integers"),
        (["-o", "x.mp3"], 1, "cannot tell the format from x.mp3"),
        (["--section", "nope"], 1, "no section 'nope'"),
    ],
)
def test_errors(capsys, tmp_path: Path, monkeypatch, args, code: int, message: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    got, _, err = run(capsys, "render", BOOM, *args)
    assert got == code and message in err and err.count("\n") == 1


def test_a_missing_sound_stops_the_render_unless_allowed(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    song = ROOT / "tests" / "fixtures" / "songs" / "invalid" / "missing-sample.toml"
    out = tmp_path / "m.wav"
    code, _, err = run(capsys, "render", str(song), "-o", str(out))
    assert code == 1 and "sample file not found" in err and not out.exists()
    code, _, err = run(capsys, "render", str(song), "-o", str(out), "--allow-missing")
    assert code == 0 and "warning:" in err and out.exists()


def test_bad_sample_rate_is_a_usage_error():
    result = subprocess.run(
        [sys.executable, "-m", "beatseq", "render", BOOM, "--sample-rate", "22050"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "invalid choice: 22050" in result.stderr
