"""Reports name Hummingbot's release as its release notes and Docker tags do, not only PyPI's date."""

import pytest

from controllers.analysis.backtest import hummingbot_release


@pytest.mark.parametrize(
    ("pypi", "shown"),
    [("20260126", "2.12.0 (PyPI 20260126)"), ("20251215", "2.11.0 (PyPI 20251215)")],
)
def test_a_known_pypi_version_is_shown_as_its_release(pypi, shown):
    assert hummingbot_release(pypi) == shown


def test_an_unknown_version_is_shown_as_pypis_own_never_guessed():
    assert hummingbot_release("20990101") == "PyPI 20990101"
    assert hummingbot_release("") == ""
