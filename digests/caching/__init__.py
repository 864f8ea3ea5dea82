"""Caching that is never stale: whole pages for anonymous readers under a
content version that every change moves on (``pages``, ``version``), and
rendered fragments keyed by what they show (``fragments``)."""
