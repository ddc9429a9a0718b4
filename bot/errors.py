"""One error hierarchy for the whole desk.

Callers decide to retry or give up by *type*, never by matching message strings.
HTTP and X statuses are mapped onto these classes in one place each
(``bot.x.errors_map`` for X, ``bot.nlu.client`` for Rasa).
"""

from __future__ import annotations

from datetime import datetime


class SevaError(Exception):
    """Base of every error Seva raises on purpose."""


class SettingsError(SevaError):
    """A setting is missing or malformed; the message names the variable."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        lines = [f"{var}: {why}" for var, why in problems]
        super().__init__("invalid configuration:\n  " + "\n  ".join(lines))


class RoleTaskEndedError(SevaError):
    """A task a role depends on ended while it should still run; the role is restarted."""


class AmnesiaError(SevaError):
    """Redis lost the desk's data: no post is taken and no docket issued until recovery."""


class StoreUnavailableError(SevaError):
    """Redis cannot be reached right now; the caller backs off and retries."""


class StoreAuthError(SevaError):
    """Redis refused our credentials (``requirepass``): a configuration error, never retried."""


# --- the outside world: X -------------------------------------------------------------


class XError(SevaError):
    """Anything X answered that was not a success."""

    retryable: bool = False

    def __init__(self, message: str = "", *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message or self.__class__.__name__)


class RateLimitedError(XError):
    """HTTP 429 rate limit; ``reset_at`` comes from ``x-rate-limit-reset`` when present."""

    retryable = True

    def __init__(self, message: str = "", *, reset_at: datetime | None = None) -> None:
        self.reset_at = reset_at
        super().__init__(message, status=429)


class UsageCappedError(XError):
    """HTTP 429 ``usage-capped``: the monthly read cap. Waiting 15 minutes will not help."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message, status=429)


class DuplicateContentError(XError):
    """HTTP 403: the account already posted this exact text."""


class ReplyNotAllowedError(XError):
    """HTTP 403: the author did not summon the account (X's February 2026 reply rule)."""


class TargetGoneError(XError):
    """HTTP 403: the post to reply to was deleted, or is not visible to the account."""


class CreditsDepletedError(XError):
    """HTTP 402 ``credits-depleted``: the pay-per-use balance is empty."""


class UnauthorizedError(XError):
    """HTTP 401 (or a 403 that means bad credentials)."""


class ForbiddenError(XError):
    """Any other HTTP 403."""


class InvalidRequestError(XError):
    """HTTP 400: the request itself is wrong (e.g. text over 280 weighted characters)."""


class NotFoundError(XError):
    """HTTP 404."""


class ServerError(XError):
    """HTTP 5xx, including a 503 with an HTML body."""

    retryable = True


class TransientNetworkError(XError):
    """TCP reset, DNS failure, read timeout: nothing came back."""

    retryable = True


class PayloadError(XError, ValueError):
    """X sent a post, page or answer whose fields are missing or of the wrong kind.

    A ``ValueError`` too, so a reader that skips one garbled stream line skips it as well.
    """


class TooManyConnectionsError(XError):
    """HTTP 429 on the stream: another connection is open for this app."""

    retryable = True


# --- the outside world: NLU -----------------------------------------------------------


class NLUError(SevaError):
    """The NLU server failed to parse a message."""


class NLUUnavailableError(NLUError):
    """The NLU server is down or its circuit breaker is open; try again later."""


# --- knowledge base, tickets ------------------------------------------------------------


class KBError(SevaError):
    """The knowledge base is invalid or an edit was refused."""


class KBConflictError(KBError):
    """A console edit started from a version of the item that is no longer live."""

    def __init__(self, item: str, by: str, diff: list[str]) -> None:
        super().__init__(f"{item} was changed by {by} since you opened it; nothing was saved")
        self.item, self.by, self.diff = item, by, diff


class KBRefusedError(KBError):
    """A console edit would leave the knowledge base with problems; nothing was saved."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where}: {message}" for where, message in problems))
        self.problems = problems  # (where, message), as ``bot.kb.files.Problem`` has them


class TicketError(SevaError):
    """A ticket operation was refused (unknown docket, wrong state, not yours)."""


class TicketConflictError(TicketError):
    """Someone else moved the ticket first (another officer's claim, say); says who and how."""


# --- people: users, sign-in -------------------------------------------------------------


class UserError(SevaError):
    """A user operation was refused (unknown user, bad field, weak password); says why."""


class IdentityError(UserError):
    """No usable identity is configured for a command that records who acted."""
