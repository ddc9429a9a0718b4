"""The ``seva`` command line.

Subcommands live next to the code they drive and are imported only when used, so
``seva status`` starts fast and does not import spaCy or tweepy.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from typing import Any

import click

from bot.errors import SettingsError
from bot.textsafe import echo

# name -> "module:attribute" of a click command or group.
LAZY_COMMANDS: dict[str, str] = {
    "run": "bot.app:run_command",
    "status": "bot.health:status_command",
    "emulator": "bot.x.emulator.commands:emulator",
    "kb": "bot.kb.commands:kb",
    "nlu": "bot.nlu.commands:nlu",
    "tickets": "bot.tickets.commands:tickets",
    "sla": "bot.tickets.sla_commands:sla",
    "triage": "bot.pipeline.triage_commands:triage",
    "users": "bot.users.commands:users",
    "demo": "bot.demo:demo_command",
    "recover": "bot.recover:recover_command",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """List every subcommand (without importing any)."""
        del ctx
        return sorted(LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return one subcommand."""
        del ctx
        target = LAZY_COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command


@click.group(cls=LazyGroup)
@click.version_option(package_name="seva")
def cli() -> None:
    """Seva: a grievance desk on X for government ministries."""


def run_async(coro: Any) -> Any:
    """Run a coroutine from a click command, turning settings errors into clean exits."""
    try:
        return asyncio.run(coro)
    except SettingsError as err:
        echo(f"seva: {err}", err=True)
        sys.exit(2)


def main() -> None:
    """Console-script entry point."""
    try:
        cli(standalone_mode=True)
    except SettingsError as err:
        echo(f"seva: {err}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
