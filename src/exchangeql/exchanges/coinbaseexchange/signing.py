"""Coinbase Exchange request signing (private REST endpoints: accounts, orders).

Docs: https://docs.cdp.coinbase.com/exchange/rest-api/authentication
The prehash is timestamp + METHOD + request path (query included) + body, the timestamp in whole epoch
seconds; the signature is base64(HMAC-SHA256(base64decode(secret), prehash)). Key, signature, timestamp
and passphrase travel in the CB-ACCESS-* headers. The venue refuses a timestamp more than 30 seconds away
from its clock. Bodies are compact JSON in the order the caller gives the fields, as ccxt 4.5.90 writes
them, so the differential test can compare whole requests, signature included.

Pure apart from the clock, which is injected.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import msgspec

from ...clock import now_ms
from ...errors import AuthenticationFailed, GatewayError
from ...trading.credentials import Credentials, Redactor, Secret
from .constants import EXCHANGE_ID

JSON = "application/json"

Pairs = Sequence[tuple[str, str]]


def decode_secret(secret: Secret) -> bytes:
    """Coinbase Exchange secrets are base64; anything else could only sign garbage."""
    try:
        return base64.b64decode(secret.reveal(), validate=True)
    except (binascii.Error, ValueError):
        # The value itself is never shown.
        raise AuthenticationFailed(
            "the coinbaseexchange API secret is not base64 text", exchange=EXCHANGE_ID
        ) from None


def access_sign(secret: bytes, prehash: str) -> str:
    return base64.b64encode(hmac.new(secret, prehash.encode(), hashlib.sha256).digest()).decode()


def json_body(payload: Mapping[str, Any] | Sequence[Any]) -> str:
    """Compact JSON, fields in the order given (what is signed is what is sent)."""
    return msgspec.json.encode(payload).decode()


@dataclass(frozen=True, slots=True)
class SignedRequest:
    path: str  # the request path as signed and sent, query included
    body: str | None
    headers: dict[str, str]


class CoinbaseExchangeSigner:
    """Signs requests with one account's key, secret and passphrase. `clock` gives epoch ms."""

    def __init__(self, credentials: Credentials, *, clock: Callable[[], int] = now_ms) -> None:
        credentials.require("api_key", "secret", "password", exchange=EXCHANGE_ID)
        assert credentials.api_key and credentials.secret and credentials.password
        decode_secret(credentials.secret)  # fail at start-up, not on the first order
        self._redactor = Redactor(credentials.values())
        self._api_key = credentials.api_key
        self._secret = credentials.secret
        self._passphrase = credentials.password
        self.clock = clock

    def __repr__(self) -> str:
        return "CoinbaseExchangeSigner()"

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
        self, method: str, path: str, query: Pairs = (), payload: Mapping[str, Any] | None = None
    ) -> SignedRequest:
        """`path` without its query (/orders); `query` pairs in the order sent; `payload` the JSON body."""
        request_path = f"{path}?{urlencode(query)}" if query else path
        body = None if payload is None else json_body(payload)
        timestamp = str(self.clock() // 1000)
        signature = access_sign(decode_secret(self._secret), timestamp + method + request_path + (body or ""))
        headers = {
            "CB-ACCESS-KEY": self._api_key.reveal(),
            "CB-ACCESS-SIGN": signature,
            "CB-ACCESS-TIMESTAMP": timestamp,
            "CB-ACCESS-PASSPHRASE": self._passphrase.reveal(),
            "Content-Type": JSON,
        }
        return SignedRequest(request_path, body, headers)
