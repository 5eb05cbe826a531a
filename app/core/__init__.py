"""The core: settings, the database, the tables, passwords and sessions, the message catalogues."""
