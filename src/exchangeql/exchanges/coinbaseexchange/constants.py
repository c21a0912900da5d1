"""Coinbase Exchange declarations: origin, paths, rate limit, timeframes, currency aliases, capabilities.

The public REST API is throttled per IP: 10 requests per second, bursts up to 15
(https://docs.cdp.coinbase.com/exchange/rest-api/rate-limits). Every public endpoint costs one request;
the budget declared here is the steady rate, so bursts stay inside the venue's allowance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ...settings import RateLimit
from ..base import Support, capabilities

EXCHANGE_ID: Final = "coinbaseexchange"
EXCHANGE_NAME: Final = "Coinbase Exchange"

BASE_URL: Final = "https://api.exchange.coinbase.com"

# Paths, as on the real origin (the replay recordings use the same ones).
PRODUCTS: Final = "/products"


def product_path(product_id: str, resource: str) -> str:
    """/products/{product_id}/{resource}: ticker, book, trades or candles of one product."""
    return f"{PRODUCTS}/{product_id}/{resource}"


REQUEST_WEIGHT: Final = 1  # every public endpoint counts one request
RATE_LIMIT: Final = RateLimit(weight=10, per_seconds=1)

# /products/{id}/trades answers at most 1000 trades (100 when no limit is sent).
MAX_TRADES: Final = 1000
# /products/{id}/candles answers at most 300 candles and takes no limit: the window is start..end.
MAX_CANDLES: Final = 300

# Book levels: 1 is the best bid and ask only, 2 the whole book aggregated by price.
BOOK_LEVEL_BEST: Final = 1
BOOK_LEVEL_AGGREGATED: Final = 2

# Unified timeframe -> candle granularity in seconds (the only six the venue accepts).
TIMEFRAMES: Final[Mapping[str, str]] = {
    "1m": "60",
    "5m": "300",
    "15m": "900",
    "1h": "3600",
    "6h": "21600",
    "1d": "86400",
}

# Venue currency id -> unified code: ccxt's defaults (XBT, BCHSV) and its Coinbase entry (CGLD is Celo's
# old ticker on Coinbase).
CURRENCY_ALIASES: Final[Mapping[str, str]] = {"XBT": "BTC", "BCHSV": "BSV", "CGLD": "CELO"}

# There is no all-tickers endpoint (ccxt fills fetchTickers from the undocumented /products/spark-lines,
# which carries hourly closes, no bid, ask or volume). Emulating it means one /ticker call per product,
# hundreds of calls at 10 per second: not cheap, not bounded. Tickers by symbol go one call each through
# fetch_ticker, which the gateway already does for a list of symbols.
CAPABILITIES: Final = capabilities(
    fetch_markets=Support.NATIVE,
    fetch_ticker=Support.NATIVE,
    fetch_tickers=Support.NONE,
    fetch_order_book=Support.NATIVE,
    fetch_trades=Support.NATIVE,
    fetch_ohlcv=Support.NATIVE,
)
