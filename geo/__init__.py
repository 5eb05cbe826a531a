"""Regions, gazetteer, geocoding and projections. Never imports FastAPI or the database."""
