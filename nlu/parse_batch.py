"""Parse texts with a trained model, in the Rasa venv (Python 3.10): JSON lines in, out.

Used by `seva nlu eval` (and the CLINC150 benchmark) to score thousands of queries without
HTTP overhead. Reads {"text": ...} lines on stdin; writes {"intent", "confidence",
"ranking"} lines on stdout, in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
logging.disable(logging.WARNING)
MARK = "SEVA-RESULT\t"


async def main(model_path: str) -> None:
    """Load the model once, then parse every line of stdin."""
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    for line in sys.stdin:
        if not line.strip():
            continue
        text = json.loads(line)["text"]
        result = await agent.parse_message(text)
        intent = result.get("intent") or {}
        ranking = [[r["name"], r["confidence"]] for r in result.get("intent_ranking") or []]
        out = {
            "intent": intent.get("name"),
            "confidence": intent.get("confidence", 0.0),
            "ranking": ranking,
        }
        # Rasa and TensorFlow may print to stdout too: results carry a marker.
        sys.stdout.write(MARK + json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
