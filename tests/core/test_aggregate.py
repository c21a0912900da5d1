"""Cross-exchange aggregation, exact to the last digit."""

from __future__ import annotations

from decimal import Decimal as D

from exchangeql.aggregate import LevelSource, best_price, consolidate
from exchangeql.models import OrderBook, OrderBookLevel, Ticker


def _ticker(exchange: str, bid: str | None, ask: str | None, bid_volume: str | None = None) -> Ticker:
    return Ticker(
        exchange_id=exchange,
        symbol="BTC/USDT",
        timestamp=1,
        bid=D(bid) if bid else None,
        ask=D(ask) if ask else None,
        bid_volume=D(bid_volume) if bid_volume else None,
        ask_volume=D("2"),
    )


def test_best_bid_is_the_highest_and_best_ask_the_lowest() -> None:
    result = best_price(
        "BTC/USDT",
        [
            _ticker("a", "100.1", "100.5", "3"),
            _ticker("b", "100.3", "100.4", "1.5"),
            _ticker("c", None, "100.9"),
        ],
    )
    assert result.bid is not None and result.ask is not None
    assert (result.bid.exchange_id, result.bid.price, result.bid.amount) == ("b", D("100.3"), D("1.5"))
    assert (result.ask.exchange_id, result.ask.price) == ("b", D("100.4"))
    assert result.spread == D("0.1")
    # 0.1 / 100.35 * 100 = 0.099651220727...
    assert result.spread_percentage == D("0.09965122")
    assert result.crossed is False


def test_crossed_markets_are_flagged() -> None:
    result = best_price("BTC/USDT", [_ticker("a", "101", "102"), _ticker("b", "99", "100")])
    assert result.crossed is True
    assert result.spread == D("-1")


def test_ties_go_to_the_exchange_listed_first_and_missing_sides_give_nulls() -> None:
    tie = best_price("BTC/USDT", [_ticker("a", "100", "101"), _ticker("b", "100", "101")])
    assert tie.bid is not None and tie.bid.exchange_id == "a"
    empty = best_price("BTC/USDT", [_ticker("a", None, "101")])
    assert empty.bid is None and empty.spread is None and empty.crossed is False


def _book(exchange: str, bids: list[tuple[str, str]], asks: list[tuple[str, str]], ts: int) -> OrderBook:
    return OrderBook(
        exchange_id=exchange,
        symbol="BTC/USDT",
        timestamp=ts,
        bids=tuple(OrderBookLevel(D(p), D(a)) for p, a in bids),
        asks=tuple(OrderBookLevel(D(p), D(a)) for p, a in asks),
    )


def test_books_merge_by_price_with_per_exchange_amounts() -> None:
    book = consolidate(
        "BTC/USDT",
        [
            _book("a", [("100", "1"), ("99", "2")], [("101", "1"), ("102", "1")], 10),
            _book("b", [("100", "0.5"), ("98", "4")], [("101.5", "3"), ("102", "0.25")], 20),
        ],
        limit=3,
    )
    assert [(lvl.price, lvl.amount) for lvl in book.bids] == [
        (D("100"), D("1.5")),
        (D("99"), D("2")),
        (D("98"), D("4")),
    ]
    assert book.bids[0].sources == (LevelSource("a", D("1")), LevelSource("b", D("0.5")))
    assert [(lvl.price, lvl.amount) for lvl in book.asks] == [
        (D("101"), D("1")),
        (D("101.5"), D("3")),
        (D("102"), D("1.25")),
    ]
    assert book.timestamp == 20
    assert book.exchanges == ("a", "b")
