"""Cost of masking secrets and personal data in every log line.

Renders the same JSON log line N times with Seva's masking processor and with a plain
structlog chain, in one run, and prints medians and their ratio.
"""

from __future__ import annotations

import io
import logging
import statistics
import time

import structlog

from bot import logs

N = 2000
ROUNDS = 7
TEXT = "@MoCI_Seva my IEC AAACR5055K is stuck, call 9812345670, aadhaar 2345 6789 0124"


def _per_line_us(masked: bool) -> float:
    buf = io.StringIO()
    if masked:
        logs.configure(fmt="json", level="info", secrets=["tok-abcdefgh-123"], stream=buf)
    else:
        structlog.configure(
            processors=[
                structlog.processors.TimeStamper(fmt="iso"),
                structlog.processors.JSONRenderer(),
            ],
            logger_factory=structlog.PrintLoggerFactory(buf),
        )
    log = structlog.get_logger().bind(role="pipeline")
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(N):
            log.info("decided", post_id="1987654321098765432", text=TEXT, url="http://r/p?token=x1")
        samples.append((time.perf_counter() - start) / N * 1e6)
        buf.seek(0)
        buf.truncate()
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()
    return statistics.median(samples)


def main() -> None:
    plain = _per_line_us(masked=False)
    masked = _per_line_us(masked=True)
    print(f"lines per round: {N}, rounds: {ROUNDS}")
    print(f"plain structlog JSON line : median {plain:8.1f} us")
    print(f"Seva masked JSON line     : median {masked:8.1f} us")
    print(f"ratio masked/plain        : {masked / plain:8.2f}x")


if __name__ == "__main__":
    main()
