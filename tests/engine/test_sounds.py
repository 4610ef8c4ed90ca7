"""Loading sounds: every format and depth, resampling, and clear errors for bad files."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile

from beatseq.engine.sounds import VoiceBank, _read_pcm_wav, instrument_sound, read_audio
from beatseq.errors import BeatseqError
from beatseq.model import Instrument
from tests.engine.conftest import write_sound

RATE = 44100


def _tone(seconds: float = 0.5, freq: float = 440.0, rate: int = RATE, channels: int = 1):
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.5 * np.sin(2 * np.pi * freq * t)
    return mono if channels == 1 else np.stack([mono, -mono], axis=1)


@pytest.mark.parametrize(
    ("suffix", "subtype"),
    [
        ("wav", "PCM_U8"),
        ("wav", "PCM_16"),
        ("wav", "PCM_24"),
        ("wav", "PCM_32"),
        ("wav", "FLOAT"),
        ("aiff", "PCM_16"),
        ("aiff", "PCM_24"),
        ("flac", "PCM_16"),
        ("flac", "PCM_24"),
        ("ogg", "VORBIS"),
        ("mp3", "MPEG_LAYER_III"),
    ],
)
def test_formats_and_depths_load(tmp_path: Path, suffix: str, subtype: str) -> None:
    path = tmp_path / f"tone.{suffix}"
    soundfile.write(str(path), _tone(), RATE, subtype=subtype)
    data = read_audio(str(path), RATE)
    assert data.dtype == np.float32 and data.shape[1] == 1
    assert abs(data.shape[0] - RATE / 2) < 2500  # lossy coders pad a little
    assert 0.3 < np.max(np.abs(data)) < 0.7


def test_stereo_and_other_rates_are_resampled_to_the_session(tmp_path: Path) -> None:
    path = write_sound(tmp_path / "s.wav", _tone(1.0, 1000.0, 22050, channels=2), 22050)
    data = read_audio(str(path), 48000)
    assert data.shape == (48000, 2)
    spectrum = np.abs(np.fft.rfft(data[:, 0]))
    assert abs(np.argmax(spectrum) * 48000 / 48000 - 1000) <= 1  # still 1 kHz
    assert np.allclose(data[1000:2000, 0], -data[1000:2000, 1], atol=1e-6)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "sample file not found"),
        (lambda p: p.write_bytes(b""), "is empty (0 bytes)"),
        (lambda p: p.write_bytes(b"this is not audio at all" * 10), "cannot read audio"),
    ],
)
def test_bad_files_name_themselves(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(BeatseqError) as caught:
        read_audio(str(path), RATE)
    assert str(caught.value).startswith(f"{path}: {message}")
    assert "\n" not in str(caught.value)


def test_a_truncated_file_says_so(tmp_path: Path) -> None:
    path = write_sound(tmp_path / "t.wav", _tone(1.0), subtype="PCM_16")
    path.write_bytes(path.read_bytes()[: 44 + 2 * 1000])  # header still promises 44100
    with pytest.raises(
        BeatseqError, match="is truncated: its header promises 44100 frames, it holds 1000"
    ):
        read_audio(str(path), RATE)
    flac = tmp_path / "t.flac"
    soundfile.write(str(flac), _tone(1.0), RATE, subtype="PCM_16")
    flac.write_bytes(flac.read_bytes()[: flac.stat().st_size // 2])
    with pytest.raises(BeatseqError, match="t.flac: cannot read audio"):
        read_audio(str(flac), RATE)


def test_sounds_are_read_once(tmp_path: Path) -> None:
    path = write_sound(tmp_path / "c.wav", _tone())
    assert read_audio(str(path), RATE) is read_audio(str(path), RATE)


def _instrument(path: Path, **settings: object) -> Instrument:
    return Instrument(name="x", sample=str(path), path=str(path), **settings)  # type: ignore[arg-type]


def test_trim_reverse_and_envelope(tmp_path: Path) -> None:
    ramp = np.linspace(0.1, 1.0, RATE).astype(np.float32)
    path = write_sound(tmp_path / "ramp.wav", ramp)
    trimmed = instrument_sound(_instrument(path, start=0.25, end=0.5), RATE).data[0]
    assert trimmed.shape[0] == RATE // 4
    assert trimmed[0] == pytest.approx(ramp[RATE // 4])
    assert trimmed[-1] == 0.0  # declicked where the trim cuts the wave
    backwards = instrument_sound(_instrument(path, reverse=True), RATE).data[0]
    assert backwards[0] == pytest.approx(1.0) and backwards[-1] == 0.0
    shaped = instrument_sound(_instrument(path, attack=10.0, hold=100.0, decay=200.0), RATE).data[0]
    assert shaped[0] == 0.0 and shaped[441] == pytest.approx(ramp[441], rel=1e-4)
    end_of_hold = round(0.11 * RATE)
    assert shaped[end_of_hold] == pytest.approx(ramp[end_of_hold], rel=1e-3)
    # -60 dB, 200 ms into the decay, where the sound ends
    assert shaped.shape[0] == end_of_hold + round(0.2 * RATE)
    assert shaped[end_of_hold + round(0.1 * RATE)] == pytest.approx(
        ramp[end_of_hold + round(0.1 * RATE)] * 10 ** (-1.5), rel=1e-3
    )


def _frequency(data: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(data * np.hanning(data.shape[0])))
    return float(np.argmax(spectrum) * RATE / data.shape[0])


def test_pitch_repitches_by_semitones(tmp_path: Path) -> None:
    path = write_sound(tmp_path / "a.wav", _tone(1.0, 220.0))
    up = instrument_sound(_instrument(path, pitch=12.0), RATE)
    assert up.frames == RATE // 2  # an octave up plays twice as fast
    assert _frequency(up.data[0]) == pytest.approx(440, abs=3)
    bank = VoiceBank(instrument_sound(_instrument(path), RATE))
    assert _frequency(bank.data(-12)[0]) == pytest.approx(110, abs=2)
    assert _frequency(bank.data(7)[0]) == pytest.approx(220 * 2 ** (7 / 12), abs=3)


def test_filters_cut_where_they_are_set(tmp_path: Path) -> None:
    noise = np.random.default_rng(0).standard_normal(RATE * 2).astype(np.float32) * 0.2
    path = write_sound(tmp_path / "n.wav", noise)
    plain = VoiceBank.of(_instrument(path), RATE).data(0)[0]
    low = VoiceBank.of(_instrument(path, lowpass=1000.0), RATE).data(0)[0]
    high = VoiceBank.of(_instrument(path, highpass=1000.0), RATE).data(0)[0]

    def band(signal: np.ndarray, lo: float, hi: float) -> float:
        spectrum = np.abs(np.fft.rfft(signal[: RATE * 2])) ** 2
        freqs = np.fft.rfftfreq(RATE * 2, 1 / RATE)
        return float(spectrum[(freqs >= lo) & (freqs < hi)].sum())

    def gain_db(filtered: np.ndarray, lo: float, hi: float) -> float:
        return 10 * np.log10(band(filtered, lo, hi) / band(plain, lo, hi))

    assert gain_db(low, 900, 1100) == pytest.approx(-3, abs=1)  # Butterworth: -3 dB at cutoff
    assert gain_db(low, 3800, 4200) == pytest.approx(-24, abs=2)  # 12 dB/octave, 2 octaves
    assert gain_db(low, 100, 200) == pytest.approx(0, abs=0.3)
    assert gain_db(high, 900, 1100) == pytest.approx(-3, abs=1)
    assert gain_db(high, 230, 270) == pytest.approx(-24, abs=2)


def test_a_missing_sound_file_is_an_error_unless_allowed(tmp_path: Path) -> None:
    from beatseq.engine.render import render_audio
    from tests.helpers import pattern, song

    s = song(pattern(kick="x..."))
    ghost = replace(s.kit["kick"], sample="gone.wav", path=str(tmp_path / "gone.wav"))
    with pytest.raises(BeatseqError, match="gone.wav: sample file not found"):
        render_audio(replace(s, kit=s.kit.with_instrument(ghost)), RATE)
    silent = replace(s, kit=s.kit.with_instrument(replace(ghost, path="")))
    assert not np.any(render_audio(silent, RATE).mix)


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24"])
@pytest.mark.parametrize("channels", [1, 2])
def test_plain_wavs_read_without_libsndfile_give_its_samples(
    tmp_path: Path, subtype: str, channels: int
) -> None:
    rng = np.random.default_rng(channels)
    audio = rng.uniform(-1.0, 1.0, (3000, channels))
    audio[:2] = [[1.0] * channels, [-1.0] * channels]  # full scale both ways
    path = write_sound(tmp_path / "take.wav", audio, 48000, subtype=subtype)
    found = _read_pcm_wav(str(path))
    assert found is not None
    expected, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    assert found[1] == rate == 48000
    assert np.array_equal(found[0], expected)


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_32", "FLOAT"])
def test_other_wavs_are_left_to_libsndfile(tmp_path: Path, subtype: str) -> None:
    audio = np.linspace(-0.5, 0.5, 400).reshape(-1, 2)
    path = write_sound(tmp_path / "take.wav", audio, 44100, subtype=subtype)
    assert _read_pcm_wav(str(path)) is None
    assert read_audio(str(path), 44100).shape == (200, 2)


def test_a_truncated_plain_wav_is_named_as_truncated(tmp_path: Path) -> None:
    path = write_sound(tmp_path / "cut.wav", np.zeros((4000, 1)), 44100, subtype="PCM_24")
    path.write_bytes(path.read_bytes()[:-3000])
    with pytest.raises(BeatseqError, match="truncated"):
        read_audio(str(path), 44100)
