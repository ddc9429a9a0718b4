"""A local X API v2 emulator: the real wire shapes, limits and failures, on loopback.

The daemon and the demo speak to it exactly as they speak to X. Tests steer it through a
separate control API (``/_emulator/...``), counted apart, so they can prove the daemon never
uses it. Re-exported here: the config, the app factory, the in-process runner and the
control client.
"""

from bot.x.emulator.app import create_app
from bot.x.emulator.config import EmulatorConfig
from bot.x.emulator.control import EmulatorControl
from bot.x.emulator.server import RunningEmulator, running_emulator

__all__ = [
    "EmulatorConfig",
    "EmulatorControl",
    "RunningEmulator",
    "create_app",
    "running_emulator",
]
