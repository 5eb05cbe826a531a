"""The HTTP edge that the JSON API (``app/api``) and the pages (``app/web``) both stand on.

Request dependencies (:mod:`app.http.deps`), the JSON error body (:mod:`app.http.errors`)
and the response models shared by API and pages. ``app/api`` and ``app/web`` import from
here, never from each other.
"""
