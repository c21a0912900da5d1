"""Account and order resolvers: authorisation first (scope and account), then the trading service.

Reads run within the request deadline like every venue call; createOrder manages its own deadline (the
send must finish its journal bookkeeping even when the caller stops waiting).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import NotSupported
from ..models import Balance, OrderStatus
from ..trading.accounts import AccountConfig
from ..trading.auth import Principal, Scope
from ..trading.service import OrderInput, TradingOrder, TradingService
from .fanout import guarded

if TYPE_CHECKING:
    from .context import Info


def _service(info: Info) -> TradingService:
    service = info.context.trading
    if service is None:
        raise NotSupported("trading is not enabled on this gateway")
    return service


async def _principal(info: Info) -> Principal:
    auth = info.context.auth
    if auth is None:
        raise NotSupported("trading is not enabled on this gateway")
    return await auth.principal()


async def account(info: Info, account_id: str) -> AccountConfig:
    (await _principal(info)).require(Scope.READ_ACCOUNT, account_id)
    return _service(info).venue(account_id).config


async def balances(info: Info, config: AccountConfig) -> list[Balance]:
    return await guarded(config.exchange_id, _service(info).balances(config.id))


async def orders(
    info: Info, config: AccountConfig, symbol: str | None, status: OrderStatus | None, limit: int | None
) -> list[TradingOrder]:
    return await guarded(config.exchange_id, _service(info).orders(config.id, symbol, status, limit))


async def order(
    info: Info, config: AccountConfig, order_id: str | None, client_order_id: str | None, symbol: str | None
) -> TradingOrder | None:
    return await guarded(
        config.exchange_id, _service(info).order(config.id, order_id, client_order_id, symbol)
    )


async def create_order(info: Info, request: OrderInput) -> TradingOrder:
    (await _principal(info)).require(Scope.TRADE, request.account)
    return await _service(info).create_order(request)


async def cancel_order(
    info: Info, account_id: str, order_id: str | None, client_order_id: str | None, symbol: str | None
) -> TradingOrder:
    (await _principal(info)).require(Scope.TRADE, account_id)
    service = _service(info)
    exchange_id = service.venue(account_id).exchange_id
    return await guarded(exchange_id, service.cancel_order(account_id, order_id, client_order_id, symbol))
