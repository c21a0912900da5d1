"""OKX's error vocabulary: {"code": "<5 digits>", "msg": "...", "data": []} bodies, mapped into our hierarchy.

Codes: https://www.okx.com/docs-v5/en/#error-code
OKX answers most errors with HTTP 200 and a code other than "0" (an unknown instId is
{"code":"51001","msg":"Instrument ID does not exist","data":[]}), so every endpoint asks the transport to
check 2xx bodies too (check_body); rate limiting comes as HTTP 429 with {"msg":"Too Many Requests",
"code":"50011"}. A success envelope has code "0", which the extractor reports as "not an error".
Order requests that fail answer {"code":"1","msg":"Operation failed.","data":[{"sCode":"51008","sMsg":...}]}
(code "2" when some of a batch failed): the item's sCode and sMsg are the error, not the envelope's.
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
from .schemas import ErrorBody, FailedEnvelope

_ERROR_BODY = msgspec.json.Decoder(ErrorBody)
_FAILED = msgspec.json.Decoder(FailedEnvelope)


def extract(body: bytes) -> tuple[str | None, str] | None:
    """(code, message) of an OKX error body; None for a success envelope or a body of another shape.

    Decoding skips `data` without building it: on a large success answer this costs a scan, not a parse.
    """
    try:
        envelope = _ERROR_BODY.decode(body)
    except msgspec.DecodeError:
        return None
    if envelope.code in ("0", ""):
        return None
    try:
        items = _FAILED.decode(body).data
    except msgspec.DecodeError:  # `data` holds something else than per-item verdicts
        items = []
    for item in items:
        if item.sCode not in ("", "0"):
            return item.sCode, item.sMsg or envelope.msg or "error"
    return envelope.code, envelope.msg or "error"


BY_CODE: dict[str, ErrorClass] = {
    # 500xx: general
    "50000": BadRequest,  # body cannot be empty
    "50001": ExchangeUnavailable,  # service temporarily unavailable
    "50002": BadRequest,  # JSON syntax error
    "50004": Timeout,  # API endpoint request timeout
    "50005": ExchangeUnavailable,  # API is offline or unavailable
    "50006": BadRequest,  # invalid Content-Type
    "50007": PermissionDenied,  # account blocked
    "50008": AuthenticationFailed,  # user does not exist
    "50009": PermissionDenied,  # account suspended due to liquidation
    "50011": RateLimited,  # rate limit reached (also the body of HTTP 429)
    "50013": ExchangeUnavailable,  # systems are busy
    "50014": BadRequest,  # parameter {0} cannot be empty
    "50015": BadRequest,  # either parameter {0} or {1} is required
    "50016": BadRequest,  # parameter {0} and {1} do not match
    "50024": BadRequest,  # parameter {0} and {1} cannot exist at the same time
    "50025": BadRequest,  # parameter {0} count exceeds the limit {1}
    "50026": ExchangeUnavailable,  # system error
    "50027": PermissionDenied,  # the account is restricted from trading
    "50061": RateLimited,  # sub-account order rate limit reached
    # 501xx: API keys and signatures
    "50100": PermissionDenied,  # API frozen
    "50101": AuthenticationFailed,  # API key does not match the environment
    "50102": AuthenticationFailed,  # timestamp request expired
    "50103": AuthenticationFailed,  # OK-ACCESS-KEY missing
    "50104": AuthenticationFailed,  # OK-ACCESS-PASSPHRASE missing
    "50105": AuthenticationFailed,  # OK-ACCESS-PASSPHRASE incorrect
    "50106": AuthenticationFailed,  # OK-ACCESS-SIGN missing
    "50107": AuthenticationFailed,  # OK-ACCESS-TIMESTAMP missing
    "50110": PermissionDenied,  # IP not in the key's whitelist
    "50111": AuthenticationFailed,  # invalid OK-ACCESS-KEY
    "50112": AuthenticationFailed,  # invalid OK-ACCESS-TIMESTAMP
    "50113": AuthenticationFailed,  # invalid signature
    "50114": AuthenticationFailed,  # invalid authorization
    "50115": BadRequest,  # invalid request method
    # 51xxx: trade and market data
    "51000": BadRequest,  # parameter {0} error
    "51001": BadSymbol,  # instrument ID does not exist
    "51002": BadSymbol,  # instrument ID does not match the underlying
    "51004": InvalidOrder,  # order amount exceeds the current tier limit
    "51006": InvalidOrder,  # order price out of the limit
    "51008": InsufficientFunds,  # insufficient balance
    "51009": PermissionDenied,  # order placement blocked by the platform
    "51010": PermissionDenied,  # the account mode does not allow this request
    "51016": InvalidOrder,  # duplicated clOrdId
    "51020": InvalidOrder,  # order amount below the minimum
    "51116": InvalidOrder,  # order price exceeds the limit
    "51119": InsufficientFunds,  # insufficient balance
    "51120": InvalidOrder,  # order quantity below the minimum
    "51121": InvalidOrder,  # order quantity not a multiple of the lot size
    "51127": InsufficientFunds,  # available balance is 0
    "51131": InsufficientFunds,  # insufficient balance
    "51137": InvalidOrder,  # buy price above the price limit
    "51138": InvalidOrder,  # sell price below the price limit
    "51201": InvalidOrder,  # market order value too large
    "51202": InvalidOrder,  # market order amount above the maximum
    "51203": InvalidOrder,  # order amount above the limit
    "51204": InvalidOrder,  # a limit order without a price
    "51400": OrderNotFound,  # cancellation failed: filled, canceled or does not exist
    "51401": OrderNotFound,  # cancellation failed: already canceled
    "51402": OrderNotFound,  # cancellation failed: already completed
    "51503": OrderNotFound,  # amendment failed: the order does not exist
    "51603": OrderNotFound,  # order does not exist
}

BY_STATUS: dict[int, ErrorClass] = dict(DEFAULT_STATUS_MAP)

ERRORS = ErrorTable(EXCHANGE_ID, by_code=BY_CODE, by_status=BY_STATUS, extract=extract)
