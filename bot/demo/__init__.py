"""``seva demo``: the whole desk on loopback, with a scripted crowd of citizens."""

from bot.demo.main import demo_command

__all__ = ["demo_command"]
