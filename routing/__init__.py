"""Travel times by the transport a person actually has.

Pure data in, data out: this package never imports FastAPI or the database.
"""
