"""Logging filters the settings' LOGGING names."""


class WithoutTraceback:
    """A request refused for its own fault (a bad ``Host`` header) is one line
    in the log, not a traceback: anyone can send thousands of them."""

    def filter(self, record):
        record.exc_info = None
        record.exc_text = None
        return True
