"""Seva: a grievance desk on X for government ministries."""

__version__ = "0.1.0"
