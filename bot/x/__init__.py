"""Everything that speaks X: the port (``XClient``), the tweepy adapter and the emulator."""
