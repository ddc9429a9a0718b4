"""``seva nlu``: train, serve, evaluate and publish the Rasa model."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import click

from bot.decision import Thresholds
from bot.errors import KBError, NLUError
from bot.kb.schema import KnowledgeBase
from bot.kb.source import FileKB, RedisKB
from bot.keys import Keys
from bot.net import free_port
from bot.nlu.entities import EntityFinder
from bot.nlu.evaluate import leaks, load_cases, score, sweep
from bot.nlu.project import Project, default_project
from bot.nlu.publish import Publisher
from bot.nlu.server import RasaServer
from bot.settings import Settings, load_settings
from bot.store import connect
from bot.textsafe import echo


def _project(settings: Settings) -> Project:
    return default_project(settings.nlu_dir, settings.rasa_venv)


async def _load_kb(settings: Settings, source: str) -> KnowledgeBase:
    if source == "files":
        return await FileKB(settings.kb_dir, settings.responses_dir).load()
    redis = connect(settings.redis_url)
    try:
        kb = await RedisKB(redis, Keys(settings.key_prefix)).load()
    finally:
        await redis.aclose()
    if kb.version == 0:
        msg = "the live knowledge base is empty; run `seva kb import` first, or use --kb files"
        raise KBError(msg)
    return kb


def _fail(err: Exception) -> None:
    echo(f"seva nlu: {err}", err=True)
    sys.exit(1)


_KB_OPTION = click.option(
    "--kb",
    "kb_source",
    type=click.Choice(["files", "live"]),
    default="files",
    show_default=True,
    help="Train from the KB files or from the live KB in Redis.",
)


@click.group()
def nlu() -> None:
    """The Rasa NLU model: train, serve, eval, publish."""


@nlu.command()
@_KB_OPTION
def train(kb_source: str) -> None:
    """Train the model for the current KB (cached: unchanged inputs never retrain)."""
    settings = load_settings()
    try:
        kb = asyncio.run(_load_kb(settings, kb_source))
        model, _ = _project(settings).train(kb, progress=echo)
    except (NLUError, KBError) as err:
        _fail(err)
        return
    echo(str(model))


@nlu.command()
@_KB_OPTION
@click.option("--port", default=5005, show_default=True)
@click.option(
    "--model", type=click.Path(path_type=Path, exists=True), help="Defaults to the KB's model."
)
@click.option(
    "--insecure-local",
    is_flag=True,
    help="Serve without SEVA_RASA_TOKEN: anyone who reaches the port can unload the model.",
)
def serve(kb_source: str, port: int, model: Path | None, insecure_local: bool) -> None:
    """Run `rasa run --enable-api` on loopback behind SEVA_RASA_TOKEN; Ctrl-C or SIGTERM stops it.

    The token reaches Rasa by environment (never argv, which `ps` shows), and Rasa stops
    with this command however it ends.
    """
    settings = load_settings()
    project = _project(settings)
    token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
    if token is None and not insecure_local:
        echo(
            "seva nlu: SEVA_RASA_TOKEN is not set, so Rasa's API would be open to anyone who "
            "reaches it (DELETE /model unloads the model). Set it (or the file seva_rasa_token "
            "in SEVA_SECRETS_DIR), or pass --insecure-local for a throwaway local server.",
            err=True,
        )
        sys.exit(2)

    async def run() -> None:
        # SIGTERM (docker stop, systemd, kill) cancels this task, so `finally` stops Rasa.
        task = asyncio.current_task()
        if task is not None:
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        chosen = model or project.model_path(await _load_kb(settings, kb_source))
        if not chosen.exists():
            msg = f"no model {chosen.name}; run `seva nlu train` first"
            raise NLUError(msg)
        server = RasaServer(project, chosen, port, token=token)
        server.start()
        try:
            await server.wait_ready()
            auth = "set" if token else "NOT set (--insecure-local)"
            echo(f"rasa is serving {chosen.name} at {server.url} (token {auth})")
            code = await asyncio.to_thread(server.proc.wait) if server.proc else 0
            msg = f"rasa exited with {code}"
            raise NLUError(msg)
        finally:
            server.stop()

    try:
        asyncio.run(run())
    except (NLUError, KBError) as err:
        _fail(err)
    except (KeyboardInterrupt, asyncio.CancelledError):
        echo("stopped")


@nlu.command("eval")
@_KB_OPTION
@click.option(
    "--model", type=click.Path(path_type=Path, exists=True), help="Defaults to the KB's model."
)
@click.option(
    "--sweep", "do_sweep", is_flag=True, help="Also show the figures across FAQ thresholds."
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def eval_command(kb_source: str, model: Path | None, do_sweep: bool, as_json: bool) -> None:
    """Score the held-out set (nlu/tests/test_set.yml); exit 1 below the floors."""
    settings = load_settings()
    project = _project(settings)
    th = Thresholds.from_settings(settings)

    async def run() -> None:
        kb = await _load_kb(settings, kb_source)
        chosen = model or project.model_path(kb)
        if not chosen.exists():
            chosen, _ = project.train(kb, progress=echo)
        cases = load_cases(settings.nlu_dir / "tests" / "test_set.yml")
        leaked = leaks(cases, project.training_intents(kb))
        if leaked:
            msg = f"{len(leaked)} test queries are also training examples: {leaked[:5]}"
            raise NLUError(msg)
        results = await project.parse_batch(chosen, [c.text for c in cases])
        finder = EntityFinder(kb, settings.docket_prefix)
        report = score(cases, results, th, finder)
        if as_json:
            figures = {
                "model": chosen.name,
                "n": report.n,
                "macro_f1": report.macro_f1,
                "escalation_recall": report.escalation_recall,
                "faq_answer_precision": report.faq_answer_precision,
                "failures": report.failures(),
            }
            echo(json.dumps(figures, indent=2))
        else:
            echo(f"model {chosen.name}, {report.n} held-out queries, thresholds {th}")
            echo(report.render())
        if do_sweep:
            echo(
                "\nFAQ threshold sweep: threshold, macro-F1 en/hi/hinglish, "
                "escalation recall, FAQ precision"
            )
            for value, r in sweep(cases, results, th, finder):
                f1 = " ".join(f"{r.macro_f1.get(lang, 0):.3f}" for lang in ("en", "hi", "hinglish"))
                echo(
                    f"  {value:.2f}  {f1}  {r.escalation_recall:.3f}  {r.faq_answer_precision:.3f}"
                )
        failures = report.failures()
        if failures:
            raise NLUError("below the floors: " + "; ".join(failures))

    try:
        asyncio.run(run())
    except (NLUError, KBError) as err:
        _fail(err)


@nlu.command()
@click.option(
    "--kb", "kb_source", type=click.Choice(["files", "live"]), default="live", show_default=True
)
@click.option(
    "--port", type=int, default=0, help="Port for the new server (0: the next free one from 5006)."
)
@click.option("--force", is_flag=True, help="Publish even if the model regresses (never in CI).")
def publish(kb_source: str, port: int, force: bool) -> None:
    """Train, evaluate, start a second Rasa, switch every daemon to it, stop the old one."""
    settings = load_settings()
    token = settings.rasa_token.get_secret_value() if settings.rasa_token else None

    async def run() -> None:
        kb = await _load_kb(settings, kb_source)
        redis = connect(settings.redis_url)
        try:
            publisher = Publisher(
                redis,
                Keys(settings.key_prefix),
                _project(settings),
                thresholds=Thresholds.from_settings(settings),
                docket_prefix=settings.docket_prefix,
                token=token,
                follow_s=2 * settings.nlu_urls_refresh_s + 1.0,
                log_dir=settings.nlu_dir / "models",
                progress=echo,
            )
            published = await publisher.publish(kb, port or free_port(), force=force)
        finally:
            await redis.aclose()
        echo(f"published {published.model} at {published.url}")

    try:
        asyncio.run(run())
    except (NLUError, KBError) as err:
        _fail(err)
