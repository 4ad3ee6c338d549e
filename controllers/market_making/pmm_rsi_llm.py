"""Hummingbot controller: reworked pmm_rsi_llm (pure logic in shared_base/strategies/pmm_rsi_llm.py).

Sentiment, when enabled, comes from a SignalProvider: a recorded scores file (`sentiment_source`), or
any provider a backtest or live feed assigns to `controller.strategy.signal_provider`.
"""

from hummingbot.strategy_v2.controllers.market_making_controller_base import MarketMakingControllerConfigBase

from controllers.shared_base import adapter
from controllers.shared_base import signals as signal_sources
from controllers.shared_base.strategies import pmm_rsi_llm as strategy

PmmRsiLlmConfig = adapter.build_config_class(
    strategy.PmmRsiLlmParams, MarketMakingControllerConfigBase, __name__
)


class PmmRsiLlmController(adapter.SharedMarketMakingController):
    strategy_class = strategy.PmmRsiLlmStrategy

    def make_strategy(self, config):
        params = adapter.pure_params(config, strategy.PmmRsiLlmParams)
        provider = getattr(getattr(self, "strategy", None), "signal_provider", None)
        if params.sentiment_enabled and params.sentiment_source:
            provider = signal_sources.RecordedSignal.from_file(
                params.sentiment_source, params.sentiment_max_age_seconds
            )
        return strategy.PmmRsiLlmStrategy(params, provider)
