"""Binance's error vocabulary: {"code": <negative int>, "msg": "..."} bodies, mapped into our hierarchy.

Codes: https://developers.binance.com/docs/binance-spot-api-docs/errors
Three codes are generic rejections whose reason lives only in the message (-1010 ERROR_MSG_RECEIVED,
-2010 NEW_ORDER_REJECTED, -2011 CANCEL_REJECTED, e.g. "Account has insufficient balance for requested
action."). The table looks codes up before messages, so for those three the extractor hands the code over
inside the message instead: the message fragments decide, and the code still shows in the text.
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

_REASON_IN_MESSAGE = frozenset({-1010, -2010, -2011})


def extract(body: bytes) -> tuple[str | None, str] | None:
    """(code, message) of a Binance error body; None when the body is something else (HTML, data)."""
    try:
        error = _ERROR_BODY.decode(body)
    except msgspec.DecodeError:
        return None
    if error.code in _REASON_IN_MESSAGE:
        return None, f"{error.msg} (code {error.code})"
    return str(error.code), error.msg


BY_CODE: dict[str, ErrorClass] = {
    # 10xx: general server or network issues
    "-1000": ExchangeUnavailable,  # UNKNOWN
    "-1001": ExchangeUnavailable,  # DISCONNECTED: internal error, unable to process
    "-1002": AuthenticationFailed,  # UNAUTHORIZED
    "-1003": RateLimited,  # TOO_MANY_REQUESTS (also the body of 429 and 418)
    "-1006": ExchangeUnavailable,  # UNEXPECTED_RESP: status unknown
    "-1007": Timeout,  # TIMEOUT waiting for the backend
    "-1008": ExchangeUnavailable,  # SERVER_BUSY
    "-1013": InvalidOrder,  # a symbol filter failed (LOT_SIZE, PRICE_FILTER, NOTIONAL, ...)
    "-1014": InvalidOrder,  # UNKNOWN_ORDER_COMPOSITION
    "-1015": RateLimited,  # TOO_MANY_ORDERS
    "-1016": ExchangeUnavailable,  # SERVICE_SHUTTING_DOWN
    "-1020": BadRequest,  # UNSUPPORTED_OPERATION
    "-1021": AuthenticationFailed,  # INVALID_TIMESTAMP: outside recvWindow (clock skew)
    "-1022": AuthenticationFailed,  # INVALID_SIGNATURE
    # 11xx: request issues
    "-1100": BadRequest,  # ILLEGAL_CHARS
    "-1101": BadRequest,  # TOO_MANY_PARAMETERS
    "-1102": BadRequest,  # MANDATORY_PARAM_EMPTY_OR_MALFORMED
    "-1103": BadRequest,  # UNKNOWN_PARAM
    "-1104": BadRequest,  # UNREAD_PARAMETERS
    "-1105": BadRequest,  # PARAM_EMPTY
    "-1106": BadRequest,  # PARAM_NOT_REQUIRED
    "-1108": BadRequest,  # PARAM_OVERFLOW
    "-1111": InvalidOrder,  # BAD_PRECISION: more decimals than the symbol allows
    "-1112": InvalidOrder,  # NO_DEPTH: no orders on book for symbol
    "-1114": InvalidOrder,  # TIF_NOT_REQUIRED
    "-1115": InvalidOrder,  # INVALID_TIF
    "-1116": InvalidOrder,  # INVALID_ORDER_TYPE
    "-1117": InvalidOrder,  # INVALID_SIDE
    "-1118": InvalidOrder,  # EMPTY_NEW_CL_ORD_ID
    "-1119": InvalidOrder,  # EMPTY_ORG_CL_ORD_ID
    "-1120": BadRequest,  # BAD_INTERVAL
    "-1121": BadSymbol,  # BAD_SYMBOL
    "-1122": BadSymbol,  # INVALID_SYMBOLSTATUS
    "-1125": AuthenticationFailed,  # INVALID_LISTEN_KEY
    "-1127": BadRequest,  # MORE_THAN_XX_HOURS
    "-1128": BadRequest,  # OPTIONAL_PARAMS_BAD_COMBO
    "-1130": BadRequest,  # INVALID_PARAMETER
    "-1134": BadRequest,  # BAD_STRATEGY_TYPE
    "-1135": BadRequest,  # INVALID_JSON
    # 20xx: processing issues
    "-2013": OrderNotFound,  # NO_SUCH_ORDER
    "-2014": AuthenticationFailed,  # BAD_API_KEY_FMT
    "-2015": AuthenticationFailed,  # REJECTED_MBX_KEY: invalid key, IP or permissions
    "-2026": OrderNotFound,  # ORDER_ARCHIVED
}

# Reasons carried by -1010/-2010/-2011 (first match wins, case-insensitive).
BY_MESSAGE: tuple[tuple[str, ErrorClass], ...] = (
    ("insufficient balance", InsufficientFunds),
    ("unknown order sent", OrderNotFound),
    ("may not place or cancel orders", PermissionDenied),
    ("not permitted for this account", PermissionDenied),
    ("restricted for this account", PermissionDenied),
    ("this action is disabled on this account", PermissionDenied),
    ("rest api trading is not enabled", PermissionDenied),
    ("(code -2010)", InvalidOrder),
    ("(code -2011)", InvalidOrder),
    ("(code -1010)", InvalidOrder),
)

BY_STATUS: dict[int, ErrorClass] = {
    **DEFAULT_STATUS_MAP,
    # 451: "Service unavailable from a restricted location" (Binance's terms, by IP).
    451: PermissionDenied,
}

ERRORS = ErrorTable(EXCHANGE_ID, by_code=BY_CODE, by_message=BY_MESSAGE, by_status=BY_STATUS, extract=extract)
