"""Bitfinex's error vocabulary, mapped into our hierarchy.

API v2 errors are arrays, ["error", CODE, "message"], mostly with HTTP 500 (e.g. ["error", 10020,
"symbol: invalid"]); the rate limiter answers an object, {"error": "ERR_RATE_LIMIT"}, and an outage
{"code": 503, "error": "temporarily_unavailable", ...}.
Codes: https://docs.bitfinex.com/docs/abbreviations-glossary (10000 unknown, 10001 generic, 10020 request
parameters, 10100 authentication, 10114 nonce, 11000 not ready, 11010 rate limit, 20060 maintenance).
10000, 10001 and 10020 are generic: their reason is in the message, so (as binance's extractor does for
its generic codes) the code is handed over inside the message and the message fragments decide.
"""

from __future__ import annotations

import msgspec

from ...errors import (
    AuthenticationFailed,
    BadRequest,
    BadSymbol,
    ExchangeUnavailable,
    InsufficientFunds,
    OrderNotFound,
    PermissionDenied,
    RateLimited,
)
from ...transport.errors import ErrorClass, ErrorTable
from .constants import EXCHANGE_ID
from .schemas import ErrorArray, ErrorObject

_ERROR_ARRAY = msgspec.json.Decoder(ErrorArray)
_ERROR_OBJECT = msgspec.json.Decoder(ErrorObject)

_REASON_IN_MESSAGE = frozenset({10000, 10001, 10020})


def extract(body: bytes) -> tuple[str | None, str] | None:
    """(code, message) of a Bitfinex error body; None when the body is something else (HTML, data)."""
    stripped = body.lstrip()
    try:
        if stripped.startswith(b"["):
            error = _ERROR_ARRAY.decode(body)
            if error.kind != "error":
                return None
            if error.code in _REASON_IN_MESSAGE:
                return None, f"{error.message} (code {error.code})"
            return str(error.code), error.message
        detail = _ERROR_OBJECT.decode(body)
    except msgspec.DecodeError:
        return None
    message = (
        detail.error if detail.error_description is None else f"{detail.error}: {detail.error_description}"
    )
    return detail.error, message


BY_CODE: dict[str, ErrorClass] = {
    "10100": AuthenticationFailed,  # apikey: invalid / authentication failure
    "10111": AuthenticationFailed,  # error in authentication request payload
    "10112": AuthenticationFailed,  # error in authentication request signature
    "10113": AuthenticationFailed,  # error in authentication request encryption
    "10114": AuthenticationFailed,  # nonce: small
    "11000": ExchangeUnavailable,  # not ready, try again later
    "11010": RateLimited,  # ratelimit: error
    "20060": ExchangeUnavailable,  # maintenance
    "ERR_RATE_LIMIT": RateLimited,
    "temporarily_unavailable": ExchangeUnavailable,
}

# Reasons carried by the generic codes (first match wins, case-insensitive).
BY_MESSAGE: tuple[tuple[str, ErrorClass], ...] = (
    ("symbol: invalid", BadSymbol),
    ("ratelimit", RateLimited),
    ("permission", PermissionDenied),
    ("not enough exchange balance", InsufficientFunds),
    ("available balance is only", InsufficientFunds),
    ("order not found", OrderNotFound),
    ("(code 10020)", BadRequest),  # e.g. "limit: invalid"
    ("(code 10001)", BadRequest),
    ("(code 10000)", ExchangeUnavailable),  # unknown error
)

ERRORS = ErrorTable(EXCHANGE_ID, by_code=BY_CODE, by_message=BY_MESSAGE, extract=extract)
