"""Inside the Hummingbot runtime only: silence the deprecation noise of Hummingbot's own code.

Its modules use pydantic v1-style config (warned at import, before any test's marks apply), and
its backtest simulator hands numpy booleans to pydantic once per executor per candle, which costs
seconds to record and says nothing about this project.
"""

import importlib.util


def pytest_configure(config):
    if importlib.util.find_spec("hummingbot") is None:
        return
    config.addinivalue_line("filterwarnings", "ignore::pydantic.warnings.PydanticDeprecatedSince20")
    config.addinivalue_line(
        "filterwarnings", "ignore:In future, it will be an error for 'np.bool':DeprecationWarning"
    )
