"""Faults the tests inject: each hits the next ``count`` requests of one endpoint (or any)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.x.emulator.config import ENDPOINTS

# Answered instead of the request, before the handler runs.
RESPONSE_FAULTS = ("429", "usage_capped", "503", "503html", "402", "401")
# "slow" waits before handling; "delay" handles (POST /2/tweets creates the post), then waits.
TIMING_FAULTS = ("slow", "delay")
# Act on the open filtered-stream connection (or on the next one to open).
STREAM_FAULTS = ("drop_stream", "operational_disconnect")
KINDS = RESPONSE_FAULTS + TIMING_FAULTS + STREAM_FAULTS


@dataclass
class Fault:
    """One armed fault."""

    endpoint: str
    kind: str
    count: int = 1
    delay_s: float = 0.0


class Faults:
    """Armed faults, consumed first-in first-out."""

    def __init__(self) -> None:
        self._armed: list[Fault] = []

    def clear(self) -> None:
        """Disarm everything."""
        self._armed.clear()

    def arm(self, fault: Fault) -> None:
        """Validate and arm a fault."""
        if fault.endpoint not in (*ENDPOINTS, "delete", "*"):
            raise ValueError(f"unknown endpoint {fault.endpoint!r}; use one of {ENDPOINTS} or *")
        if fault.kind not in KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; use one of {KINDS}")
        if fault.count < 1 or fault.delay_s < 0:
            raise ValueError("count must be >= 1 and delay_s >= 0")
        self._armed.append(fault)

    def take(self, endpoint: str, kinds: tuple[str, ...]) -> Fault | None:
        """Consume one use of the first armed fault of ``kinds`` for ``endpoint``."""
        for fault in self._armed:
            if fault.kind in kinds and fault.endpoint in (endpoint, "*"):
                fault.count -= 1
                if fault.count <= 0:
                    self._armed.remove(fault)
                return fault
        return None
