"""Ingest: every post that reaches the desk lands in the inbox once (issue 4)."""
