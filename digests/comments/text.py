"""Comment text as readers and the rules see it.

``clean_text`` is what is stored and shown: control characters and invisible
formatting dropped, canonical Unicode (NFC; names also NFKC, so a name in
fullwidth letters reads as the same name). ``comparable`` is what the rules
compare: compatibility forms folded, look-alike letters from other scripts
folded to Latin, case and spacing ignored.
"""

import hashlib
import re
import unicodedata

URL_PATTERN = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)

# Direction overrides, embeddings, isolates and marks: they reorder what
# follows them ("Trudy \u202egnp.exe" reads "Trudy exe.png"). Text in
# right-to-left scripts needs none of them: browsers order it themselves.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Characters that draw nothing: zero-width spaces, word joiners, the byte
# order mark, soft hyphens, and fillers that look like a blank.
INVISIBLE = frozenset(
    "\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b\u2060\u2061\u2062\u2063\u2064\u2800\u3164\ufeff\uffa0"
)
# Joiners shape emoji sequences and Arabic and Indic words: kept between two
# visible characters, dropped elsewhere (alone they only hide text).
JOINERS = frozenset("\u200c\u200d")

# Letters of other scripts that look like Latin ones (from Unicode's
# confusables data, Cyrillic and Greek, after case folding): a rule about a
# word holds however it is spelled.
LOOK_ALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j",
        "к": "k", "ӏ": "l", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "ѕ": "s",
        "т": "t", "у": "y", "ү": "y", "х": "x", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ь": "b",
        "ɡ": "g",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ζ": "z",
    }
)  # fmt: skip


def clean_text(value, *, name=False):
    """The text a reader meant, without what only hides or reorders it.

    Newlines and tabs stay; other control characters, direction controls and
    invisible characters go; joiners stay only between visible characters.
    Emoji, right-to-left scripts, accents and mathematical symbols are
    untouched (NFC only; a name is also folded with NFKC, which would turn
    ``x²`` into ``x2`` in a comment).
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = unicodedata.normalize("NFKC" if name else "NFC", value)
    kept = [
        char
        for char in value
        if char in "\n\t"
        or (
            unicodedata.category(char) not in ("Cc", "Cs", "Co", "Cn")
            and char not in BIDI_CONTROLS
            and char not in INVISIBLE
        )
    ]
    return "".join(
        char
        for index, char in enumerate(kept)
        if char not in JOINERS or _visible_on_both_sides(kept, index)
    )


def _visible_on_both_sides(chars, index):
    before = chars[index - 1] if index > 0 else ""
    after = chars[index + 1] if index + 1 < len(chars) else ""
    return bool(before.strip()) and bool(after.strip()) and not {before, after} & JOINERS


def single_line(value):
    """For a header (an e-mail subject): no line breaks, no controls, one space at a time."""
    return " ".join(clean_text(value, name=True).split())


def count_links(body):
    return len(URL_PATTERN.findall(body))


def comparable(text):
    """Text as a rule sees it: compatibility forms and look-alike letters
    folded, case and spacing ignored, invisible format characters dropped."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(
        char for char in text if unicodedata.category(char) != "Cf" and char not in INVISIBLE
    )
    return " ".join(text.casefold().translate(LOOK_ALIKES).split())


def body_fingerprint(body):
    """The same words with other spacing, case or hidden characters count as the same comment."""
    return hashlib.sha256(comparable(body).encode()).hexdigest()
