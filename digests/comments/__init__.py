"""Readers' comments: the models and their text rules (``models``, ``text``),
what may be posted and what is held (``rules``), how fast (``limits``), who is
told (``notify``), and the form, pages and moderation queue that use them."""
