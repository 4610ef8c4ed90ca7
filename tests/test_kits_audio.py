"""The shipped kits in samples/ measure like the drums they claim to be.

These tests read the committed WAV files and kit.toml manifests (written by
tools/make_kits.py) and measure real properties: format, levels, pitch, spectrum and
envelope. They use numpy and soundfile (falling back to the standard library's `wave`
module where soundfile is not installed: it is not a beatseq dependency).
"""

from __future__ import annotations

import math
import tomllib
import wave
from functools import cache
from pathlib import Path

import numpy as np
import pytest

try:
    import soundfile as sf
except ImportError:  # pragma: no cover - depends on the environment
    sf = None

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SR = 44100
F1 = 440.0 * 2.0 ** ((29 - 69) / 12)  # MIDI 29 = 43.654 Hz

# The sounds each kit must ship, and the General MIDI note each one sits on.
KITS: dict[str, dict[str, int]] = {
    "808": {
        "kick": 36,
        "snare": 38,
        "clap": 39,
        "rim": 37,
        "closed-hat": 42,
        "pedal-hat": 44,
        "open-hat": 46,
        "tom-low": 41,
        "tom-mid": 45,
        "tom-high": 48,
        "cowbell": 56,
        "shaker": 70,
        "crash": 49,
        "808": 29,
    },
    "boom": {
        "kick": 36,
        "snare": 38,
        "rim": 37,
        "clap": 39,
        "snap": 40,
        "closed-hat": 42,
        "pedal-hat": 44,
        "open-hat": 46,
        "tambourine": 54,
        "shaker": 70,
        "conga": 63,
        "ride": 51,
        "crash": 49,
    },
}
STEREO_ALLOWED = {"crash", "ride"}
HATS = ("closed-hat", "pedal-hat", "open-hat")
SOUNDS = [(kit, sound) for kit, sounds in KITS.items() for sound in sounds]


# --------------------------------------------------------------------------- helpers


@cache
def manifest(kit: str) -> dict:
    return tomllib.loads((SAMPLES / kit / "kit.toml").read_text(encoding="utf-8"))


def wav_format(path: Path) -> tuple[int, int, str]:
    """(sample rate, channels, "container/encoding") of a WAV file."""
    if sf is not None:
        info = sf.info(path)
        return info.samplerate, info.channels, f"{info.format}/{info.subtype}"
    with wave.open(str(path)) as wav:
        return wav.getframerate(), wav.getnchannels(), f"WAV/PCM_{8 * wav.getsampwidth()}"


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Samples as floats in -1..1, shape (frames, channels), and the sample rate."""
    if sf is not None:
        return sf.read(path, always_2d=True)
    with wave.open(str(path)) as wav:
        assert wav.getsampwidth() == 3, "expected 24-bit PCM"
        channels, rate = wav.getnchannels(), wav.getframerate()
        raw = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.uint8)
    b = raw.reshape(-1, 3).astype(np.int32)
    ints = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
    ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
    return (ints / float(1 << 23)).reshape(-1, channels), rate


@cache
def audio(kit: str, sound: str) -> np.ndarray:
    """The sound's samples, shape (frames, channels)."""
    data, rate = read_wav(SAMPLES / kit / f"{sound}.wav")
    assert rate == SR
    return data


def mono(kit: str, sound: str) -> np.ndarray:
    return audio(kit, sound).mean(axis=1)


