"""Inside the Hummingbot runtime only: silence the deprecation noise of Hummingbot's own code.

Its modules use pydantic v1-style config (warned at import, before any test's marks apply), and
its backtest simulator hands numpy booleans to pydantic once per executor per candle, which costs
seconds to record and says nothing about this project.
"""

import asyncio
import importlib.util

import pytest


def pytest_configure(config):
    if importlib.util.find_spec("hummingbot") is None:
        return
    config.addinivalue_line("filterwarnings", "ignore::pydantic.warnings.PydanticDeprecatedSince20")
    config.addinivalue_line(
        "filterwarnings", "ignore:In future, it will be an error for 'np.bool':DeprecationWarning"
    )


@pytest.fixture
def bot_database(tmp_path):
    """Hummingbot's MarketsRecorder on a SQLite file, as a bot has one: the Executors table an execution
    controller resumes from. Forgotten afterwards (it is a process-wide singleton)."""
    from hummingbot.client.config.client_config_map import ClientConfigMap, MarketDataCollectionConfigMap
    from hummingbot.client.config.config_helpers import ClientConfigAdapter
    from hummingbot.connector.markets_recorder import MarketsRecorder
    from hummingbot.model.sql_connection_manager import SQLConnectionManager, SQLConnectionType

    loop = asyncio.new_event_loop()  # the recorder binds to the current loop, as in a bot
    asyncio.set_event_loop(loop)
    sql = SQLConnectionManager(
        ClientConfigAdapter(ClientConfigMap()),
        SQLConnectionType.TRADE_FILLS,
        db_path=str(tmp_path / "bot.sqlite"),
    )
    recorder = MarketsRecorder(sql, [], "conf_v2.yml", "hbot_v2_controllers", MarketDataCollectionConfigMap())
    yield recorder
    MarketsRecorder._shared_instance = None
    asyncio.set_event_loop(None)
    loop.close()
