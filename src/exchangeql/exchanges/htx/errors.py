"""HTX's error vocabulary: {"status": "error", "err-code": "...", "err-msg": "..."} bodies, with HTTP 200.

Codes: https://www.htx.com/en-us/opend/newApiPages/ ("Market Data" and "Error Code" sections).
Market-data errors share one code, "invalid-parameter", whose reason lives only in the message ("invalid
symbol", "invalid period", "invalid size", "request timeout"; a captured answer:
{"ts":1568813334794,"status":"error","err-code":"invalid-parameter","err-msg":"invalid symbol"}). The
table looks codes up before messages, so for that code the extractor hands the code over inside the
message instead: the message fragments decide, and the code still shows in the text.
A success has status "ok", which the extractor reports as "not an error".
"""

from __future__ import annotations

import msgspec

from ...errors import (
    AuthenticationFailed,
    BadRequest,
    BadSymbol,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
    Timeout,
)
from ...transport.errors import DEFAULT_STATUS_MAP, ErrorClass, ErrorTable
from .constants import EXCHANGE_ID
from .schemas import ErrorBody

_ERROR_BODY = msgspec.json.Decoder(ErrorBody)

_REASON_IN_MESSAGE = frozenset({"invalid-parameter"})


def extract(body: bytes) -> tuple[str | None, str] | None:
    """(code, message) of an HTX error body; None for a success or a body of another shape.

    Decoding skips `data`/`tick` without building them: on a large success answer this costs a scan.
    """
    try:
        answer = _ERROR_BODY.decode(body)
    except msgspec.DecodeError:
        return None
    if answer.status != "error":
        return None
    message = answer.err_msg or "error"
    if answer.err_code in _REASON_IN_MESSAGE:
        return None, f"{message} (code {answer.err_code})"
    return answer.err_code, message


BY_CODE: dict[str, ErrorClass] = {
    "bad-request": BadRequest,
    "require-symbol": BadRequest,  # parameter `symbol` is required
    "base-symbol-error": BadSymbol,  # the symbol is invalid
    "base-symbol-trade-disabled": BadSymbol,  # trading is disabled for this symbol
    "base-request-exceed-frequency-limit": RateLimited,
    "rate-too-many-requests": RateLimited,
    "timeout": Timeout,
    "system-maintenance": ExchangeUnavailable,
    "api-signature-not-valid": AuthenticationFailed,
    "api-signature-check-failed": AuthenticationFailed,
    "account-frozen-balance-insufficient-error": InsufficientFunds,
    "order-limitorder-amount-min-error": InvalidOrder,
    "order-limitorder-amount-max-error": InvalidOrder,
    "order-limitorder-price-min-error": InvalidOrder,
    "order-limitorder-price-max-error": InvalidOrder,
    "base-record-invalid": OrderNotFound,  # no such order
    "order-orderstate-error": OrderNotFound,  # canceling an order that is already closed
}

# Reasons carried by "invalid-parameter" (first match wins, case-insensitive).
BY_MESSAGE: tuple[tuple[str, ErrorClass], ...] = (
    ("invalid symbol", BadSymbol),
    ("symbol trade not open now", BadSymbol),
    ("request limit", RateLimited),
    ("request timeout", Timeout),
    ("(code invalid-parameter)", BadRequest),  # invalid period, depth, type, size
)

BY_STATUS: dict[int, ErrorClass] = dict(DEFAULT_STATUS_MAP)

ERRORS = ErrorTable(EXCHANGE_ID, by_code=BY_CODE, by_message=BY_MESSAGE, by_status=BY_STATUS, extract=extract)
