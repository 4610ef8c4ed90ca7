"""The 808 voice, measured: pitch, punch, glide, decay, release, drive and the joins."""

from __future__ import annotations

import math

import numpy as np
import pytest

from beatseq.engine.synths import NoteSpec, note_hz, phase_at, render_note
from beatseq.model.synth import SYNTH_PRESETS, Bass808, Synth, synth_preset
from tests.engine.conftest import cents
from tests.engine.conftest import frequency as measured_frequency

RATE = 48000


def frequency(signal: np.ndarray, start: float, end: float) -> float:
    return measured_frequency(signal, start, end, RATE)


def db(x: np.ndarray) -> float:
    return 20 * math.log10(float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) + 1e-30)


@pytest.mark.parametrize("note", [24, 29, 36, 43, 48])
def test_the_fundamental_is_the_written_note_once_the_punch_has_fallen(note: int) -> None:
    out = render_note(Bass808(tone=0.0), NoteSpec(note), RATE).data[0]
    assert abs(cents(frequency(out, 0.3, 0.8), note_hz(note))) < 1.0


def test_the_punch_starts_above_the_note_and_falls_back() -> None:
    synth = Bass808(punch=12.0, punch_time=30.0, tone=0.0)
    out = render_note(synth, NoteSpec(36), RATE).data[0]
    early = frequency(out, 0.0, 0.03)
    late = frequency(out, 0.25, 0.5)
    assert cents(early, note_hz(36)) > 300  # well above: the knock
    assert abs(cents(late, note_hz(36))) < 2


def test_a_slide_glides_from_the_old_note_to_the_new_over_the_glide_time() -> None:
    synth = Bass808(tone=0.0, glide=200.0)
    spec = NoteSpec(55, glide_from=43)  # G2 up an octave to G3
    out = render_note(synth, spec, RATE).data[0]
    start = frequency(out, 0.0, 0.03)
    middle = frequency(out, 0.09, 0.11)
    end = frequency(out, 0.3, 0.6)
    assert abs(cents(start, note_hz(43))) < 150  # begins at (near) the old note
    assert abs(cents(middle, note_hz(49))) < 60  # half way: linear in semitones
    assert abs(cents(end, note_hz(55))) < 1
    assert start < middle < end


def test_a_slid_note_joins_the_note_it_continues_without_a_step_in_the_wave() -> None:
    synth = SYNTH_PRESETS["808"]
    first = NoteSpec(36)
    a = render_note(synth, first, RATE)
    at = int(0.2 * RATE)
    b = render_note(synth, first.after(phase_at(synth, first, RATE, at), at, 41, None), RATE)
    joined = np.concatenate([a.data[0, :at], b.data[0]])
    jump = abs(float(joined[at]) - float(joined[at - 1]))
    # the largest sample-to-sample change around the join is the wave's own slope
    slope = float(np.max(np.abs(np.diff(joined[at - 400 : at - 1]))))
    assert jump <= slope * 1.2
    # and the level carries on (peaks over a cycle of the old note): no new attack
    cycle = 800  # 16.7 ms: a little over a period of C2
    before = float(np.max(np.abs(joined[at - cycle : at])))
    after = float(np.max(np.abs(joined[at : at + cycle])))
    assert 20 * math.log10(after / before) == pytest.approx(0.0, abs=1.0)


def test_a_note_falls_60_db_over_its_decay_and_ends_at_the_floor() -> None:
    synth = Bass808(decay=1.0, punch=0.0, tone=0.0)
    out = render_note(synth, NoteSpec(45), RATE).data[0]
    start = db(out[int(0.05 * RATE) : int(0.15 * RATE)])
    later = db(out[int(1.05 * RATE) : int(1.15 * RATE)])
    assert later - start == pytest.approx(-60.0, abs=1.5)
    assert out.shape[0] == pytest.approx(RATE * 80 / 60, rel=0.01)


