"""One error hierarchy, shared by adapters, transport and the GraphQL layer.

Every error carries a fixed `ErrorCode` (surfaced as `extensions.code`) and, where it concerns one
venue, the exchange id (`extensions.exchange`). Messages are for humans and must never contain
credentials or raw request headers.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    EXCHANGE_UNAVAILABLE = "EXCHANGE_UNAVAILABLE"
    RATE_LIMITED = "RATE_LIMITED"
    TIMEOUT = "TIMEOUT"
    BAD_SYMBOL = "BAD_SYMBOL"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    INVALID_ORDER = "INVALID_ORDER"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    EXCHANGE_CLOSED = "EXCHANGE_CLOSED"
    BAD_REQUEST = "BAD_REQUEST"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    INTERNAL = "INTERNAL"


class GatewayError(Exception):
    """Base of every error the gateway reports on purpose."""

    code: ErrorCode = ErrorCode.INTERNAL

    def __init__(self, message: str, *, exchange: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.exchange = exchange

    def __str__(self) -> str:
        return f"{self.exchange}: {self.message}" if self.exchange else self.message


class ExchangeUnavailable(GatewayError):
    code = ErrorCode.EXCHANGE_UNAVAILABLE


class UpstreamDecodeError(ExchangeUnavailable):
    """The venue answered something that is not the JSON we expect (HTML, truncated, wrong shape)."""


class RateLimited(GatewayError):
    code = ErrorCode.RATE_LIMITED

    def __init__(
        self, message: str, *, exchange: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, exchange=exchange)
        self.retry_after = retry_after


class Timeout(GatewayError):
    code = ErrorCode.TIMEOUT


class BadSymbol(GatewayError):
    code = ErrorCode.BAD_SYMBOL


class NotSupported(GatewayError):
    code = ErrorCode.NOT_SUPPORTED


class AuthenticationFailed(GatewayError):
    code = ErrorCode.AUTHENTICATION_FAILED


class PermissionDenied(GatewayError):
    code = ErrorCode.PERMISSION_DENIED


class InsufficientFunds(GatewayError):
    code = ErrorCode.INSUFFICIENT_FUNDS


class InvalidOrder(GatewayError):
    code = ErrorCode.INVALID_ORDER


class OrderNotFound(GatewayError):
    code = ErrorCode.ORDER_NOT_FOUND


class ExchangeClosed(GatewayError):
    code = ErrorCode.EXCHANGE_CLOSED


class BadRequest(GatewayError):
    code = ErrorCode.BAD_REQUEST


class Unauthenticated(GatewayError):
    code = ErrorCode.UNAUTHENTICATED


class Forbidden(GatewayError):
    code = ErrorCode.FORBIDDEN


class IdempotencyConflict(GatewayError):
    """An idempotency key reused with different order parameters: the first order stands, nothing is sent."""

    code = ErrorCode.IDEMPOTENCY_CONFLICT


class InternalError(GatewayError):
    """An unexpected failure (a bug). The GraphQL layer masks its message and logs the cause."""

    code = ErrorCode.INTERNAL
