"""BibTeX for papers: one entry, an issue's worth, or any filtered list."""

import re
import unicodedata

STOP_WORDS = {"a", "an", "the", "on", "of", "for", "and", "to", "in", "with", "via", "is", "are"}
_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def escape(text):
    """Text safe inside a BibTeX field: specials escaped, braces balanced, one line."""
    text = " ".join(str(text).split())
    return "".join(_SPECIAL.get(char, char) for char in text)


def _ascii_word(text):
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def family_name(author):
    parts = author.replace(",", " ").split()
    return parts[-1] if parts else ""


def base_key(paper):
    """“liu2023lost”: first author's family name, year, first real word of the title."""
    names = paper.author_list
    surname = _ascii_word(family_name(names[0])) if names else "anon"
    words = [_ascii_word(w) for w in re.split(r"[\s:\-–—]+", paper.title)]
    word = next((w for w in words if w and w not in STOP_WORDS), "paper")
    return f"{surname or 'anon'}{paper.arxiv_date.year}{word}"


def bibtex_author(name):
    """“Nelson F. Liu” → “Liu, Nelson F.” so every BibTeX style reads it right."""
    parts = name.split()
    if len(parts) < 2:
        return escape(name)
    return escape(f"{parts[-1]}, {' '.join(parts[:-1])}")


def entry(paper, key):
    fields = [
        ("title", "{" + escape(paper.title) + "}"),
        ("author", " and ".join(bibtex_author(a) for a in paper.author_list) or "Anonymous"),
        ("year", str(paper.arxiv_date.year)),
        ("month", None),
        ("eprint", escape(paper.arxiv_id)),
        ("archivePrefix", "arXiv"),
        ("url", paper.abs_url),
    ]
    if getattr(paper, "primary_category", ""):
        fields.insert(6, ("primaryClass", escape(paper.primary_category)))
    lines = [f"@misc{{{key},"]
    for name, value in fields:
        if name == "month":
            lines.append(f"  month = {MONTHS[paper.arxiv_date.month - 1]},")
        else:
            lines.append(f"  {name} = {{{value}}},")
    lines.append("}")
    return "\n".join(lines)


def bibtex(papers):
    """Entries for ``papers`` with keys unique within the file (…a, …b on clashes)."""
    papers = list(papers)
    counts = {}
    for paper in papers:
        counts[base_key(paper)] = counts.get(base_key(paper), 0) + 1
    used, entries = set(), []
    for paper in papers:
        key = base_key(paper)
        if counts[key] > 1 or key in used:
            suffix = 0
            while f"{key}{chr(97 + suffix % 26)}{suffix // 26 or ''}" in used:
                suffix += 1
            key = f"{key}{chr(97 + suffix % 26)}{suffix // 26 or ''}"
        used.add(key)
        entries.append(entry(paper, key))
    return "\n\n".join(entries) + ("\n" if entries else "")
