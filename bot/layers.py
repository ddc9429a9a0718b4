"""The layer order of ``bot/``: a module imports only from its own layer or a lower one.

The README's architecture section quotes this table, and ``tests/foundation/test_layers.py``
holds every module to it (imports under ``if TYPE_CHECKING:`` and inside functions count).
Each entry names a module or a package; a module belongs to the longest entry that names it
or a package above it, so ``bot.replies.render`` (pure text) sits below ``bot.kb`` while the
rest of ``bot.replies`` (the composer) sits above it.
"""

from __future__ import annotations

# Lowest first.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "foundation",
        (
            "bot",  # the package itself (its __init__)
            "bot.layers",
            "bot.errors",
            "bot.clock",
            "bot.retry",
            "bot.textsafe",
            "bot.languages",
            "bot.pii",
            "bot.keys",
            "bot.dockets",
            "bot.weighted",
            "bot.net",
            "bot.settings_desk",
            "bot.settings_web",
            "bot.settings_x",
            "bot.settings",
            "bot.store",
            "bot.streams",
            "bot.logs",
            "bot.alarms",
            "bot.lease",
            "bot.lifecycle",
            "bot.epoch",
            "bot.audit",
            "bot.health",
            "bot.metrics",  # reads the counters every role keeps in Redis
        ),
    ),
    ("x", ("bot.x",)),  # the X port, its tweepy adapter and the emulator
    ("text", ("bot.replies.render", "bot.replies.thread")),  # pure text: templates, threads
    ("kb", ("bot.kb",)),  # the knowledge base: schema, files, live source, validation
    ("decision", ("bot.decision",)),  # what the desk does with a post (pure)
    ("nlu", ("bot.nlu",)),  # Rasa client, entities, language, evaluation, publish
    ("replies", ("bot.replies",)),  # the composer and its protocol
    ("outbox", ("bot.outbox",)),  # reply jobs, the rate budget, the poster
    ("users", ("bot.users",)),  # who is at the desk
    ("tickets", ("bot.tickets",)),  # tickets, workflow, storms, SLA
    ("pipeline", ("bot.pipeline",)),  # one decision per post, carried out
    ("edge", ("bot.ingest", "bot.web", "bot.recover")),  # intake from X, the web desk
    ("app", ("bot.app",)),  # the composition root
    ("entry", ("bot.cli", "bot.demo")),  # the command line and the demo
)

LAYER_INDEX: dict[str, int] = {name: i for i, (name, _) in enumerate(LAYERS)}


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name under ``bot``, or None if the table misses it."""
    best: tuple[int, str] | None = None
    for name, entries in LAYERS:
        for entry in entries:
            covers = module == entry or (entry != "bot" and module.startswith(entry + "."))
            if covers and (best is None or len(entry) > best[0]):
                best = (len(entry), name)
    return best[1] if best else None
