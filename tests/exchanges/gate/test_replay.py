"""The Gate adapter against its bundled recordings, served by the replay app in process.

The recording (src/exchangeql/data/replay/gate.json) is copied alone into a temporary directory, so the
test exercises exactly the file we ship, through the replay server's own matching, rate limit and faults.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from importlib.resources import as_file
from pathlib import Path

import httpx
import pytest

from exchangeql.errors import BadSymbol, RateLimited, UpstreamDecodeError
from exchangeql.exchanges.base import Adapter
from exchangeql.exchanges.gate.adapter import SPEC
from exchangeql.models import MarketIndex
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.transport.client import build_venue_client
from exchangeql.transport.replay import build_replay_app, default_recordings_dir, replay_transport
from exchangeql.transport.retry import RetryPolicy


@pytest.fixture
def recordings(tmp_path: Path) -> Path:
    with as_file(default_recordings_dir() / "gate.json") as shipped:
        shutil.copyfile(shipped, tmp_path / "gate.json")
    return tmp_path


def _adapter(transport: httpx.AsyncBaseTransport) -> Adapter:
    assert SPEC.errors is not None and SPEC.rate_limit is not None
    client = build_venue_client(
        "gate",
        ExchangeSettings(upstream="http://replay/gate"),
        errors=SPEC.errors,
        default_rate_limit=SPEC.rate_limit,
        deadline_s=5.0,
        transport=transport,
    )
    client.retry = RetryPolicy(attempts=1)
    return SPEC.factory(client, Settings())


async def test_every_public_method_is_answered_from_the_recordings(recordings: Path) -> None:
    transport = replay_transport(build_replay_app(recordings))
    adapter = _adapter(transport)
    index = MarketIndex.of(await adapter.fetch_markets())
    btc = index.by_symbol["BTC/USDT"]
    ticker = await adapter.fetch_ticker(btc)
    tickers = await adapter.fetch_tickers(index, None)
    book = await adapter.fetch_order_book(btc, 5)
    trades = await adapter.fetch_trades(btc, 10)
    candles = await adapter.fetch_ohlcv(btc, "1h", None, 3)
    assert (len(index.markets), ticker.last) == (7, Decimal("73373.9"))
    assert tickers == [ticker]
    assert (len(book.bids), len(trades), len(candles)) == (2, 1, 1)
    async with httpx.AsyncClient(transport=transport, base_url="http://replay") as control:
        stats = (await control.get("/_replay/stats")).json()
    assert all(set(counts) == {"count", "200"} for counts in stats["gate"].values()), stats["gate"]
    assert stats["gate"]["GET /api/v4/spot/tickers"]["count"] == 2


async def test_a_pair_without_recording_is_the_venues_invalid_pair_error(recordings: Path) -> None:
    adapter = _adapter(replay_transport(build_replay_app(recordings)))
    index = MarketIndex.of(await adapter.fetch_markets())
    with pytest.raises(BadSymbol, match="Invalid currency pair"):
        await adapter.fetch_ticker(index.by_symbol["ETH/USDT"])


@pytest.mark.parametrize(
    ("fault", "error"),
    [("venue_error", RateLimited), ("429", RateLimited), ("truncated", UpstreamDecodeError)],
)
async def test_faults_map_to_gateway_errors(recordings: Path, fault: str, error: type[Exception]) -> None:
    adapter = _adapter(
        replay_transport(build_replay_app(recordings, faults=f"gate:/api/v4/spot/tickers={fault}"))
    )
    index = MarketIndex.of(await adapter.fetch_markets())
    with pytest.raises(error):
        await adapter.fetch_ticker(index.by_symbol["BTC/USDT"])
