"""OKX request signing (private REST endpoints, /api/v5/account/*, /api/v5/trade/*).

Docs: https://www.okx.com/docs-v5/en/#overview-rest-authentication
The prehash is timestamp + METHOD + request path (query included) + body, the timestamp ISO 8601 UTC with
milliseconds (2020-12-08T09:08:57.715Z); the signature is base64(HMAC-SHA256(secret, prehash)), the secret
used as text. Key, signature, timestamp and passphrase travel in the OK-ACCESS-* headers; the venue refuses
a timestamp more than 30 seconds old. Demo trading adds the header x-simulated-trading: 1 (keys of the
demo account). Bodies are compact JSON in the order the caller gives the fields, as ccxt 4.5.90 writes
them, so the differential test can compare whole requests, signature included.

Pure apart from the clock, which is injected.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import msgspec

from ...clock import iso8601, now_ms
from ...errors import GatewayError
from ...trading.credentials import Credentials, Redactor
from .constants import EXCHANGE_ID, SIMULATED_TRADING_HEADER

JSON = "application/json"

Pairs = Sequence[tuple[str, str]]
Payload = Mapping[str, Any] | Sequence[Mapping[str, Any]]


def access_sign(secret: str, prehash: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), prehash.encode(), hashlib.sha256).digest()).decode()


def json_body(payload: Payload) -> str:
    """Compact JSON, fields in the order given (what is signed is what is sent)."""
    return msgspec.json.encode(payload).decode()


@dataclass(frozen=True, slots=True)
class SignedRequest:
    path: str  # the request path as signed and sent, query included
    body: str | None
    headers: dict[str, str]


class OkxSigner:
    """Signs requests with one account's key, secret and passphrase. `clock` gives epoch ms; `simulated`
    marks every request for OKX's demo trading."""

    def __init__(
        self, credentials: Credentials, *, clock: Callable[[], int] = now_ms, simulated: bool = False
    ) -> None:
        credentials.require("api_key", "secret", "password", exchange=EXCHANGE_ID)
        assert credentials.api_key and credentials.secret and credentials.password
        self._redactor = Redactor(credentials.values())
        self._api_key = credentials.api_key
        self._secret = credentials.secret
        self._passphrase = credentials.password
        self.clock = clock
        self.simulated = simulated

    def __repr__(self) -> str:
        return f"OkxSigner(simulated={self.simulated})"

    @contextlib.contextmanager
    def scrubbing(self) -> Iterator[None]:
        """Errors raised inside leave without this account's credential values, should a venue have quoted
        them back (the trading service redacts too; this keeps the adapter safe on its own)."""
        try:
            yield
        except GatewayError as error:
            cleaned = self._redactor(error.message)
            if cleaned != error.message:
                error.message = cleaned
                error.args = (cleaned,)
            raise

    def sign(
        self, method: str, path: str, query: Pairs = (), payload: Payload | None = None
    ) -> SignedRequest:
        """`path` without its query (/api/v5/trade/order); `query` pairs in the order sent; `payload` the JSON
        body of a POST."""
        request_path = f"{path}?{urlencode(query)}" if query else path
        body = None if payload is None else json_body(payload)
        timestamp = iso8601(self.clock())
        assert timestamp is not None
        headers = {
            "OK-ACCESS-KEY": self._api_key.reveal(),
            "OK-ACCESS-PASSPHRASE": self._passphrase.reveal(),
            "OK-ACCESS-TIMESTAMP": timestamp,
        }
        if method != "GET":
            headers["Content-Type"] = JSON
        headers["OK-ACCESS-SIGN"] = access_sign(
            self._secret.reveal(), timestamp + method + request_path + (body or "")
        )
        if self.simulated:
            headers[SIMULATED_TRADING_HEADER] = "1"
        return SignedRequest(request_path, body, headers)
