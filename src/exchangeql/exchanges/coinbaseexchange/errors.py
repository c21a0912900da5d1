"""Coinbase Exchange's error vocabulary: {"message": "..."} bodies with 4xx/5xx statuses.

Docs: https://docs.cdp.coinbase.com/exchange/rest-api/requests (errors) and .../rate-limits (429).
The venue has no error codes, only messages; an unknown product id answers 404 {"message": "NotFound"}.
This adapter calls public market-data paths only, where every 404 names a missing product: BAD_SYMBOL.
(On the private /orders paths the same "NotFound" means an unknown order; that table comes with trading.)
"""

from __future__ import annotations

import msgspec

from ...errors import (
    AuthenticationFailed,
    BadSymbol,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
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
    ("insufficient funds", InsufficientFunds),
    ("under maintenance", ExchangeUnavailable),
    ("cancel only mode", ExchangeUnavailable),
    ("price too small", InvalidOrder),
    ("price too precise", InvalidOrder),
    ("size is too small", InvalidOrder),
)

BY_STATUS: dict[int, ErrorClass] = {**DEFAULT_STATUS_MAP, 404: BadSymbol}

ERRORS = ErrorTable(EXCHANGE_ID, by_message=BY_MESSAGE, by_status=BY_STATUS, extract=extract)
