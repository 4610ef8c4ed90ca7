"""The keys and sub voices and the chopped-sample instrument in a song: what the render
plays, measured (spectra, pitch, lengths, voices), and their settings loaded, saved
and refused."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from beatseq.engine import subtractive
from beatseq.engine.render import render_audio
from beatseq.engine.subtractive import lowpass, resonance_q
from beatseq.engine.synths import note_hz
from beatseq.errors import BeatseqError
from beatseq.formats.songfile import load_song
from beatseq.formats.songwrite import save_song
from beatseq.model import Keys, Sub
from beatseq.model.synth import SYNTH_PRESETS
from tests.engine.conftest import cents, frequency, live_against_render

RATE = 44100
STEP = 0.125  # 1/16 at 120 BPM

SONG = """\
[song]
title = "Kinds"
bpm = 120

[kit.lead]
synth = {synth}
gain = -12
{extra}
[patterns.a]
steps = {steps}
resolution = "1/16"
lead = "{line}"

[[sections]]
name = "a"
patterns = ["a"]
"""

OPEN = "cutoff = 20000, env_amount = 0, oscillators = 1, detune = 0, sustain = 1"
"""A sub with its filter open and one steady oscillator: the bare wave."""


def song_text(synth: str, line: str, steps: int = 16, extra: str = "") -> str:
    return SONG.format(synth=synth, line=line, steps=steps, extra=extra)


def render(tmp_path: Path, synth: str, line: str, steps: int = 16, extra: str = "") -> np.ndarray:
    path = tmp_path / "kinds.toml"
    path.write_text(song_text(synth, line, steps, extra))
    return render_audio(load_song(path), RATE).mix[:, 0].astype(np.float64)


def spectrum(x: np.ndarray, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
    """Amplitude spectrum (Blackman-Harris window, so leakage stays below -90 dB)."""
    from scipy.signal.windows import blackmanharris

    part = x[int(start * RATE) : int(end * RATE)]
    window = blackmanharris(part.shape[0])
    return np.fft.rfftfreq(part.shape[0], 1 / RATE), np.abs(np.fft.rfft(part * window))


def level_at(freqs: np.ndarray, amps: np.ndarray, hz: float) -> float:
    """The strongest amplitude within 1 % of `hz`, in dB."""
    band = (freqs > hz * 0.99) & (freqs < hz * 1.01)
    return 20 * math.log10(float(np.max(amps[band])) + 1e-30)


def rms_db(x: np.ndarray, start: float, end: float) -> float:
    part = x[int(start * RATE) : int(end * RATE)]
    return 10 * math.log10(float(np.mean(np.square(part))) + 1e-30)


# the subtractive synth's oscillators and filter -------------------------------------


def test_a_saw_has_every_harmonic_at_1_over_n_and_a_square_only_the_odd_ones(
    tmp_path: Path,
) -> None:
    f0 = note_hz(45)  # A2, 110 Hz
    saw = spectrum(
        render(tmp_path, f'{{ preset = "saw-lead", {OPEN} }}', "A2" + " -" * 15), 0.3, 0.9
    )
    for n in range(2, 21):
        drop = level_at(*saw, n * f0) - level_at(*saw, f0)
        assert drop == pytest.approx(-20 * math.log10(n), abs=0.5), n
    square = f'{{ preset = "saw-lead", wave = "square", {OPEN} }}'
    sq = spectrum(render(tmp_path, square, "A2" + " -" * 15), 0.3, 0.9)
    for n in range(2, 21):
        drop = level_at(*sq, n * f0) - level_at(*sq, f0)
        if n % 2:
            assert drop == pytest.approx(-20 * math.log10(n), abs=0.5), n
        else:
            assert drop < -60, n


def test_aliasing_stays_low_at_a_high_note(tmp_path: Path) -> None:
    # C7 (2093 Hz): a naive saw folds its harmonics back at about -12 dB, PolyBLEP alone
    # at about -28 dB; made at twice the rate, everything not a harmonic stays 45 dB under
    mix = render(tmp_path, f'{{ preset = "saw-lead", {OPEN} }}', "C7" + " -" * 15)
    freqs, amps = spectrum(mix, 0.2, 0.9)
    f0 = note_hz(96)
    harmonic = np.abs(freqs / f0 - np.round(freqs / f0)) * f0 < 15
    audible = freqs < 0.45 * RATE
    power = np.square(amps)
    aliased = float(np.sum(power[audible & ~harmonic])) / float(np.sum(power[harmonic]))
    assert 10 * math.log10(aliased) < -45


@pytest.mark.parametrize("resonance", [0.0, 0.6])
def test_the_filter_cuts_above_its_cutoff_at_12_db_per_octave_with_its_peak(
    tmp_path: Path, resonance: float
) -> None:
    cutoff = 1024.0  # a whole number of the cutoff's steps: exact
    f0 = note_hz(45)
    line = "A2" + " -" * 15
    open_ = spectrum(render(tmp_path, f'{{ preset = "saw-lead", {OPEN} }}', line), 0.3, 0.9)
    synth = (
        f'{{ preset = "saw-lead", {OPEN.replace("20000", str(int(cutoff)))},'
        f" resonance = {resonance} }}"
    )
    shut = spectrum(render(tmp_path, synth, line), 0.3, 0.9)
    q = resonance_q(resonance)
    for n in range(1, 41):
        hz = n * f0
        ratio = math.tan(math.pi * hz / RATE) / math.tan(math.pi * cutoff / RATE)
        expected = -10 * math.log10((1 - ratio**2) ** 2 + (ratio / q) ** 2)
        measured = level_at(*shut, hz) - level_at(*open_, hz)
        assert measured == pytest.approx(expected, abs=0.5), n
    # above the cutoff: 12 dB per octave (a little more towards Nyquist, where the
    # bilinear transform squeezes the response)
    two, four = (level_at(*shut, n * f0) - level_at(*open_, n * f0) for n in (19, 38))
    assert 11.0 < two - four < 15.0


@pytest.mark.parametrize("compiled", [True, False])
def test_the_swept_filter_is_the_state_variable_filter_with_its_cutoff_changing_per_block(
    compiled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # compiled: bs_svf, frame by frame; else numpy's block state space
    if compiled and subtractive.kernels is None:
        pytest.skip("kernels not built")
    if not compiled:
        monkeypatch.setattr(subtractive, "kernels", None)
    rate = 48000.0
    x = np.random.default_rng(1).standard_normal(3000)
    cutoffs = np.exp2(np.linspace(np.log2(200), np.log2(8000), 94))  # one per 32 frames
    q = resonance_q(0.7)
    out = lowpass(x, cutoffs, q, rate)
    steps = np.round(np.log2(cutoffs) * 48) / 48  # the cutoff's quarter-semitone steps
    s1 = s2 = 0.0
    for i in range(x.shape[0]):  # Zavalishin's TPT SVF, one frame at a time
        g = math.tan(math.pi * 2 ** steps[i // 32] / rate)
        a1 = 1 / (1 + g * (g + 1 / q))
        v3 = x[i] - s2
        v1 = a1 * s1 + g * a1 * v3
        v2 = s2 + g * v1
        s1, s2 = 2 * v1 - s1, 2 * v2 - s2
        assert out[i] == pytest.approx(v2, abs=1e-9)


def test_a_sub_note_sustains_for_its_written_length_then_releases(tmp_path: Path) -> None:
    synth = f'{{ preset = "dark-pad", {OPEN}, attack = 5, release = 200 }}'
    mix = render(tmp_path, synth, "A3 - - - . . . . . . . . . . . .")
    gate = 4 * STEP
    held = rms_db(mix, gate - 0.1, gate - 0.01)
    assert rms_db(mix, 0.1, 0.2) == pytest.approx(held, abs=0.5)  # sustain: level
    # the release falls 60 dB per 200 ms from the end of the written length
    for after, down in ((0.05, 15.0), (0.1, 30.0), (0.15, 45.0)):
        assert rms_db(mix, gate + after - 0.005, gate + after + 0.005) == pytest.approx(
            held - down, abs=2.0
        )
    assert np.max(np.abs(mix[int((gate + 0.3) * RATE) :])) < 1e-4


def test_portamento_a_slid_sub_note_glides_from_the_note_before(tmp_path: Path) -> None:
    synth = f'{{ preset = "saw-lead", {OPEN}, wave = "triangle", glide = 200 }}'
    mix = render(tmp_path, synth, "A2~ - - - A3 - - - - - - - . . . .")
    assert abs(cents(frequency(mix, 0.3, 0.48), note_hz(45))) < 3
    assert abs(cents(frequency(mix, 0.58, 0.62), note_hz(51))) < 100  # half way
    assert abs(cents(frequency(mix, 0.75, 1.2), note_hz(57))) < 3


def test_every_preset_starts_from_silence_without_a_click() -> None:
    from beatseq.engine.synths import NoteSpec, render_note
    from beatseq.model.synth import SYNTH_PRESETS

    for name, synth in SYNTH_PRESETS.items():
        if synth.kind == "808":
            continue  # tests/engine/test_synths.py
        out = render_note(synth, NoteSpec(48, gate=RATE // 2, velocity=104), RATE).data[0]
        assert out[0] == 0.0, name
        ramp = np.arange(1, 45) / 44  # at most a 1 ms fade-in's rise
        assert np.all(np.abs(out[1:45]) <= ramp * 1.5 + 1e-6), name


# the FM keys ------------------------------------------------------------------------


def test_the_keys_play_the_written_note(tmp_path: Path) -> None:
    mix = render(tmp_path, '"rhodes"', "A3 - - - - - - - - - - - - - - -")
    freqs, amps = spectrum(mix, 1.0, 1.9)
    peak = int(np.argmax(amps))
    a, b, c = np.log(amps[peak - 1 : peak + 2])
    exact = freqs[peak] + 0.5 * (a - c) / (a - 2 * b + c) * (freqs[1] - freqs[0])
    assert abs(1200 * math.log2(exact / note_hz(57))) < 3


def test_the_keys_are_bright_at_first_and_mellow_later_and_softer_notes_are_darker(
    tmp_path: Path,
) -> None:
    def brightness(x: np.ndarray, start: float) -> float:
        freqs, amps = spectrum(x, start, start + 0.2)
        return level_at(freqs, amps, 2 * note_hz(57)) - level_at(freqs, amps, note_hz(57))

    loud = render(tmp_path, '"rhodes"', "A3{v127} - - - - - - - - - - - - - - -")
    soft = render(tmp_path, '"rhodes"', "A3{v40} - - - - - - - - - - - - - - -")
    assert brightness(loud, 0.0) > brightness(loud, 1.2) + 20
    assert brightness(loud, 0.0) > brightness(soft, 0.0) + 6


def test_a_chord_on_the_keys_sounds_every_note(tmp_path: Path) -> None:
    mix = render(tmp_path, '"rhodes"', "[C4,E4,G4,B4] - - - - - - - - - - - - - - -")
    freqs, amps = spectrum(mix, 0.6, 1.4)
    top = 20 * math.log10(float(np.max(amps)))
    for note in (60, 64, 67, 71):
        assert level_at(freqs, amps, note_hz(note)) > top - 12, note
    for note in (62, 66, 69):  # between them: nothing
        assert level_at(freqs, amps, note_hz(note)) < top - 40, note


def test_keys_notes_ring_over_each_other(tmp_path: Path) -> None:
    mix = render(tmp_path, '{ preset = "rhodes", release = 3000 }', "C4 E4 G4" + " ." * 13)
    freqs, amps = spectrum(mix, 0.4, 0.9)
    top = 20 * math.log10(float(np.max(amps)))
    for note in (60, 64, 67):  # each released after its step, still ringing on
        assert level_at(freqs, amps, note_hz(note)) > top - 12, note


# polyphony --------------------------------------------------------------------------

NINE = (60, 62, 64, 65, 67, 69, 71, 72, 74)
TRIANGLES = f'{{ preset = "dark-pad", {OPEN}, wave = "triangle", attack = 1, release = 10000 }}'


def test_eight_sub_notes_sound_at_once_and_a_ninth_cuts_the_oldest(tmp_path: Path) -> None:
    from beatseq.model.pitch import note_name

    names = [note_name(n) for n in NINE]
    eight = render(tmp_path, TRIANGLES, " ".join(names[:8]) + " ." * 8)
    freqs, amps = spectrum(eight, 9 * STEP, 9 * STEP + 0.5)
    top = 20 * math.log10(float(np.max(amps)))
    for note in NINE[:8]:
        assert level_at(freqs, amps, note_hz(note)) > top - 12, note
    nine = render(tmp_path, TRIANGLES, " ".join(names) + " ." * 7)
    freqs, amps = spectrum(nine, 9 * STEP, 9 * STEP + 0.5)
    top = 20 * math.log10(float(np.max(amps)))
    for note in NINE[1:]:
        assert level_at(freqs, amps, note_hz(note)) > top - 12, note
    assert level_at(freqs, amps, note_hz(NINE[0])) < top - 60  # the oldest: cut


# the chopped-sample instrument ------------------------------------------------------


def test_a_chopped_sample_plays_across_its_range_and_skips_notes_outside(tmp_path: Path) -> None:
    import soundfile

    t = np.arange(RATE) / RATE
    soundfile.write(tmp_path / "tone.wav", 0.5 * np.sin(2 * np.pi * 440.0 * t), RATE)
    text = song_text('"rhodes"', "A2 . . . A4 . . . E5 . . . A6 . . .").replace(
        'synth = "rhodes"', 'sample = "tone.wav"\nroot = 69\nmono = true\nrange = ["A3", "A5"]'
    )
    path = tmp_path / "chops.toml"
    path.write_text(text)
    song = load_song(path)
    assert song.kit["lead"].range == (57, 81)
    mix = render_audio(song, RATE).mix[:, 0].astype(np.float64)
    assert np.max(np.abs(mix[: int(4 * STEP * RATE)])) < 1e-6  # A2: below the range
    freqs, amps = spectrum(mix, 4 * STEP + 0.05, 8 * STEP)
    assert abs(freqs[np.argmax(amps)] - 440.0) < 2  # A4: the root
    freqs, amps = spectrum(mix, 8 * STEP + 0.05, 12 * STEP)
    assert abs(freqs[np.argmax(amps)] - note_hz(76)) < 3  # E5: repitched up
    assert np.max(np.abs(mix[int((12 * STEP + 0.01) * RATE) : int(16 * STEP * RATE)])) < 1e-3
    out = tmp_path / "saved.toml"
    save_song(song, out)
    assert 'range = ["A3", "A5"]' in out.read_text()
    assert load_song(out) == song


# song files -------------------------------------------------------------------------


def test_every_kind_loads_saves_and_loads_back_equal(tmp_path: Path) -> None:
    extra = (
        '[kit.pad]\nsynth = { preset = "dark-pad", cutoff = 400, wave = "pulse", width = 0.3 }\n'
    )
    path = tmp_path / "kinds.toml"
    path.write_text(song_text('{ preset = "rhodes", decay = 3 }', "C4 - - - " * 4, extra=extra))
    song = load_song(path)
    assert song.kit["lead"].synth == Keys(decay=3.0)
    pad = song.kit["pad"].synth
    assert isinstance(pad, Sub) and pad.cutoff == 400.0 and pad.wave == "pulse"
    out = tmp_path / "saved.toml"
    save_song(song, out)
    written = out.read_text()
    assert 'preset = "rhodes", decay = 3' in written
    assert 'preset = "dark-pad"' in written
    assert load_song(out) == song


@pytest.mark.parametrize(
    ("synth", "message"),
    [
        ('{ preset = "rhodes", punch = 3 }', "kinds.toml:6: kit.lead.synth.punch: unknown key"),
        ('{ preset = "dark-pad", cutoff = 5 }', "kinds.toml:6: kit.lead.synth.cutoff: 5 is out"),
        ('{ preset = "saw-lead", wave = "sine" }', "kit.lead.synth.wave: 'sine' is not one of"),
        ('{ preset = "stab", oscillators = 2.5 }', "kit.lead.synth.oscillators: expected a whole"),
        ('"rhodes"\nrange = ["C5", "C2"]', "kinds.toml:7: kit.lead.range: the lowest note"),
        ('"rhodes"\nrange = ["C2", "H5"]', "kit.lead.range: 'H5' is not"),
    ],
)
def test_bad_settings_are_one_line_errors(tmp_path: Path, synth: str, message: str) -> None:
    path = tmp_path / "kinds.toml"
    path.write_text(song_text(synth, "C4 . . . " * 4))
    with pytest.raises(BeatseqError) as caught:
        load_song(path)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_live_playback_of_keys_and_a_pad_equals_the_render(tmp_path: Path) -> None:
    extra = '[kit.pad]\nsynth = "dark-pad"\ngain = -6\n'
    text = song_text(
        '"rhodes"', "[C4,E4,G4] - - . E4 . G4{v60} - . . [D4,F4,A4] - - - - .", extra=extra
    )
    text = text.replace(
        'lead = "', 'pad = "[C3,G3,Eb4]~ - - - - - - - [D3,A3] - - - - - - -"\nlead = "'
    )
    path = tmp_path / "live.toml"
    path.write_text(text)
    assert live_against_render(load_song(path)) < 1e-3  # better than -60 dB


@pytest.mark.parametrize("preset", sorted(SYNTH_PRESETS))
def test_a_notes_length_is_known_before_it_renders_and_a_pool_renders_the_same(
    preset: str,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from beatseq.engine.synthnote import NoteSpec
    from beatseq.engine.synths import LENGTHS, SynthBank, render_note

    synth = SYNTH_PRESETS[preset]
    specs = [
        NoteSpec(36.0, None),
        NoteSpec(48.0, 5000, velocity=40),
        NoteSpec(96.0, 30000, glide_from=84.0),
        NoteSpec(43.0, 2000, glide_from=36.0, phase=1.0, elapsed=9000),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        later = SynthBank(synth, 36.0, RATE, pool)
        now = SynthBank(synth, 36.0, RATE)
        for spec in specs:
            rendered = render_note(synth, spec, RATE)
            assert LENGTHS[synth.kind](synth, spec, RATE) == rendered.data.shape[1]
            a, b = later.key(spec), now.key(spec)
            assert later.frames(a) == now.frames(b) == rendered.data.shape[1]
            assert np.array_equal(later.data(a), now.data(b))
