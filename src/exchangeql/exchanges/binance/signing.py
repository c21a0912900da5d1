"""Binance request signing (SIGNED endpoints, HMAC-SHA256 keys).

Docs: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/request-security
The payload is the urlencoded parameters, `timestamp` first and `recvWindow` last, exactly as sent: the query
string of a GET or DELETE, the form body of a POST. The signature is HMAC-SHA256(secret, payload) in hex,
appended as the last parameter `signature`; the API key travels in the X-MBX-APIKEY header. The parameter
order is the one ccxt 4.5.90 produces, so the differential test can compare whole strings, signature included.

Pure apart from the clock, which is injected.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from ...clock import now_ms
from ...errors import AuthenticationFailed
from ...trading.credentials import Credentials
from .constants import EXCHANGE_ID, RECV_WINDOW_MS

API_KEY_HEADER = "X-MBX-APIKEY"
FORM = "application/x-www-form-urlencoded"

Pairs = Sequence[tuple[str, str]]


def wire_decimal(value: Decimal) -> str:
    """A Decimal as Binance reads it: plain notation, no exponent, no trailing zeros (0.20 -> 0.2)."""
    text = format(value.normalize(), "f")
    return text


def hmac_sha256_hex(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class SignedRequest:
    query: str  # the signed parameters, `signature` last
    headers: dict[str, str]


class BinanceSigner:
    """Signs parameter lists with one account's key. `clock` gives epoch ms (the request `timestamp`)."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        recv_window_ms: int = RECV_WINDOW_MS,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        credentials.require("api_key", "secret", exchange=EXCHANGE_ID)
        assert credentials.api_key is not None and credentials.secret is not None
        if credentials.secret.reveal().lstrip().startswith("-----BEGIN"):
            # RSA and Ed25519 keys sign differently; only HMAC keys are supported for now.
            raise AuthenticationFailed(
                "only HMAC-SHA256 API keys are supported for binance", exchange=EXCHANGE_ID
            )
        self._api_key = credentials.api_key
        self._secret = credentials.secret
        self.recv_window_ms = recv_window_ms
        self.clock = clock

    def __repr__(self) -> str:
        return f"BinanceSigner(recv_window_ms={self.recv_window_ms})"

    def sign(self, params: Pairs, *, form: bool = False) -> SignedRequest:
        """`params` in the order they are sent; `form`: the query goes in a POST body."""
        pairs = [("timestamp", str(self.clock())), *params, ("recvWindow", str(self.recv_window_ms))]
        payload = urlencode(pairs)
        signature = hmac_sha256_hex(self._secret.reveal(), payload)
        headers = {API_KEY_HEADER: self._api_key.reveal()}
        if form:
            headers["Content-Type"] = FORM
        return SignedRequest(f"{payload}&signature={signature}", headers)
