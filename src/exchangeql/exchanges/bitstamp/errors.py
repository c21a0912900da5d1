"""Bitstamp's error vocabulary, mapped into our hierarchy.

Bitstamp answers errors as {"status": "error", "reason": "...", "code": "API0005"} (the reason may be a
{field: [messages]} object, "__all__" for the request as a whole), as {"error": "..."}, and, per its API
page (https://www.bitstamp.net/api/, "Response codes"), with a `response_code` such as "400.002" and an
optional `response_explanation`. Some come with HTTP 200. Codes are looked up first, then messages (the
strings ccxt 4.5.90 maps for bitstamp), then the HTTP status.
"""

from __future__ import annotations

import msgspec

from ...errors import (
    AuthenticationFailed,
    BadRequest,
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


def _messages(value: str | dict[str, list[str] | str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    messages: list[str] = []
    for entry in value.values():
        messages += [entry] if isinstance(entry, str) else entry
    return messages


def extract(body: bytes) -> tuple[str | None, str] | None:
    """(code, message) of a Bitstamp error body; None when the body is something else (data, HTML)."""
    try:
        error = _ERROR_BODY.decode(body)
    except msgspec.DecodeError:
        return None
    messages = _messages(error.error) + _messages(error.reason)
    if error.response_explanation:
        messages.append(error.response_explanation)
    if error.status != "error" and error.error is None and error.response_code is None:
        return None
    code = error.response_code or error.code
    return code, "; ".join(message for message in messages if message) or (code or "error")


BY_CODE: dict[str, ErrorClass] = {
    # Documented response codes (https://www.bitstamp.net/api/, "Response codes").
    "400.001": BadRequest,  # Unknown validation error.
    "400.002": RateLimited,  # Request rejected due to exceeded rate limit.
    "400.003": InvalidOrder,  # Trading for provided market is disabled.
    "400.009": InsufficientFunds,  # Insufficient balance for provided user.
    "400.020": InvalidOrder,  # Provided order size is lower than minimum order value.
    "400.021": InvalidOrder,  # Provided price is out of range.
    # Older `code` values.
    "API0004": AuthenticationFailed,  # invalid nonce
    "API0005": AuthenticationFailed,  # invalid signature
}

# First match wins, case-insensitive.
BY_MESSAGE: tuple[tuple[str, ErrorClass], ...] = (
    ("exceeded rate limit", RateLimited),
    ("no permission found", PermissionDenied),
    ("ip address not allowed", PermissionDenied),
    ("your account is frozen", PermissionDenied),
    ("fatca information", PermissionDenied),
    ("trading is currently unavailable for your account", PermissionDenied),
    ("api key not found", AuthenticationFailed),
    ("invalid nonce", AuthenticationFailed),
    ("invalid signature", AuthenticationFailed),
    ("authentication failed", AuthenticationFailed),
    ("missing key, signature and nonce", AuthenticationFailed),
    ("wrong api key format", AuthenticationFailed),
    ("order not found", OrderNotFound),
    ("under scheduled maintenance", ExchangeUnavailable),
    ("order could not be placed", ExchangeUnavailable),
    ("check your account balance", InsufficientFunds),
    ("minimum order size is", InvalidOrder),
    ("price is more than", InvalidOrder),
    ("ensure that there are no more than", InvalidOrder),
    ("invalid offset", BadRequest),
)

ERRORS = ErrorTable(
    EXCHANGE_ID, by_code=BY_CODE, by_message=BY_MESSAGE, by_status=dict(DEFAULT_STATUS_MAP), extract=extract
)
