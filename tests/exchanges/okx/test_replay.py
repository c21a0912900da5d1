"""The OKX adapter against its bundled recordings, served by the replay app in process.

The recording (src/exchangeql/data/replay/okx.json) is copied alone into a temporary directory, so the
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
from exchangeql.exchanges.okx.adapter import SPEC
from exchangeql.models import MarketIndex
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.transport.client import build_venue_client
from exchangeql.transport.replay import build_replay_app, default_recordings_dir, replay_transport
from exchangeql.transport.retry import RetryPolicy


@pytest.fixture
def recordings(tmp_path: Path) -> Path:
    with as_file(default_recordings_dir() / "okx.json") as shipped:
        shutil.copyfile(shipped, tmp_path / "okx.json")
    return tmp_path


def _adapter(transport: httpx.AsyncBaseTransport) -> Adapter:
    assert SPEC.errors is not None and SPEC.rate_limit is not None
    client = build_venue_client(
        "okx",
        ExchangeSettings(upstream="http://replay/okx"),
        errors=SPEC.errors,
        default_rate_limit=SPEC.rate_limit,
        deadline_s=5.0,
        transport=transport,
    )
    client.retry = RetryPolicy(attempts=1)
    return SPEC.factory(client, Settings())


async def test_every_public_method_is_answered_from_the_recordings(recordings: Path) -> None:
    app = build_replay_app(recordings)
    transport = replay_transport(app)
    adapter = _adapter(transport)
    index = MarketIndex.of(await adapter.fetch_markets())
    btc, swap = index.by_symbol["BTC/USDT"], index.by_symbol["BTC/USDT:USDT"]
    ticker = await adapter.fetch_ticker(btc)
    tickers = await adapter.fetch_tickers(index, None)
    book = await adapter.fetch_order_book(btc, 5)
    swap_book = await adapter.fetch_order_book(swap, 2)
    trades = await adapter.fetch_trades(btc, 10)
    recent = await adapter.fetch_ohlcv(btc, "1h", None, 3)
    history = await adapter.fetch_ohlcv(btc, "1h", 1706628191000, 3)
    assert (len(index.markets), ticker.last) == (16, Decimal("73384.8"))
    assert [t.symbol for t in tickers] == ["BTC/USDT", "BTC/USD:BTC"]
    assert tickers[0] == ticker
    assert (len(book.bids), swap_book.bids[0].amount, len(trades)) == (2, Decimal("13807"), 1)
    assert recent == history and len(recent) == 3
    async with httpx.AsyncClient(transport=transport, base_url="http://replay") as control:
        stats = (await control.get("/_replay/stats")).json()
    okx = stats["okx"]
    assert all(set(counts) == {"count", "200"} for counts in okx.values()), okx  # no 404, no 429
    assert okx["GET /api/v5/public/instruments"]["count"] == 2
    assert okx["GET /api/v5/market/tickers"]["count"] == 2
    assert okx["GET /api/v5/market/history-candles"]["count"] == 1


async def test_an_instrument_without_recording_is_the_venues_unknown_instrument_error(
    recordings: Path,
) -> None:
    adapter = _adapter(replay_transport(build_replay_app(recordings)))
    index = MarketIndex.of(await adapter.fetch_markets())
    with pytest.raises(BadSymbol, match="Instrument ID does not exist"):
        await adapter.fetch_ticker(index.by_symbol["ETH/USDT"])


@pytest.mark.parametrize(
    ("fault", "error"),
    [("venue_error", RateLimited), ("429", RateLimited), ("truncated", UpstreamDecodeError)],
)
async def test_faults_map_to_gateway_errors(recordings: Path, fault: str, error: type[Exception]) -> None:
    app = build_replay_app(recordings, faults=f"okx:/api/v5/market/ticker={fault}")
    adapter = _adapter(replay_transport(app))
    index = MarketIndex.of(await adapter.fetch_markets())
    with pytest.raises(error):
        await adapter.fetch_ticker(index.by_symbol["BTC/USDT"])
