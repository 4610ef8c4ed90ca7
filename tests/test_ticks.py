from fractions import Fraction

import pytest

from beatseq.ticks import PPQ, RESOLUTIONS, TempoMap, bar_ticks, ms_to_ticks


def test_grid_values_land_on_whole_ticks():
    assert PPQ == 960
    assert {k: v[0] for k, v in RESOLUTIONS.items()}["1/16"] == 240
    assert RESOLUTIONS["1/16t"] == (160, True)
    assert RESOLUTIONS["1/32t"] == (80, True)
    # Hydrogen's 48 and the MPC's 96 PPQ import exactly
    assert PPQ % 48 == 0 and PPQ % 96 == 0
    assert bar_ticks(4, 4) == 3840
    assert bar_ticks(6, 8) == 2880
    assert bar_ticks(7, 8) == 3360


def test_constant_tempo_seconds_and_samples():
    tempo = TempoMap.constant(120)
    assert tempo.exact_seconds(960) == Fraction(1, 2)
    assert tempo.sample(960, 44100) == 22050
    assert tempo.sample(240, 48000) == 6000


def test_fractional_bpm_is_exact_decimal():
    tempo = TempoMap.constant(92.5)
    # one beat at 92.5 BPM is 60/92.5 s = 24/37 s exactly
    assert tempo.exact_seconds(960) == Fraction(24, 37)


def test_tempo_changes_compute_each_position_absolutely():
    tempo = TempoMap.from_changes([(0, 90), (3840, 140), (7680, 90)])
    one_bar_at_90 = Fraction(4 * 60, 90)
    one_bar_at_140 = Fraction(4 * 60, 140)
    assert tempo.exact_seconds(3840) == one_bar_at_90
    assert tempo.exact_seconds(7680) == one_bar_at_90 + one_bar_at_140
    assert tempo.exact_seconds(7680 + 960) == one_bar_at_90 + one_bar_at_140 + Fraction(60, 90)
    assert tempo.bpm_at(3839) == 90 and tempo.bpm_at(3840) == 140


def test_no_drift_over_a_long_song():
    # 2000 bars of 16ths: the last 16th's sample equals the closed-form position
    tempo = TempoMap.constant(93)
    tick = 2000 * 3840
    assert tempo.sample(tick, 44100) == round(Fraction(tick, 960) * 60 / 93 * 44100)


def test_samples_strictly_increase_with_ticks_at_any_tempo():
    tempo = TempoMap.from_changes([(0, 300), (960, 20), (1920, 300)])
    samples = [tempo.sample(t, 44100) for t in range(0, 2880)]
    assert all(b > a for a, b in zip(samples, samples[1:]))


def test_redundant_changes_are_dropped():
    tempo = TempoMap.from_changes([(0, 90), (3840, 90), (7680, 100)])
    assert [t for t, _ in tempo.changes] == [0, 7680]


def test_tick_at_seconds_inverts_seconds():
    tempo = TempoMap.from_changes([(0, 90), (3840, 140)])
    for tick in (0, 100, 3840, 5000):
        assert tempo.tick_at_seconds(tempo.seconds(tick)) == pytest.approx(tick, abs=1e-6)


def test_ms_to_ticks():
    assert ms_to_ticks(500, 120) == 960
    assert ms_to_ticks(-8, 92) == -12  # -11.78 rounds to -12
