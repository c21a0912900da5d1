"""The paper matching engine: fills against the simulated market, exact balances, validation, persistence."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from exchangeql.errors import BadRequest, InsufficientFunds, InvalidOrder, OrderNotFound
from exchangeql.exchanges.paper.matching import MatchingEngine
from exchangeql.exchanges.paper.simulation import MarketSimulator
from exchangeql.models import Balance, Order, OrderRequest, OrderStatus, OrderType, Side, Trade

from . import T0

FEE = Decimal("0.001")
RESERVE = 1 + FEE
STEP = T0 // 1000


@pytest.fixture(scope="module")
def sim() -> MarketSimulator:
    return MarketSimulator(42)


@pytest.fixture
def engine(sim: MarketSimulator) -> MatchingEngine:
    return MatchingEngine(sim)


def request(
    sim: MarketSimulator,
    side: Side,
    amount: str | Decimal,
    price: str | Decimal | None = None,
    *,
    symbol: str = "BTC/USDT",
    cid: str = "c1",
    tif: str | None = None,
) -> OrderRequest:
    return OrderRequest(
        market=sim.market(symbol),
        side=side,
        type=OrderType.MARKET if price is None else OrderType.LIMIT,
        amount=Decimal(amount),
        price=None if price is None else Decimal(price),
        client_order_id=cid,
        time_in_force=tif,
    )


def wallets(engine: MatchingEngine, now: int = T0) -> dict[str, Balance]:
    balances = {b.currency: b for b in engine.balances(now)}
    for b in balances.values():
        assert b.total == b.free + b.used
    return balances


def future_prints(sim: MarketSimulator, symbol: str, seconds: int) -> list[Trade]:
    """The prints of the `seconds` seconds after STEP, read from the public trades."""
    return sim.trades(symbol, (STEP + seconds) * 1000, seconds)


def at(trade: Trade) -> int:
    return trade.timestamp or 0


# -- market orders -----------------------------------------------------------------------------------


def test_market_buy_walks_the_book_and_pays_cost_plus_fee_exactly(
    sim: MarketSimulator, engine: MatchingEngine
) -> None:
    _, asks = sim.book("BTC/USDT", STEP)
    amount = asks[0].amount + asks[1].amount + Decimal("0.00100")  # into the third level
    cost = asks[0].price * asks[0].amount + asks[1].price * asks[1].amount + asks[2].price * Decimal("0.001")

    order = engine.create_order(request(sim, Side.BUY, amount), T0)

    assert (order.status, order.type) == (OrderStatus.CLOSED, OrderType.MARKET)
    assert (order.filled, order.remaining) == (amount, Decimal(0))
    assert order.cost == cost
    assert order.fee is not None and (order.fee.cost, order.fee.currency) == (cost * FEE, "USDT")
    assert order.price == (cost / amount).quantize(Decimal("0.01"))  # the average fill price
    assert order.info["fills"] == 3
    after = wallets(engine)
    assert after["USDT"] == Balance(
        "USDT", 100_000 - cost - cost * FEE, Decimal(0), 100_000 - cost - cost * FEE
    )
    assert after["BTC"] == Balance("BTC", 10 + amount, Decimal(0), 10 + amount)
    assert after["ETH"].total == 100


def test_market_sell_receives_cost_minus_fee(sim: MarketSimulator, engine: MatchingEngine) -> None:
    bids, _ = sim.book("BTC/USDT", STEP)
    order = engine.create_order(request(sim, Side.SELL, bids[0].amount), T0)
    cost = bids[0].price * bids[0].amount
    assert (order.status, order.cost, order.fee and order.fee.cost) == (OrderStatus.CLOSED, cost, cost * FEE)
    after = wallets(engine)
    assert after["USDT"].free == 100_000 + cost - cost * FEE
    assert after["BTC"].free == 10 - bids[0].amount


def test_a_market_order_beyond_the_book_depth_fills_the_book_and_expires(sim: MarketSimulator) -> None:
    engine = MatchingEngine(sim, {"USDT": Decimal("1000000000")})
    _, asks = sim.book("BTC/USDT", STEP)
    depth = sum((level.amount for level in asks), Decimal(0))
    order = engine.create_order(request(sim, Side.BUY, "9000"), T0)
    assert (order.status, order.filled, order.remaining) == (OrderStatus.EXPIRED, depth, 9000 - depth)
    assert wallets(engine)["BTC"].free == depth


# -- limit orders ------------------------------------------------------------------------------------


def test_a_resting_limit_buy_fills_partially_then_fully_as_the_price_crosses(
    sim: MarketSimulator, engine: MatchingEngine
) -> None:
    prints = future_prints(sim, "BTC/USDT", 900)
    _, asks = sim.book("BTC/USDT", STEP)
    price = sorted(t.price for t in prints)[5]
    assert price < asks[0].price  # it rests: nothing to take now
    crossing = [t for t in prints if t.price <= price]
    first, second = crossing[0], crossing[1]
    amount = first.amount + second.amount - Decimal("0.00001")

    order = engine.create_order(request(sim, Side.BUY, amount, price), T0)
    assert (order.status, order.filled) == (OrderStatus.OPEN, Decimal(0))
    held = amount * price * RESERVE
    assert wallets(engine)["USDT"] == Balance("USDT", 100_000 - held, held, Decimal(100_000))

    # Just before the first crossing nothing has happened; at it, the print's amount fills.
    assert engine.fetch_order("BTC/USDT", order.id, None, at(first) - 1000).filled == 0
    partial = engine.fetch_order(None, order.id, None, at(first))
    assert partial.status is OrderStatus.OPEN
    assert (partial.filled, partial.cost) == (first.amount, first.amount * price)
    assert partial.info["lastTradeTimestamp"] == at(first)
    usdt, btc = wallets(engine, at(first))["USDT"], wallets(engine, at(first))["BTC"]
    assert usdt.used == (amount - first.amount) * price * RESERVE
    assert usdt.free == 100_000 - held  # a maker fill at the limit price uses exactly what it held
    assert btc.free == 10 + first.amount
    assert [o.id for o in engine.open_orders("BTC/USDT", at(first))] == [order.id]

    done = engine.fetch_order(None, None, "c1", at(second) + 60_000)
    assert (done.status, done.filled, done.remaining) == (OrderStatus.CLOSED, amount, Decimal(0))
    assert done.fee is not None and done.fee.cost == amount * price * FEE
    assert done.info["fills"] == 2 and done.info["lastTradeTimestamp"] == at(second)
    usdt = wallets(engine, at(second) + 60_000)["USDT"]
    assert usdt == Balance("USDT", 100_000 - held, Decimal(0), 100_000 - held)
    assert engine.open_orders(None, at(second) + 60_000) == []


def test_a_resting_limit_sell_on_the_cross_fills_when_the_price_rises(sim: MarketSimulator) -> None:
    engine = MatchingEngine(sim)
    prints = future_prints(sim, "ETH/BTC", 1800)
    bids, _ = sim.book("ETH/BTC", STEP)
    price = sorted((t.price for t in prints), reverse=True)[3]
    assert price > bids[0].price
    crossing = [t for t in prints if t.price >= price]
    amount = crossing[0].amount
    order = engine.create_order(request(sim, Side.SELL, amount, price, symbol="ETH/BTC"), T0)
    assert wallets(engine)["ETH"] == Balance("ETH", 100 - amount, amount, Decimal(100))

    done = engine.fetch_order("ETH/BTC", order.id, None, at(crossing[0]))
    assert (done.status, done.filled) == (OrderStatus.CLOSED, amount)
    after = wallets(engine, at(crossing[0]))
    assert after["ETH"] == Balance("ETH", 100 - amount, Decimal(0), 100 - amount)
    assert after["BTC"].free == 10 + amount * price - amount * price * FEE


def test_a_marketable_limit_takes_the_book_up_to_its_price_then_rests(sim: MarketSimulator) -> None:
    engine = MatchingEngine(sim, {"USDT": Decimal("1000000")})
    _, asks = sim.book("BTC/USDT", STEP)
    price = asks[1].price  # takes the first two levels, no further
    amount = asks[0].amount + asks[1].amount + Decimal("0.5")
    order = engine.create_order(request(sim, Side.BUY, amount, price), T0)
    taken = asks[0].amount + asks[1].amount
    cost = asks[0].price * asks[0].amount + asks[1].price * asks[1].amount
    assert (order.status, order.filled, order.cost) == (OrderStatus.OPEN, taken, cost)
    held = amount * price * RESERVE
    refund = taken * price * RESERVE - cost - cost * FEE  # taken below the limit price: the rest comes back
    usdt = wallets(engine)["USDT"]
    assert usdt.used == Decimal("0.5") * price * RESERVE
    assert refund > 0
    assert usdt.free == 1_000_000 - held + refund


def test_cancel_releases_exactly_what_was_reserved(sim: MarketSimulator, engine: MatchingEngine) -> None:
    buy = engine.create_order(request(sim, Side.BUY, "1.5", "1000.00", cid="low-bid"), T0)
    sell = engine.create_order(request(sim, Side.SELL, "2", "500000.00", cid="high-ask"), T0)
    usdt, btc = wallets(engine)["USDT"], wallets(engine)["BTC"]
    assert (usdt.used, btc.used) == (Decimal("1501.5000"), Decimal("2"))

    canceled = engine.cancel_order("BTC/USDT", buy.id, None, T0 + 5000)
    assert (canceled.status, canceled.filled) == (OrderStatus.CANCELED, Decimal(0))
    engine.cancel_order(None, None, "high-ask", T0 + 5000)
    after = wallets(engine, T0 + 5000)
    assert after["USDT"] == Balance("USDT", Decimal(100_000), Decimal(0), Decimal(100_000))
    assert after["BTC"] == Balance("BTC", Decimal(10), Decimal(0), Decimal(10))
    assert engine.open_orders(None, T0 + 5000) == []
    with pytest.raises(InvalidOrder, match="only open orders"):
        engine.cancel_order("BTC/USDT", sell.id, None, T0 + 6000)


def test_time_in_force(sim: MarketSimulator, engine: MatchingEngine) -> None:
    _, asks = sim.book("BTC/USDT", STEP)
    with pytest.raises(InvalidOrder, match="post-only"):
        engine.create_order(request(sim, Side.BUY, "0.1", asks[0].price, tif="PO"), T0)
    resting = engine.create_order(request(sim, Side.BUY, "0.1", "50000.00", cid="po", tif="PO"), T0)
    assert resting.status is OrderStatus.OPEN

    fok = engine.create_order(
        request(sim, Side.BUY, asks[0].amount + 1, asks[0].price, cid="fok", tif="FOK"), T0
    )
    assert (fok.status, fok.filled) == (OrderStatus.EXPIRED, Decimal(0))
    ioc = engine.create_order(
        request(sim, Side.BUY, asks[0].amount + 1, asks[0].price, cid="ioc", tif="ioc"), T0
    )
    assert (ioc.status, ioc.filled) == (OrderStatus.EXPIRED, asks[0].amount)
    assert wallets(engine)["BTC"].total == 10 + asks[0].amount


# -- validation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "price", "tif", "rule"),
    [
        ("0.000001", "60000.00", None, "amount 0.000001 is below the minimum 0.00001"),
        ("0.000015", "60000.00", None, "amount 0.000015 is not a multiple of the amount step 0.00001"),
        ("10000", "60000.00", None, "above the maximum 9000"),
        ("-1", "60000.00", None, "must be a positive number"),
        ("NaN", "60000.00", None, "must be a positive number"),
        ("0.1", "60000.001", None, "price 60000.001 is not a multiple of the price step 0.01"),
        ("0.1", "2000000.00", None, "price 2000000.00 is above the maximum"),
        ("0.00001", "100.00", None, "cost 0.0010000 is below the minimum 5"),
        ("0.1", "60000.00", "GTD", "time in force 'GTD' is not supported"),
    ],
)
def test_invalid_orders_name_the_rule_and_change_nothing(
    sim: MarketSimulator, engine: MatchingEngine, amount: str, price: str, tif: str | None, rule: str
) -> None:
    before = wallets(engine)
    with pytest.raises(InvalidOrder) as raised:
        engine.create_order(request(sim, Side.BUY, amount, price, tif=tif), T0)
    assert rule in raised.value.message
    assert raised.value.exchange == "paper"
    assert wallets(engine) == before
    assert engine.open_orders(None, T0) == []


def test_a_limit_order_needs_a_price(sim: MarketSimulator, engine: MatchingEngine) -> None:
    bad = OrderRequest(sim.market("BTC/USDT"), Side.BUY, OrderType.LIMIT, Decimal("0.1"), None, "x")
    with pytest.raises(InvalidOrder, match="needs a price"):
        engine.create_order(bad, T0)


def test_client_order_ids_are_unique_per_account(sim: MarketSimulator, engine: MatchingEngine) -> None:
    engine.create_order(request(sim, Side.BUY, "0.001", cid="mine"), T0)  # closed at once
    with pytest.raises(InvalidOrder, match="duplicate client order id 'mine'"):
        engine.create_order(request(sim, Side.BUY, "0.001", "50000.00", cid="mine"), T0)
    other = MatchingEngine(sim)
    assert other.create_order(request(sim, Side.BUY, "0.001", cid="mine"), T0).status is OrderStatus.CLOSED


@pytest.mark.parametrize(
    ("side", "amount", "price", "currency"),
    [
        (Side.BUY, "2", "60000.00", "USDT"),  # needs 120120 USDT held
        (Side.BUY, "2", None, "USDT"),  # a market buy of ~2 BTC costs more than 100000
        (Side.SELL, "10.00001", "90000.00", "BTC"),
        (Side.SELL, "10.00001", None, "BTC"),
    ],
)
def test_insufficient_funds(
    sim: MarketSimulator, engine: MatchingEngine, side: Side, amount: str, price: str | None, currency: str
) -> None:
    before = wallets(engine)
    with pytest.raises(InsufficientFunds, match=f"insufficient {currency}"):
        engine.create_order(request(sim, side, amount, price), T0)
    assert wallets(engine) == before


def test_order_lookups(sim: MarketSimulator, engine: MatchingEngine) -> None:
    order = engine.create_order(request(sim, Side.BUY, "0.1", "50000.00", cid="look"), T0)
    assert engine.fetch_order(None, None, "look", T0).id == order.id
    assert engine.fetch_order("BTC/USDT", order.id, "look", T0).client_order_id == "look"
    with pytest.raises(OrderNotFound):
        engine.fetch_order("ETH/USDT", order.id, None, T0)  # another market
    with pytest.raises(OrderNotFound):
        engine.fetch_order(None, order.id, "other", T0)  # ids that disagree
    with pytest.raises(OrderNotFound):
        engine.fetch_order(None, "999", None, T0)
    with pytest.raises(BadRequest):
        engine.fetch_order(None, None, None, T0)


def test_only_the_newest_finished_orders_are_kept(sim: MarketSimulator) -> None:
    engine = MatchingEngine(sim, max_closed_orders=2)
    first = engine.create_order(request(sim, Side.BUY, "0.001", cid="a"), T0)
    engine.create_order(request(sim, Side.BUY, "0.001", cid="b"), T0)
    engine.create_order(request(sim, Side.BUY, "0.001", cid="c"), T0)
    with pytest.raises(OrderNotFound):
        engine.fetch_order(None, first.id, None, T0)
    assert engine.create_order(request(sim, Side.BUY, "0.001", cid="a"), T0).id == "4"


# -- the ledger and persistence ----------------------------------------------------------------------


def trade_a_while(sim: MarketSimulator, engine: MatchingEngine) -> list[Order]:
    prints = future_prints(sim, "BTC/USDT", 1200)
    low = sorted(t.price for t in prints)[3]
    high = sorted((t.price for t in prints), reverse=True)[3]
    orders = [
        engine.create_order(request(sim, Side.BUY, "0.25", cid="m1"), T0),
        engine.create_order(request(sim, Side.SELL, "0.4", low, cid="l-sell"), T0 + 2000),  # takes at once
        engine.create_order(request(sim, Side.BUY, "1.2", low, cid="l-buy"), T0 + 3000),  # rests
        engine.create_order(request(sim, Side.SELL, "0.9", high, cid="h-sell"), T0 + 4000),  # rests
        engine.create_order(request(sim, Side.BUY, "3", "2.50", symbol="ETH/USDT", cid="e1"), T0 + 5000),
        engine.create_order(request(sim, Side.SELL, "1.5", symbol="ETH/BTC", cid="x1"), T0 + 6000),
    ]
    engine.cancel_order("ETH/USDT", orders[4].id, None, T0 + 7000)
    return orders


def test_balances_are_exactly_the_ledger_of_fills(sim: MarketSimulator) -> None:
    engine = MatchingEngine(sim)
    trade_a_while(sim, engine)
    later = T0 + 1200 * 1000
    orders = [engine.fetch_order(None, str(i), None, later) for i in range(1, 7)]
    assert {o.status for o in orders} >= {OrderStatus.CLOSED, OrderStatus.CANCELED}
    expected = {"USDT": Decimal(100_000), "BTC": Decimal(10), "ETH": Decimal(100)}
    for o in orders:
        base, quote = o.symbol.split("/")
        assert o.fee is not None
        sign = 1 if o.side is Side.BUY else -1
        expected[base] += sign * o.filled
        expected[quote] -= sign * o.cost + o.fee.cost
    held = {"USDT": Decimal(0), "BTC": Decimal(0), "ETH": Decimal(0)}
    for o in engine.open_orders(None, later):
        assert o.price is not None
        if o.side is Side.BUY:
            held["USDT"] += o.remaining * o.price * RESERVE
        else:
            held["BTC"] += o.remaining
    for currency, balance in wallets(engine, later).items():
        assert balance.total == expected[currency], currency
        assert balance.used == held[currency], currency


def test_snapshot_and_restore_round_trip(sim: MarketSimulator) -> None:
    engine = MatchingEngine(sim)
    trade_a_while(sim, engine)
    resting = {o.id: o.filled for o in engine.open_orders(None, T0 + 7000)}
    assert len(resting) == 2  # resting orders travel through the snapshot
    snapshot = engine.snapshot()
    as_json = json.loads(json.dumps(snapshot))  # plain data: Decimals are strings
    assert as_json == snapshot
    assert snapshot["balances"]["USDT"]["free"] == str(wallets(engine, T0 + 7000)["USDT"].free)

    restored = MatchingEngine.restore(sim, as_json)
    assert restored.snapshot() == snapshot
    later = T0 + 1200 * 1000
    assert restored.balances(later) == engine.balances(later)  # both fill the resting orders alike
    assert restored.open_orders(None, later) == engine.open_orders(None, later)
    assert restored.snapshot() == engine.snapshot()
    progressed = [restored.fetch_order(None, i, None, later) for i in resting]
    assert any(o.filled > resting[o.id] for o in progressed)
    with pytest.raises(InvalidOrder, match="duplicate"):
        restored.create_order(request(sim, Side.BUY, "0.001", cid="m1"), later)
    assert restored.create_order(request(sim, Side.BUY, "0.001", cid="new"), later).id == "7"


def test_restore_rejects_what_it_cannot_read(sim: MarketSimulator) -> None:
    snapshot = MatchingEngine(sim).snapshot()
    with pytest.raises(ValueError, match="version"):
        MatchingEngine.restore(sim, {**snapshot, "version": 99})
    with pytest.raises(ValueError, match="malformed"):
        MatchingEngine.restore(sim, {**snapshot, "balances": {"USDT": {"free": "lots", "used": "0"}}})
    broken = MatchingEngine(sim)
    broken.create_order(request(sim, Side.BUY, "0.001"), T0)
    orders = broken.snapshot()["orders"]
    with pytest.raises(ValueError, match="malformed"):
        MatchingEngine.restore(sim, {**snapshot, "orders": [{**orders[0], "symbol": "DOGE/USDT"}]})
