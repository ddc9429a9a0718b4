"""Seva's entry point: ``python daemon.py [--roles ...]`` is ``seva run``."""

from bot.cli import main

if __name__ == "__main__":
    import sys

    sys.argv[1:1] = ["run"]
    main()
