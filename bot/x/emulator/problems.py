"""X's error bodies, as X sends them (recorded shapes, not a tidy invention).

Some of X's problems carry a ``type`` URL (``.../2/problems/usage-capped``), others are plain
``about:blank`` with an HTTP title and a sentence in ``detail`` (duplicate content, the reply
restriction, 401, 429). Clients must therefore match the *suffix* of ``type``, and for the
``about:blank`` ones the status plus the detail text.
"""

from __future__ import annotations

from typing import Any

DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
REPLY_NOT_ALLOWED_DETAIL = (
    "Reply to this conversation is not allowed because you have not been mentioned or "
    "otherwise engaged by the author of the post you are replying to."
)
TOO_LONG_MESSAGE = (
    "Your Tweet text is too long. For more information on how X determines text length "
    "see https://github.com/twitter/twitter-text."
)
INVALID_REQUEST_DETAIL = "One or more parameters to your request was invalid."


def blank(status: int, title: str, detail: str | None = None) -> dict[str, Any]:
    """Return X's ``about:blank`` problem (401, 429, 403 duplicate, 503 ...)."""
    return {"title": title, "detail": detail or title, "type": "about:blank", "status": status}


def typed(host: str, kind: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    """Return a problem whose ``type`` is ``{host}/2/problems/{kind}``."""
    return {"title": title, "detail": detail, "type": f"{host}/2/problems/{kind}", **extra}


def invalid_request(host: str, errors: list[dict[str, Any]]) -> dict[str, Any]:
    """Return X's 400 body: per-parameter messages inside one ``invalid-request`` problem."""
    return {
        "errors": errors,
        "title": "Invalid Request",
        "detail": INVALID_REQUEST_DETAIL,
        "type": f"{host}/2/problems/invalid-request",
    }


def bad_parameter(host: str, name: str, value: str, message: str) -> dict[str, Any]:
    """Return the 400 body for one bad query parameter."""
    return invalid_request(host, [{"parameters": {name: [value]}, "message": message}])


def unauthorized() -> dict[str, Any]:
    """Return the 401 body X sends for a missing or wrong token."""
    return blank(401, "Unauthorized")


def unsupported_authentication(host: str, used: str, supported: str) -> dict[str, Any]:
    """Return the 403 X sends when the token type is not accepted by the endpoint."""
    return typed(
        host,
        "unsupported-authentication",
        "Unsupported Authentication",
        f"Authenticating with {used} is forbidden for this endpoint.  Supported "
        f"authentication types are [{supported}].",
        status=403,
    )


def rate_limited() -> dict[str, Any]:
    """Return the 429 body of an exhausted rate window."""
    return blank(429, "Too Many Requests")


def usage_capped(host: str) -> dict[str, Any]:
    """Return the 429 ``usage-capped`` body (the monthly read cap; not a rate limit)."""
    return typed(
        host,
        "usage-capped",
        "UsageCapExceeded",
        "Usage cap exceeded: Monthly product cap",
        account_id="1",
        product_name="pay-per-use",
        period="Monthly",
        scope="Product",
    )


def credits_depleted(host: str) -> dict[str, Any]:
    """Return the 402 body of an empty pay-per-use balance."""
    return typed(host, "credits-depleted", "Payment Required", "credits depleted", status=402)


def service_unavailable() -> dict[str, Any]:
    """Return the JSON 503 body."""
    return blank(503, "Service Unavailable")


SERVICE_UNAVAILABLE_HTML = (
    "<!DOCTYPE html><html><head><title>X / Over capacity</title></head>"
    "<body><h1>Something is technically wrong.</h1>"
    "<p>Thanks for noticing. We're going to fix it up and have things back to normal soon."
    "</p></body></html>"
)


def too_many_connections(host: str) -> dict[str, Any]:
    """Return the 429 for a second filtered-stream connection."""
    return typed(
        host,
        "streaming-connection",
        "ConnectionException",
        "This stream is currently at the maximum allowed connection limit.",
        connection_issue="TooManyConnections",
    )


def operational_disconnect(host: str) -> dict[str, Any]:
    """Return the in-stream ``errors`` line X sends before closing for operational reasons."""
    return {
        "errors": [
            typed(
                host,
                "operational-disconnect",
                "operational-disconnect",
                "This stream has been disconnected for operational reasons.",
                disconnect_type="OperationalDisconnect",
            )
        ]
    }


def duplicate_rule(host: str, value: str, rule_id: str) -> dict[str, Any]:
    """Return the ``errors`` entry for a rule whose value already exists."""
    return {
        "value": value,
        "id": rule_id,
        "title": "DuplicateRule",
        "type": f"{host}/2/problems/duplicate-rules",
    }


def invalid_rule(host: str, value: str, details: list[str]) -> dict[str, Any]:
    """Return the ``errors`` entry for a rule that does not parse."""
    return {
        "value": value,
        "details": details,
        "title": "UnprocessableEntity",
        "type": f"{host}/2/problems/invalid-rules",
    }


def not_found(host: str, resource_type: str, value: str, parameter: str) -> dict[str, Any]:
    """Return the ``resource-not-found`` entry X puts in ``errors`` (with a 200)."""
    noun = "tweet" if resource_type == "tweet" else resource_type
    return {
        "value": value,
        "detail": f"Could not find {noun} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": f"{host}/2/problems/resource-not-found",
    }
