"""The number of papers an issue's introduction announces (“24 highlights”).

The checklist compares it with the papers the issue holds: an intro written
before the last paper was cut or added is an easy thing to miss.
"""

import re

_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
NUMBER_WORDS = {
    **{word: number for number, word in enumerate(_UNITS, start=1)},
    **{word: number for number, word in enumerate(_TEENS, start=10)},
    **_TENS,
    **{
        f"{tens}{joiner}{unit}": value + number
        for tens, value in _TENS.items()
        for number, unit in enumerate(_UNITS, start=1)
        for joiner in ("-", " ", "‑")
    },
}
_NUMBER = r"\d{1,3}|" + "|".join(sorted(map(re.escape, NUMBER_WORDS), key=len, reverse=True))
SELECTION_NOUNS = ("highlights", "picks", "entries")
_ANNOUNCED = re.compile(
    rf"(?<![\d,.])\b(?P<number>{_NUMBER})\s+"
    r"(?:(?:new|fresh|selected|hand-picked|handpicked|notable|recent|research|arxiv|"
    r"interesting|exciting|great|top|more|annotated)\s+){0,2}"
    r"(?P<noun>papers|highlights|picks|entries|articles|preprints|studies)\b",
    re.IGNORECASE,
)


def announced_counts(text):
    """[(number, the words that said it)] for each count of papers in ``text``
    (“21 highlights”, “twenty-one papers”; “one paper” is a remark, not a count)."""
    counts = []
    for found in _ANNOUNCED.finditer(text or ""):
        word = found["number"].lower()
        number = int(word) if word.isdigit() else NUMBER_WORDS[word]
        if number > 1:
            counts.append((number, " ".join(found.group(0).split())))
    return counts


def mismatch(text, paper_count):
    """The first count ``text`` announces when none of its counts is ``paper_count``
    (“We skimmed 300 papers; here are our 21 highlights” agrees with 21)."""
    counts = announced_counts(text)
    if not counts or any(number == paper_count for number, _ in counts):
        return None
    # "24 highlights" says what the issue holds more surely than "two papers" does.
    return next((count for count in counts if count[1].endswith(SELECTION_NOUNS)), counts[0])
