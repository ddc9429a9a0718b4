"""Run the emulator in-process on loopback: ``async with running_emulator() as emu``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from bot.clock import Clock
from bot.x.emulator.app import create_app
from bot.x.emulator.config import EmulatorConfig
from bot.x.emulator.control import EmulatorControl
from bot.x.emulator.runtime import RUNTIME, Runtime


@dataclass
class RunningEmulator:
    """A started emulator: where it listens and how to steer it."""

    base_url: str
    config: EmulatorConfig
    control: EmulatorControl
    app: web.Application

    @property
    def runtime(self) -> Runtime:
        """The in-process state (tests may look; the daemon never can)."""
        return self.app[RUNTIME]

    @property
    def ministry(self) -> dict[str, str]:
        """The ministry account: id, username and user token (its id changes on reset)."""
        return self.runtime.ministry_info()


@asynccontextmanager
async def running_emulator(
    config: EmulatorConfig | None = None,
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    clock: Clock | None = None,
) -> AsyncIterator[RunningEmulator]:
    """Start the emulator on ``host:port`` (0 picks a free port) and stop it afterwards."""
    config = config or EmulatorConfig()
    app = create_app(config, clock=clock)
    # A short shutdown timeout: an open stream must not hold the test up for a minute.
    runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    base_url = f"http://{host}:{bound}"
    control = EmulatorControl(base_url, config.admin_token)
    try:
        yield RunningEmulator(base_url=base_url, config=config, control=control, app=app)
    finally:
        await control.close()
        runtime = app[RUNTIME]
        if runtime.stream is not None:
            runtime.stream.queue.put_nowait("drop_stream")
        await runner.cleanup()
