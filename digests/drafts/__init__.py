"""Issues as text: a draft read into plain data (``parser``, ``dates``; no
database), written as a draft issue (``writer``), and an issue written out
again as Markdown or e-mail HTML (``export``)."""
