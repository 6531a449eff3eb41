"""The search report: facts, charts, parameter importance and the HTML page (see page.py)."""
