"""Step strings: every character and modifier, and text <-> steps round trips."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beatseq.formats.steps import (
    StepSyntaxError,
    format_steps,
    format_steps_like,
    parse_steps,
)
from beatseq.model import Condition, Step
from tests.strategies import steps


def test_characters():
    parsed = parse_steps(".xXo123456789")
    assert parsed[0] is None
    assert [s.velocity for s in parsed[1:] if s] == [
        100,
        127,
        50,
        14,
        28,
        42,
        56,
        71,
        85,
        99,
        113,
        127,
    ]


def test_separators_are_ignored():
    assert parse_steps("x...|x... x...") == parse_steps("x...x...x...")


def test_modifiers():
    (step,) = parse_steps("x{v90 50% +12 r4>30 3:4 t-5}")
    assert step == Step(
        velocity=90,
        probability=50,
        nudge=12,
        roll=4,
        roll_to=30,
        condition=Condition(3, 4),
        pitch=-5,
    )
    (step,) = parse_steps("X{p25,-8,c1:2}")
    assert step == Step(velocity=127, probability=25, nudge=-8, condition=Condition(1, 2))


def test_format_is_canonical():
    text = "x.X.o.7.x{v90}x{50% +12 r4>30 3:4 t-5}X{r3}"
    assert format_steps(parse_steps(text)) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x.z", "step 3: 'z' is not a step"),
        ("x{r7}", "step 1: a roll is 2, 3, 4, 6 or 8 hits, not 7"),
        ("x{r1>20}", "step 1: a velocity ramp needs a roll of 2 or more hits"),
        ("..{r2}", "step 2 is a rest and cannot take modifiers"),
        ("x{+600}", "step 1: nudge must be -480 to 480, not 600"),
        ("x{101%}", "step 1: probability must be 0 to 100, not 101"),
        ("x{0:4}", "step 1: condition 0:4 needs 1 <= A <= B <= 64"),
        ("x{t+49}", "step 1: pitch must be -48 to 48, not 49"),
        ("xx{r3", "step 2: '{' is never closed by '}'"),
    ],
)
def test_errors_name_the_step(text: str, message: str) -> None:
    with pytest.raises(StepSyntaxError) as caught:
        parse_steps(text)
    assert str(caught.value).startswith(message)


@given(st.lists(st.none() | steps(), max_size=40).map(tuple))
def test_round_trip(parsed):  # type: ignore[no-untyped-def]
    assert parse_steps(format_steps(parsed)) == parsed


def test_format_like_keeps_the_layout():
    new = parse_steps("xx..x...x...x...")
    assert format_steps_like(new, "x...|x...|x...|x...") == "xx..|x...|x...|x..."
    assert format_steps_like(new, "x... x{r3}... x... x...") == "xx.. x... x... x..."
    assert format_steps_like(new[:6], "x...|x...|x...|x...") == "xx..|x."
    assert format_steps_like(new, "x...") == "xx..x...x...x..."
