"""A real Rasa server for the NLU integration tests: trained once, cached across runs.

The model is trained from the shipped knowledge base and ``nlu/`` with the project's own
code (``seva nlu train``'s path), cached in ``nlu/models/`` by the hash of its inputs, so a
second ``make test`` does not retrain. Without the Rasa venv these tests skip locally with
the reason, and fail under CI=true, where they must run.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.kb.schema import KnowledgeBase
from bot.kb.source import FileKB
from bot.nlu.project import Project
from bot.nlu.server import RasaServer
from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def project() -> Project:
    """The repository's Rasa project; skip (or fail in CI) without the Rasa venv."""
    proj = Project(nlu_dir=REPO / "nlu", rasa_venv=REPO / ".venv-rasa")
    if not proj.rasa.exists():
        reason = "the Rasa venv .venv-rasa is missing (make setup needs a Python 3.10)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return proj


@pytest.fixture(scope="session")
def shipped_kb() -> KnowledgeBase:
    """The repository's knowledge base, read through KBSource like the daemon does."""
    return asyncio.run(FileKB(REPO / "faq_kb", REPO / "responses").load())


@pytest.fixture(scope="session")
def model(project: Project, shipped_kb: KnowledgeBase) -> Path:
    """The trained model for the shipped KB (trained at most once per input hash)."""
    path, _ = project.train(shipped_kb)
    return path


@pytest.fixture(scope="session")
def rasa(
    project: Project, model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RasaServer]:
    """A running Rasa server with the model, on a free loopback port, behind a token."""
    server = RasaServer(
        project,
        model,
        free_port(),
        token=secrets.token_urlsafe(16),
        log_path=tmp_path_factory.mktemp("rasa") / "rasa.log",
    )
    server.start()
    try:
        asyncio.run(server.wait_ready())
        yield server
    finally:
        server.stop()
