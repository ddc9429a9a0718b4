"""NLU tests use the Rasa fixtures of tests/conftest.py."""
