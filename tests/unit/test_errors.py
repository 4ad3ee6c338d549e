"""The one error of bad input: it carries the field, and formats "field: message" itself."""

from __future__ import annotations

import pickle

import pytest

from controllers.analysis.errors import AnalysisError, problem
from controllers.analysis.inputs import InputError, check_fee
from controllers.analysis.optimize import RequestError
from controllers.analysis.optimize.space import SpaceError
from controllers.analysis.optimize.walkforward import SplitError
from controllers.analysis.output import OutputError


@pytest.mark.parametrize("error", [InputError, OutputError, RequestError, SpaceError, SplitError])
def test_every_input_error_is_an_analysis_error(error):
    assert issubclass(error, AnalysisError)
    assert issubclass(error, ValueError)


def test_the_field_is_carried_and_formatted_once():
    error = InputError("fee", "0.5 is outside [0.0, 0.01)")
    assert (error.field, error.message) == ("fee", "0.5 is outside [0.0, 0.01)")
    assert str(error) == "fee: 0.5 is outside [0.0, 0.01)"


def test_several_problems_each_name_their_field():
    error = InputError.each([("config", "a: too low"), ("config", "b: unknown field")], sep="\n")
    assert str(error) == "config: a: too low\nconfig: b: unknown field"
    assert error.field == "config"


def test_an_error_moves_to_another_class_under_a_renamed_field():
    with pytest.raises(InputError) as caught:
        check_fee(0.5)
    moved = caught.value.as_(RequestError, lambda field: f"--{field}")
    assert isinstance(moved, RequestError)
    assert str(moved) == "--" + str(caught.value)


def test_parse_reads_a_lower_layers_field_message_text():
    assert problem("slippage: 0.05 is outside") == ("slippage", "0.05 is outside")
    error = InputError.parse("connector_name: no public fee tier known for 'kraken'")
    assert error.field == "connector_name"
    assert str(error) == "connector_name: no public fee tier known for 'kraken'"


def test_an_error_survives_a_worker_process_boundary():
    """compare's workers raise InputError in a forked process; it comes back pickled."""
    error = InputError.each([("x on m", "one"), ("x on m", "two")], sep="\n")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is InputError
    assert str(again) == str(error)