def test_with_a_release_the_note_dies_after_its_length() -> None:
    synth = Bass808(decay=4.0, release=50.0, punch=0.0)
    gate = int(0.25 * RATE)
    out = render_note(synth, NoteSpec(40, gate=gate), RATE).data[0]
    assert db(out[gate - 2400 : gate]) > -10
    assert db(out[gate + int(0.05 * RATE) :]) < db(out[gate - 2400 : gate]) - 55
    assert out.shape[0] < gate + int(0.08 * RATE)


def test_the_start_is_click_free_and_the_level_never_passes_full_scale() -> None:
    for name, synth in SYNTH_PRESETS.items():
        if synth.kind != "808":
            continue  # the other kinds: tests/engine/test_synth_kinds.py
        out = render_note(synth, NoteSpec(36), RATE).data[0]
        assert out[0] == 0.0, name
        assert float(np.max(np.abs(out))) <= 1.0, name
        assert float(np.max(np.abs(np.diff(out[:200])))) < 0.05, name


def test_drive_adds_harmonics() -> None:
    def third_harmonic_db(synth: Synth) -> float:
        out = render_note(synth, NoteSpec(33), RATE).data[0, int(0.2 * RATE) : int(0.6 * RATE)]
        spectrum = np.abs(np.fft.rfft(out * np.hanning(out.shape[0])))
        freqs = np.fft.rfftfreq(out.shape[0], 1 / RATE)

        def level(hz: float) -> float:
            band = (freqs > hz * 0.97) & (freqs < hz * 1.03)
            return float(np.max(spectrum[band]))

        return 20 * math.log10(level(3 * note_hz(33)) / level(note_hz(33)))

    clean = third_harmonic_db(Bass808(tone=0.0, drive=0.0))
    driven = third_harmonic_db(Bass808(tone=0.0, drive=0.8))
    assert clean < -60
    assert driven > -30


def test_settings_out_of_range_and_unknown_presets_are_refused() -> None:
    with pytest.raises(ValueError, match="decay must be 0.05 to 10"):
        Bass808(decay=20.0)
    with pytest.raises(ValueError, match="no synth preset 'moog'"):
        synth_preset("moog")
    assert synth_preset("808-long", drive=0.2).drive == 0.2


@pytest.mark.parametrize(
    "spec",
    [
        NoteSpec(36),  # punch, attack
        NoteSpec(29, gate=9000),  # a release after the written length
        NoteSpec(41, glide_from=36.0, phase=1.3, elapsed=5000),  # slid into: a glide
    ],
)
def test_an_808_notes_first_frames_alone_are_the_whole_notes_first_frames(spec: NoteSpec) -> None:
    from beatseq.engine.synths import render_808

    synth = Bass808(punch=9.0, punch_time=25.0, tone=0.35, drive=0.4, release=120.0)
    whole = render_808(synth, spec, RATE).data
    for frames in (1, 700, 4321, whole.shape[1] - 1, whole.shape[1] + 50):
        part = render_808(synth, spec, RATE, frames).data
        assert part.shape[1] == min(frames, whole.shape[1])
        assert np.array_equal(part, whole[:, : part.shape[1]])


def test_a_bank_on_a_pool_renders_a_note_as_far_as_its_hits_play_it() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from beatseq.engine.synths import SynthBank

    synth = synth_preset("808-long")
    alone = SynthBank(synth, 36.0, RATE)
    with ThreadPoolExecutor(max_workers=2) as pool:
        bank = SynthBank(synth, 36.0, RATE, pool)
        key = bank.new_note(43.0, gate=RATE // 4)
        other = bank.new_note(31.0, gate=RATE // 4)
        bank.render_ahead(key, 5000)
        part, whole = bank.data(key), alone.data(alone.new_note(43.0, gate=RATE // 4))
        assert part.shape[1] == 5000 < whole.shape[1] == bank.frames(key)
        assert np.array_equal(part, whole[:, :5000])
        # a note not rendered ahead is rendered whole when it is asked for
        assert bank.data(other).shape[1] == bank.frames(other) > 5000
