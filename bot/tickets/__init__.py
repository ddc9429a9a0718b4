"""Tickets: dockets, department queues, history and the SLA (see bot/tickets/store.py)."""
