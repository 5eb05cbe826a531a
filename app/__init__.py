"""Sociale kaart: the web application and the domain (models, taxonomy, matching)."""
