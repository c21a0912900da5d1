"""Coinbase Exchange's error vocabulary: {"message": "..."} bodies with 4xx/5xx statuses.

Docs: https://docs.cdp.coinbase.com/exchange/rest-api/requests (errors) and .../rate-limits (429).
The venue has no error codes, only messages; an unknown product id answers 404 {"message": "NotFound"}.
On the market-data paths every 404 names a missing product: BAD_SYMBOL. On the order paths
(/orders/{id}) the same answer means an unknown order: endpoints.py turns BAD_SYMBOL into ORDER_NOT_FOUND
there, the only place that knows which path it asked.
"""

from __future__ import annotations

import msgspec

from ...errors import (
    AuthenticationFailed,
    BadSymbol,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    PermissionDenied,
    RateLimited,
)
from ...transport.errors import DEFAULT_STATUS_MAP, ErrorClass, ErrorTable
from .constants import EXCHANGE_ID
from .schemas import ErrorBody

_ERROR_BODY = msgspec.json.Decoder(ErrorBody)


def extract(body: bytes) -> tuple[str | None, str] | None:
    """(None, message) of a Coinbase error body; None when the body is something else (HTML, data)."""
    try:
        return None, _ERROR_BODY.decode(body).message
    except msgspec.DecodeError:
        return None


# Message fragments, case-insensitive, first match wins.
BY_MESSAGE: tuple[tuple[str, ErrorClass], ...] = (
    ("notfound", BadSymbol),  # {"message": "NotFound"}: no such product
    ("product not found", BadSymbol),
    ("rate limit exceeded", RateLimited),  # "Public rate limit exceeded" / "Private rate limit exceeded"
    ("invalid api key", AuthenticationFailed),
    ("invalid signature", AuthenticationFailed),
    ("invalid passphrase", AuthenticationFailed),
    ("invalid timestamp", AuthenticationFailed),
    ("request timestamp expired", AuthenticationFailed),  # more than 30 s from the venue's clock
    ("insufficient funds", InsufficientFunds),
    ("order already done", OrderNotFound),  # canceling an order that is filled or canceled
    ("order not found", OrderNotFound),
    ("invalid order id", OrderNotFound),
    ("trading pair not available", PermissionDenied),
    ("under maintenance", ExchangeUnavailable),
    ("cancel only mode", ExchangeUnavailable),
    ("price too small", InvalidOrder),
    ("price too precise", InvalidOrder),
    ("size is too small", InvalidOrder),
    ("size is too large", InvalidOrder),
    ("size too precise", InvalidOrder),
    ("funds is too small", InvalidOrder),
    ("post only", InvalidOrder),  # a post-only order that would have taken liquidity
)

BY_STATUS: dict[int, ErrorClass] = {**DEFAULT_STATUS_MAP, 404: BadSymbol}

ERRORS = ErrorTable(EXCHANGE_ID, by_message=BY_MESSAGE, by_status=BY_STATUS, extract=extract)
