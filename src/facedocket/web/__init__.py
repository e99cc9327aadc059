"""The web service: a JSON API for programs and server-rendered pages for people, both
thin shells over ``cases``, ``gallery`` and ``audit``."""
