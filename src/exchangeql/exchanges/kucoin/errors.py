"""KuCoin's error vocabulary: {"code": "<6 digits>", "msg": "..."} bodies, mapped into our hierarchy.

KuCoin reports many failures with HTTP 200 and a code other than "200000" (e.g. an unknown pair:
{"code": "400100", "msg": "This pair is not provided at present."}); the endpoints check the envelope's
code on every answer, and the VenueClient maps non-2xx answers through this same table.
Codes: https://www.kucoin.com/docs-new/error-code (gateway 400xxx, spot system errors) and the rate-limit
page (429000). 400100 ("Parameter Error") is generic: its reason is in the message, so (as binance's
extractor does for its generic codes) the code is handed over inside the message and fragments decide.
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
from ...transport.errors import ErrorClass, ErrorTable
from .constants import EXCHANGE_ID, SUCCESS
from .schemas import ErrorBody

_ERROR_BODY = msgspec.json.Decoder(ErrorBody)

_REASON_IN_MESSAGE = frozenset({"400100"})


def extract(body: bytes) -> tuple[str | None, str] | None:
    """(code, message) of a KuCoin error body; None for a success envelope or a body of another shape."""
    try:
        error = _ERROR_BODY.decode(body)
    except msgspec.DecodeError:
        return None
    if error.code == SUCCESS:
        return None
    if error.code in _REASON_IN_MESSAGE:
        return None, f"{error.msg} (code {error.code})"
    return error.code, error.msg or f"error code {error.code}"


BY_CODE: dict[str, ErrorClass] = {
    # gateway: request and authentication
    "400001": AuthenticationFailed,  # KC-API-* header missing
    "400002": AuthenticationFailed,  # KC-API-TIMESTAMP invalid (clock skew)
    "400003": AuthenticationFailed,  # KC-API-KEY does not exist
    "400004": AuthenticationFailed,  # KC-API-PASSPHRASE invalid
    "400005": AuthenticationFailed,  # KC-API-SIGN invalid
    "400006": PermissionDenied,  # request IP not in the key's whitelist
    "400007": PermissionDenied,  # access denied, requires more permission
    "400500": PermissionDenied,  # not available in the caller's country or region
    "400600": BadSymbol,  # validation.createOrder.symbolNotAvailable
    "400700": PermissionDenied,  # transaction restricted (account risk)
    "404000": BadRequest,  # URL not found
    "408000": Timeout,  # network timeout, try again later
    "411100": PermissionDenied,  # user frozen
    "415000": BadRequest,  # unsupported media type
    "429000": RateLimited,  # the resource pool is used up
    "200002": RateLimited,  # too many calls of one endpoint
    "1015": RateLimited,  # Cloudflare's per-IP limit
    "500000": ExchangeUnavailable,  # internal server error
    # spot system errors
    "200001": InvalidOrder,  # order creation for this pair suspended
    "200003": InvalidOrder,  # too many open orders
    "200004": InsufficientFunds,
    "230003": InsufficientFunds,
    "260100": InsufficientFunds,
    "600100": InsufficientFunds,  # funds below the minimum requirement
    "400200": InvalidOrder,  # forbidden to place an order
    "100001": OrderNotFound,
}

# Reasons carried by 400100 (first match wins, case-insensitive).
BY_MESSAGE: tuple[tuple[str, ErrorClass], ...] = (
    ("this pair is not provided", BadSymbol),
    ("unsupported trading pair", BadSymbol),
    ("exceeded the access frequency", RateLimited),
    ("too many requests", RateLimited),
    ("account.available.amount", InsufficientFunds),
    ("order not exist", OrderNotFound),
    ("(code 400100)", BadRequest),
)

ERRORS = ErrorTable(EXCHANGE_ID, by_code=BY_CODE, by_message=BY_MESSAGE, extract=extract)
