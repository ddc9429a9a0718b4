"""NLU: the Rasa project, its server, the daemon's client, entities and language."""