def power_spectrum(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = max(1 << 18, 1 << (len(x) - 1).bit_length())
    power = np.abs(np.fft.rfft(x, n)) ** 2
    freqs = np.fft.rfftfreq(n, 1.0 / SR)
    keep = freqs >= 20.0
    return freqs[keep], power[keep]


def band_share(x: np.ndarray, low: float, high: float) -> float:
    freqs, power = power_spectrum(x)
    return float(power[(freqs >= low) & (freqs < high)].sum() / power.sum())


def strongest_hz(x: np.ndarray) -> float:
    freqs, power = power_spectrum(x)
    return float(freqs[np.argmax(power)])


def centroid_hz(x: np.ndarray) -> float:
    freqs, power = power_spectrum(x)
    magnitude = np.sqrt(power)
    return float(np.sum(freqs * magnitude) / np.sum(magnitude))


def envelope_db(x: np.ndarray, window: float = 0.005) -> np.ndarray:
    """Sliding RMS in dB relative to its maximum."""
    box = np.ones(round(window * SR)) / round(window * SR)
    power = np.convolve(x**2, box, mode="same")
    return 10.0 * np.log10(np.maximum(power / power.max(), 1e-20))


def decay_time(x: np.ndarray, drop_db: float) -> float:
    """Seconds from the envelope peak until it stays `drop_db` below it."""
    env = envelope_db(x)
    top = int(np.argmax(env))
    return float(np.nonzero(env[top:] >= -drop_db)[0][-1]) / SR


def zero_crossing_hz(x: np.ndarray, start: float, end: float) -> float:
    seg = x[round(start * SR) : round(end * SR)]
    idx = np.nonzero((seg[:-1] < 0.0) & (seg[1:] >= 0.0))[0]
    crossings = idx + seg[idx] / (seg[idx] - seg[idx + 1])
    return float((len(crossings) - 1) * SR / (crossings[-1] - crossings[0]))


def fft_peak_hz(x: np.ndarray, start: float, end: float) -> float:
    seg = x[round(start * SR) : round(end * SR)]
    seg = seg * np.hanning(len(seg))
    n = 1 << 20
    mag = np.abs(np.fft.rfft(seg, n))
    freqs = np.fft.rfftfreq(n, 1.0 / SR)
    return float(freqs[np.argmax(mag)])


def envelope_peaks_ms(x: np.ndarray, span: float) -> list[float]:
    """Separate peaks (>= 4 ms apart, within 12 dB of the top) of a 1 ms envelope."""
    env = envelope_db(x, window=0.001)[: round(span * SR)]
    half = round(0.004 * SR)
    peaks: list[int] = []
    for i in range(half, len(env) - half):
        is_peak = env[i] >= env[i - half : i + half + 1].max() and env[i] > -12.0
        if is_peak and (not peaks or i - peaks[-1] > half):
            peaks.append(i)
    return [1000.0 * i / SR for i in peaks]


def db(value: float) -> float:
    return 20.0 * math.log10(max(value, 1e-12))


# --------------------------------------------------------------------------- manifests


@pytest.mark.parametrize("kit", KITS)
def test_manifest_lists_exactly_the_kits_sounds(kit: str) -> None:
    data = manifest(kit)
    assert set(data) <= {"name", "description", "licence", "sounds"}
    assert data["name"] == kit
    assert data["description"]
    assert data["licence"].startswith("CC0-1.0")
    assert list(data["sounds"]) == list(KITS[kit]), "sounds missing, extra or out of order"
    for name, table in data["sounds"].items():
        assert table["file"] == f"{name}.wav"
        assert (SAMPLES / kit / table["file"]).is_file()


@pytest.mark.parametrize("kit", KITS)
def test_manifest_midi_gain_choke(kit: str) -> None:
    sounds = manifest(kit)["sounds"]
    for name, table in sounds.items():
        assert table["note"] == KITS[kit][name], name
        assert 1 <= table["channel"] <= 16
        assert -24.0 <= table["gain"] <= 6.0, name
        assert -1.0 <= table.get("pan", 0.0) <= 1.0
        if name in HATS:
            assert table["choke"] == "hats"
        else:
            assert "choke" not in table, name
    drum_notes = [t["note"] for t in sounds.values() if t["channel"] == 10]
    assert len(drum_notes) == len(set(drum_notes)), "two drums share a note"
    assert sounds["kick"]["gain"] > sounds["closed-hat"]["gain"] > sounds["shaker"]["gain"]
    # the loudest drums sit 6 dB below unity: headroom for a whole beat summed
    assert -9.0 <= sounds["snare"]["gain"] <= -6.0 and -9.0 <= sounds["kick"]["gain"] <= -6.0


def test_808_bass_is_a_pitched_sound_on_its_own_channel() -> None:
    bass = manifest("808")["sounds"]["808"]
    assert (bass["channel"], bass["note"], bass["root"]) == (2, 29, 29)
    assert bass["mono"] is True  # each note cuts the one before
    others = [t for name, t in manifest("808")["sounds"].items() if name != "808"]
    assert all(t["channel"] == 10 and "root" not in t for t in others)


# --------------------------------------------------------------------------- every file


@pytest.mark.parametrize(("kit", "sound"), SOUNDS)
def test_file_format(kit: str, sound: str) -> None:
    rate, channels, encoding = wav_format(SAMPLES / kit / f"{sound}.wav")
    assert rate == SR
    assert encoding == "WAV/PCM_24"
    assert channels == 1 or (channels == 2 and sound in STEREO_ALLOWED)


@pytest.mark.parametrize(("kit", "sound"), SOUNDS)
def test_starts_at_the_onset_and_ends_at_zero(kit: str, sound: str) -> None:
    x = audio(kit, sound)
    level = np.abs(x).max(axis=1)
    assert np.all(x[0] == 0.0), "first sample must be exactly 0"
    assert np.all(x[-1] == 0.0), "last sample must be exactly 0"
    # no leading silence: audible within 1 ms, near full level within 10 ms
    assert np.argmax(level > 10 ** (-60 / 20)) < 0.001 * SR
    assert np.argmax(level > level.max() * 10 ** (-30 / 20)) < 0.010 * SR


@pytest.mark.parametrize(("kit", "sound"), SOUNDS)
def test_tail_is_trimmed_and_faded(kit: str, sound: str) -> None:
    x = audio(kit, sound)
    level = np.abs(x).max(axis=1)
    last_audible = int(np.nonzero(level > 10 ** (-70 / 20))[0][-1])
    assert len(x) - last_audible < 0.030 * SR, "silence left at the end"
    end_rms = np.sqrt(np.mean(x[-round(0.005 * SR) :] ** 2))
    assert db(end_rms) < -60.0, "tail cut off while still loud"


@pytest.mark.parametrize(("kit", "sound"), SOUNDS)
def test_peak_normalized_to_minus_1_dbfs(kit: str, sound: str) -> None:
    assert db(float(np.abs(audio(kit, sound)).max())) == pytest.approx(-1.0, abs=0.05)


@pytest.mark.parametrize(("kit", "sound"), SOUNDS)
def test_no_dc_offset(kit: str, sound: str) -> None:
    assert np.all(np.abs(audio(kit, sound).mean(axis=0)) < 0.005)


@pytest.mark.parametrize(("kit", "sound"), [(k, s) for k, s in SOUNDS if s in STEREO_ALLOWED])
def test_stereo_cymbals_are_really_stereo(kit: str, sound: str) -> None:
    x = audio(kit, sound)
    if x.shape[1] == 2:
        correlation = np.corrcoef(x[:, 0], x[:, 1])[0, 1]
        assert 0.1 < correlation < 0.95, "mono in disguise, or two unrelated cymbals"


def test_total_size_is_small() -> None:
    total = sum(p.stat().st_size for p in SAMPLES.glob("*/*.wav"))
    assert total < 8_000_000


# --------------------------------------------------------------------------- 808 kit


def test_808_kick_is_a_low_sine_around_52_hz() -> None:
    x = mono("808", "kick")
    assert 45.0 <= strongest_hz(x) <= 65.0
    assert band_share(x, 0.0, 150.0) > 0.8
    assert 0.4 <= len(x) / SR <= 1.0
    assert 0.1 <= decay_time(x, 20.0) <= 0.4


def test_808_bass_is_tuned_to_f1() -> None:
    x = mono("808", "808")
    assert zero_crossing_hz(x, 0.2, 1.0) == pytest.approx(F1, rel=0.01)
    assert fft_peak_hz(x, 0.2, 1.0) == pytest.approx(F1, rel=0.01)
    assert zero_crossing_hz(x, 1.0, 2.0) == pytest.approx(F1, rel=0.01)


def test_808_bass_glides_down_onto_its_note() -> None:
    x = mono("808", "808")
    sign = np.signbit(x[1:])  # x[0] is exactly 0
    changes = np.nonzero(sign[1:] != sign[:-1])[0] + 1
    half_cycles = np.diff(np.concatenate(([0], changes))) / SR  # from the onset on
    half_period = 0.5 / F1
    assert np.all(half_cycles[:2] < 0.8 * half_period), "no downward glide at the start"
    assert np.all(np.abs(half_cycles[4:20] / half_period - 1.0) < 0.02), "glide not over by ~50 ms"


def test_808_bass_is_long_and_saturated() -> None:
    x = mono("808", "808")
    assert 2.3 <= len(x) / SR <= 3.3
    assert decay_time(x, 20.0) > 1.0
    # odd harmonics from the soft knee: the 3rd harmonic (131 Hz) is clearly present
    seg = x[round(0.1 * SR) : round(0.5 * SR)] * np.hanning(round(0.4 * SR))
    mag = np.abs(np.fft.rfft(seg, 1 << 18))
    freqs = np.fft.rfftfreq(1 << 18, 1.0 / SR)

    def level(f: float) -> float:
        return float(mag[(freqs > f * 0.97) & (freqs < f * 1.03)].max())

    assert db(level(3 * F1) / level(F1)) > -25.0


def test_808_snare_has_body_and_snap() -> None:
    x = mono("808", "snare")
    assert band_share(x, 150.0, 250.0) > 0.25
    assert band_share(x, 2000.0, SR / 2) > 0.10
    assert decay_time(x, 40.0) < 0.3


def test_808_clap_is_several_bursts() -> None:
    peaks = envelope_peaks_ms(mono("808", "clap"), span=0.045)
    assert len(peaks) >= 3, peaks
    gaps = np.diff(peaks)
    assert np.all((gaps > 6.0) & (gaps < 16.0)), peaks
    assert 600.0 < strongest_hz(mono("808", "clap")) < 2000.0


def test_808_toms_are_pitched_low_to_high() -> None:
    pitches = [strongest_hz(mono("808", tom)) for tom in ("tom-low", "tom-mid", "tom-high")]
    assert pitches == sorted(pitches)
    for pitch, target in zip(pitches, (90.0, 130.0, 190.0), strict=True):
        assert pitch == pytest.approx(target, rel=0.12)


def test_808_cowbell_sits_on_its_two_oscillators() -> None:
    peak = strongest_hz(mono("808", "cowbell"))
    assert min(abs(peak - 540.0), abs(peak - 800.0)) < 15.0


def test_808_bass_and_kick_have_weight_but_the_hats_do_not() -> None:
    assert band_share(mono("808", "808"), 0.0, 150.0) > 0.9
    assert band_share(mono("808", "closed-hat"), 0.0, 1000.0) < 0.01


# --------------------------------------------------------------------------- hats, both kits


@pytest.mark.parametrize("kit", KITS)
@pytest.mark.parametrize("hat", HATS)
def test_hats_are_bright(kit: str, hat: str) -> None:
    assert centroid_hz(mono(kit, hat)) > 5000.0


@pytest.mark.parametrize("kit", KITS)
def test_closed_hat_is_much_shorter_than_open_hat(kit: str) -> None:
    closed, opened = mono(kit, "closed-hat"), mono(kit, "open-hat")
    assert decay_time(closed, 40.0) < 0.3 * decay_time(opened, 40.0)
    assert len(closed) < 0.35 * len(opened)
    assert decay_time(mono(kit, "pedal-hat"), 40.0) < 0.5 * decay_time(opened, 40.0)


# --------------------------------------------------------------------------- boom kit


def test_boom_kick_has_weight_under_100_hz() -> None:
    x = mono("boom", "kick")
    assert band_share(x, 0.0, 150.0) > 0.5
    assert band_share(x, 0.0, 100.0) > 0.5
    assert 55.0 <= strongest_hz(x) <= 75.0


def test_boom_snare_cracks() -> None:
    x = mono("boom", "snare")
    assert band_share(x, 150.0, 250.0) > 0.2
    assert band_share(x, 2000.0, SR / 2) > 0.15


def test_boom_conga_is_pitched_around_220_hz() -> None:
    assert 190.0 <= strongest_hz(mono("boom", "conga")) <= 260.0


@pytest.mark.parametrize("sound", KITS["boom"])
def test_boom_kit_is_band_limited_like_a_26_khz_sampler(sound: str) -> None:
    assert band_share(mono("boom", sound), 13000.0, SR / 2) < 0.005


def test_band_limit_is_the_sampler_not_the_measurement() -> None:
    # the same measurement sees plenty of air in the un-sampled 808 hats and crash
    for sound in ("closed-hat", "open-hat", "crash"):
        assert band_share(mono("808", sound), 13000.0, SR / 2) > 0.02, sound
