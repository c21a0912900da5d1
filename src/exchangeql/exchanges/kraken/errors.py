"""Kraken's error vocabulary: {"error": ["EQuery:Unknown asset pair"]} bodies, mapped into our hierarchy.

Kraken reports failures inside HTTP 200 answers (the `error` list of the envelope); other statuses mean
the request did not reach Kraken's API (Cloudflare, maintenance pages). Messages follow
"<severity><category>:<message>[:<extra>]", E for errors and W for warnings; warnings are not errors.
Reference: https://support.kraken.com/hc/en-us/articles/360001491786-API-error-messages
The whole message is the code (looked up exactly); fragments catch the variants with extra info.
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


def errors_of(messages: list[str]) -> list[str]:
    """The error entries of an `error` list (warnings, "W...", left out)."""
    return [message for message in messages if message.startswith("E")]


def extract(body: bytes) -> tuple[str | None, str] | None:
    """(code, message) of a Kraken error body; None for a success envelope or a body of another kind."""
    try:
        errors = errors_of(_ERROR_BODY.decode(body).error)
    except msgspec.DecodeError:
        return None
    if not errors:
        return None
    return errors[0], "; ".join(errors)


BY_CODE: dict[str, ErrorClass] = {
    # General usage
    "EQuery:Unknown asset pair": BadSymbol,
    "EQuery:Invalid asset pair": BadSymbol,
    "EQuery:Unknown asset": BadSymbol,
    "EGeneral:Invalid arguments": BadRequest,
    "EGeneral:Permission denied": PermissionDenied,
    "EAPI:Invalid key": AuthenticationFailed,
    "EAPI:Invalid signature": AuthenticationFailed,
    "EAPI:Invalid nonce": AuthenticationFailed,
    "ESession:Invalid session": AuthenticationFailed,
    "ETrade:User Locked": PermissionDenied,
    "EAuth:Account temporary disabled": PermissionDenied,
    "EAuth:Account unconfirmed": PermissionDenied,
    # Rate limits
    "EAPI:Rate limit exceeded": RateLimited,
    "EOrder:Rate limit exceeded": RateLimited,
    "EGeneral:Too many requests": RateLimited,
    "EGeneral:Temporary lockout": RateLimited,
    # Service status and internal errors
    "EService:Unavailable": ExchangeUnavailable,
    "EService:Busy": ExchangeUnavailable,
    "EService:Market in cancel_only mode": ExchangeUnavailable,
    "EService:Market in post_only mode": ExchangeUnavailable,
    "EGeneral:Internal error": ExchangeUnavailable,
    "EDatabase:Internal error": ExchangeUnavailable,
    "EAuth:Rate limit exceeded": RateLimited,
    "EAuth:Too many requests": RateLimited,
    # Trading
    "EOrder:Unknown order": OrderNotFound,
    "EOrder:Insufficient funds": InsufficientFunds,
    "EOrder:Order minimum not met": InvalidOrder,
    "EOrder:Cost minimum not met": InvalidOrder,
    "EOrder:Tick size check failed": InvalidOrder,
    "EOrder:Orders limit exceeded": InvalidOrder,  # too many open orders on the account
    "EOrder:Invalid price:Invalid price argument": InvalidOrder,
    "EGeneral:Invalid arguments:price": InvalidOrder,
    "EGeneral:Invalid arguments:volume": InvalidOrder,
}

# First match wins, case-insensitive; for messages with extra info after the documented text.
BY_MESSAGE: tuple[tuple[str, ErrorClass], ...] = (
    (":rate limit exceeded", RateLimited),
    ("throttled", RateLimited),  # "EService: Throttled: <unix time>": too many concurrent requests
    (":unknown asset pair", BadSymbol),
    (":insufficient funds", InsufficientFunds),
    (":invalid order", InvalidOrder),
    (":minimum not met", InvalidOrder),
    (":invalid price", InvalidOrder),
    (":invalid arguments:volume", InvalidOrder),
    ("eservice:", ExchangeUnavailable),
)

# Statuses other than 200 come from in front of the API (Cloudflare 520s, maintenance pages): the defaults.
ERRORS = ErrorTable(
    EXCHANGE_ID, by_code=BY_CODE, by_message=BY_MESSAGE, by_status=dict(DEFAULT_STATUS_MAP), extract=extract
)
