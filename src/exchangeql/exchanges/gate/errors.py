"""Gate's error vocabulary: non-2xx answers with {"label": "...", "message": "..."}, mapped by label.

Labels: https://www.gate.com/docs/developers/apiv4/en/#label-list ("For all abnormal requests, APIv4 will
return non-2xx status code, with a response body in JSON format to explain the error"). Success answers
are bare lists or objects without a label, which the extractor reports as "not an error".
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
    Timeout,
)
from ...transport.errors import DEFAULT_STATUS_MAP, ErrorClass, ErrorTable
from .constants import EXCHANGE_ID
from .schemas import ErrorBody

_ERROR_BODY = msgspec.json.Decoder(ErrorBody)


def extract(body: bytes) -> tuple[str | None, str] | None:
    """(label, message) of a Gate error body; None when the body is something else (HTML, data)."""
    try:
        error = _ERROR_BODY.decode(body)
    except msgspec.DecodeError:
        return None
    if not error.label:
        return None
    return error.label, error.message or error.detail or error.label


BY_CODE: dict[str, ErrorClass] = {
    # request parameters and format
    "INVALID_PARAM_VALUE": BadRequest,
    "INVALID_PROTOCOL": BadRequest,
    "INVALID_ARGUMENT": BadRequest,
    "INVALID_REQUEST_BODY": BadRequest,
    "MISSING_REQUIRED_PARAM": BadRequest,
    "BAD_REQUEST": BadRequest,
    "INVALID_CONTENT_TYPE": BadRequest,
    "NOT_ACCEPTABLE": BadRequest,
    "METHOD_NOT_ALLOWED": BadRequest,
    "NOT_FOUND": BadRequest,  # request URL does not exist
    # authentication
    "INVALID_CREDENTIALS": AuthenticationFailed,
    "INVALID_KEY": AuthenticationFailed,
    "INVALID_SIGNATURE": AuthenticationFailed,
    "MISSING_REQUIRED_HEADER": AuthenticationFailed,
    "REQUEST_EXPIRED": AuthenticationFailed,  # Timestamp far from the server time
    "IP_FORBIDDEN": PermissionDenied,
    "READ_ONLY": PermissionDenied,
    "ACCOUNT_LOCKED": PermissionDenied,
    "FORBIDDEN": PermissionDenied,
    # spot trading
    "INVALID_CURRENCY": BadSymbol,
    "INVALID_CURRENCY_PAIR": BadSymbol,
    "INVALID_PRECISION": InvalidOrder,
    "POC_FILL_IMMEDIATELY": InvalidOrder,
    "ORDER_NOT_FOUND": OrderNotFound,
    "ORDER_CLOSED": InvalidOrder,
    "ORDER_CANCELLED": InvalidOrder,
    "QUANTITY_NOT_ENOUGH": InvalidOrder,
    "BALANCE_NOT_ENOUGH": InsufficientFunds,
    "MARGIN_BALANCE_NOT_ENOUGH": InsufficientFunds,
    "AMOUNT_TOO_LITTLE": InvalidOrder,
    "AMOUNT_TOO_MUCH": InvalidOrder,
    "FOK_NOT_FILL": InvalidOrder,
    "TRADE_RESTRICTED": PermissionDenied,
    # rate limits and the server
    "TOO_MANY_REQUESTS": RateLimited,
    "INTERNAL": ExchangeUnavailable,
    "SERVER_ERROR": ExchangeUnavailable,
    "INTERNAL_SERVER_ERROR": ExchangeUnavailable,
    "TOO_BUSY": ExchangeUnavailable,
    "SERVER_TIMEOUT": Timeout,
}

BY_STATUS: dict[int, ErrorClass] = dict(DEFAULT_STATUS_MAP)

ERRORS = ErrorTable(EXCHANGE_ID, by_code=BY_CODE, by_status=BY_STATUS, extract=extract)
