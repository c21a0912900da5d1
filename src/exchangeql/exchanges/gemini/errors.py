"""Gemini's error vocabulary: {"result": "error", "reason": "...", "message": "..."}, mapped into ours.

Reasons: https://docs.gemini.com/error-codes (errors come with a non-200 status). The reason is the
code, looked up exactly; the message decides only for unknown reasons (maintenance and outage notices).
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
    PermissionDenied,
    RateLimited,
)
from ...transport.errors import DEFAULT_STATUS_MAP, ErrorClass, ErrorTable
from .constants import EXCHANGE_ID
from .schemas import ErrorBody

_ERROR_BODY = msgspec.json.Decoder(ErrorBody)


def extract(body: bytes) -> tuple[str | None, str] | None:
    """(reason, message) of a Gemini error body; None when the body is something else (HTML, data)."""
    try:
        error = _ERROR_BODY.decode(body)
    except msgspec.DecodeError:
        return None
    if error.result != "error":
        return None
    return error.reason, error.message or error.reason


BY_CODE: dict[str, ErrorClass] = {
    "InvalidSymbol": BadSymbol,
    "RateLimit": RateLimited,
    "Maintenance": ExchangeUnavailable,
    "System": ExchangeUnavailable,
    "InsufficientFunds": InsufficientFunds,
    "OrderNotFound": OrderNotFound,
    "MarketNotOpen": InvalidOrder,
    "AuctionNotOpen": InvalidOrder,
    "IneligibleTiming": InvalidOrder,
    "InvalidOrderType": InvalidOrder,
    "InvalidPrice": InvalidOrder,
    "InvalidQuantity": InvalidOrder,
    "InvalidSide": InvalidOrder,
    "MissingOrderField": InvalidOrder,
    "ConflictingOptions": InvalidOrder,
    "UnsupportedOption": InvalidOrder,
    "OptionsMustBeArray": InvalidOrder,
    "ClientOrderIdTooLong": InvalidOrder,
    "ClientOrderIdMustBeString": InvalidOrder,
    "InvalidJson": BadRequest,
    "EndpointMismatch": BadRequest,
    "EndpointNotFound": BadRequest,
    "InvalidTimestampInPayload": BadRequest,
    "InvalidNonce": AuthenticationFailed,
    "InvalidApiKey": AuthenticationFailed,
    "InvalidSignature": AuthenticationFailed,
    "MissingApikeyHeader": AuthenticationFailed,
    "MissingPayloadHeader": AuthenticationFailed,
    "MissingSignatureHeader": AuthenticationFailed,
    "NoSSL": AuthenticationFailed,
    "MissingRole": PermissionDenied,
}

BY_MESSAGE: tuple[tuple[str, ErrorClass], ...] = (
    ("currently undergoing maintenance", ExchangeUnavailable),
    ("investigating technical issues", ExchangeUnavailable),
    ("internal server error", ExchangeUnavailable),
)

BY_STATUS: dict[int, ErrorClass] = {
    **DEFAULT_STATUS_MAP,
    406: InsufficientFunds,  # documented: "Insufficient Funds"
}

ERRORS = ErrorTable(EXCHANGE_ID, by_code=BY_CODE, by_message=BY_MESSAGE, by_status=BY_STATUS, extract=extract)
