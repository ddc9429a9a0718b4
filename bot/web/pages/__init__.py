"""One module per page: its handlers; the template of the same name is in ``templates/``."""
