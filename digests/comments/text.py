"""Comment text as the rules see it: control characters dropped, look-alike
forms folded, links counted, and a fingerprint that finds the same comment
twice."""

import hashlib
import re
import unicodedata

URL_PATTERN = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)


def clean_text(value):
    """Drop control and invisible formatting junk, keep every real character.

    Newlines and tabs stay; other C0/C1 controls and stray surrogates go.
    Emoji, right-to-left text and combining marks are untouched.
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        char
        for char in value
        if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs", "Co", "Cn")
    )


def count_links(body):
    return len(URL_PATTERN.findall(body))


def comparable(text):
    """Text as a rule sees it: compatibility forms folded, case and spacing ignored,
    invisible format characters (zero-width spaces, direction marks) dropped."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return " ".join(text.split()).casefold()


def body_fingerprint(body):
    """The same words with other spacing, case or hidden characters count as the same comment."""
    return hashlib.sha256(comparable(body).encode()).hexdigest()


