"""``seva emulator``: run the X emulator standalone (for the demo and for curl)."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import click

from bot.x.emulator.config import EmulatorConfig
from bot.x.emulator.server import running_emulator


async def _serve(config: EmulatorConfig, host: str, port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with running_emulator(config, port, host=host) as emu:
        ministry = emu.ministry
        print(f"X emulator listening on {emu.base_url}", flush=True)
        print(f"  ministry id:         {ministry['id']}")
        print(f"  ministry username:   {ministry['username']}")
        print(f"  ministry user token: {ministry['user_token']}")
        print(f"  app bearer:          {config.app_bearer}")
        print(f"  admin token:         {config.admin_token}")
        print(
            f"  reply restriction:   {'off (Enterprise)' if not config.reply_restriction else 'on'}"
        )
        print("Ctrl-C stops it.", flush=True)
        await stop.wait()


@click.command(name="emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8081, show_default=True, type=int, help="Port (0: any free).")
@click.option(
    "--keepalive",
    default=20.0,
    show_default=True,
    type=float,
    help="Seconds between the stream's keep-alive CRLFs.",
)
@click.option("--enterprise", is_flag=True, help="Exempt from X's Feb-2026 reply restriction.")
@click.option("--app-bearer", default=EmulatorConfig.app_bearer, show_default=True)
@click.option("--admin-token", default=EmulatorConfig.admin_token, show_default=True)
@click.option("--ministry-username", default=EmulatorConfig.ministry_username, show_default=True)
@click.option("--ministry-token", default=EmulatorConfig.ministry_user_token, show_default=True)
def emulator(  # noqa: PLR0917 - one parameter per command-line option
    host: str,
    port: int,
    keepalive: float,
    enterprise: bool,
    app_bearer: str,
    admin_token: str,
    ministry_username: str,
    ministry_token: str,
) -> None:
    """Run the local X API v2 emulator until interrupted."""
    config = EmulatorConfig(
        app_bearer=app_bearer,
        admin_token=admin_token,
        ministry_username=ministry_username,
        ministry_user_token=ministry_token,
        keepalive_s=keepalive,
        reply_restriction=not enterprise,
    )
    asyncio.run(_serve(config, host, port))
