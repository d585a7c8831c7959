"""Arabic-aware text folding for search and for finding similar proposals.

:func:`fold` turns a text into a comparable form, so that the spellings people actually use
match each other:

- Unicode NFKC (Arabic presentation forms become plain letters), then casefold;
- Arabic diacritics (harakat U+064B-U+065F, superscript alef U+0670, Quranic marks
  U+0610-U+061A and U+06D6-U+06ED) and tatweel (U+0640) are removed;
- alef and hamza forms are folded: أ إ آ ٱ → ا, ؤ → و, ئ → ي; the lone hamza ء is kept;
- taa marbuta ة → ه, alef maqsura ى → ي, Persian yeh ی → ي and keheh ک → ك;
- Latin accents are removed (é → e, ç → c);
- Arabic-Indic and extended Arabic-Indic digits become ASCII digits;
- punctuation and symbols (Arabic comma, question mark, quotes...) become spaces, invisible
  format characters (ZWNJ, RLM...) are dropped, and runs of spaces are collapsed.

:func:`fold` is idempotent (``fold(fold(x)) == fold(x)``), so folded text stored in
``Proposal.search_text`` can be matched with ``LIKE`` against folded query terms
(:func:`search_terms`), the same way on SQLite and PostgreSQL.

:func:`similarity` scores two texts between 0 and 1 (see its docstring).
"""
from __future__ import annotations

import unicodedata

# Characters removed outright (diacritics not decomposed by NFD, tatweel, Quranic marks).
_REMOVED = (
    [chr(c) for c in range(0x0610, 0x061B)]      # Quranic honorifics and small signs
    + [chr(c) for c in range(0x064B, 0x0660)]    # harakat: fathatan ... wavy hamza below
    + ["\u0670", "\u0640"]                       # superscript alef, tatweel
    + [chr(c) for c in range(0x06D6, 0x06EE)]    # Quranic annotation marks
)
_LETTERS = {
    "\u0671": "\u0627",  # ٱ alef wasla → ا
    "\u0672": "\u0627", "\u0673": "\u0627", "\u0675": "\u0627",  # alef with wavy hamza
    "\u0629": "\u0647",  # ة taa marbuta → ه
    "\u0649": "\u064a",  # ى alef maqsura → ي
    "\u06cc": "\u064a",  # ی Persian yeh → ي
    "\u06d2": "\u064a",  # ے yeh barree → ي
    "\u06a9": "\u0643",  # ک keheh → ك
    "\u06c0": "\u0647",  # ۀ heh with yeh above → ه
}
_DIGITS = {0x0660 + n: str(n) for n in range(10)} | {0x06F0 + n: str(n) for n in range(10)}
_TABLE = str.maketrans({**{c: None for c in _REMOVED}, **_LETTERS, **_DIGITS})

# Tokens of one character carry no meaning for matching.
MIN_TOKEN_LENGTH = 2
_STOP_WORDS_RAW = {
    # Arabic (folded below: إلى → الي). "على" is kept: folded, it is the name علي.
    "في", "من", "إلى", "الى", "عن", "مع", "هذا", "هذه", "ذلك", "تلك", "التي", "الذي",
    "الذين", "او", "أو", "ثم", "كل", "بين", "أن", "إن", "ان", "قد", "لا", "ما", "هو", "هي",
    "عند", "حتى", "لكن", "كان", "تم", "يتم", "به", "بها", "له", "لها", "فيه", "فيها", "عبر",
    "اجل", "أجل", "خلال", "وفي", "ومن", "وعلى", "كما", "لم", "لن", "أي", "اي",
    # French
    "le", "la", "les", "de", "des", "du", "un", "une", "et", "ou", "en", "au", "aux", "pour",
    "par", "sur", "dans", "avec", "ce", "cet", "cette", "ces", "qui", "que", "est", "sont",
    "pas", "plus", "nous", "vous", "il", "elle", "ils", "elles", "leur", "leurs", "son", "sa",
    "ses", "se", "ne", "afin", "tres", "notre", "nos",
    # English
    "the", "an", "and", "or", "of", "to", "in", "on", "for", "with", "by", "at", "from", "is",
    "are", "be", "this", "that", "these", "those", "it", "its", "our", "we", "as", "not",
    "into", "more",
}
# Arabic prefixes made of a conjunction or preposition and the definite article, longest
# first; stripped from tokens so that "المدرسة", "والمدرسة" and "مدرسة" meet.
ARTICLE_PREFIXES = ("وال", "بال", "فال", "كال", "ال", "لل")
# A prefix is stripped only if this many letters remain.
MIN_STEM_LENGTH = 3


def fold(text: str | None) -> str:
    """The folded form of ``text`` for matching (see the module docstring); ``""`` for None."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_TABLE)
    # NFD splits أ إ آ ؤ ئ and é into a base letter and a combining mark; drop the marks.
    decomposed = unicodedata.normalize("NFD", text)
    chars = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category == "Mn" or category == "Cf":
            continue
        chars.append(" " if category[0] in "PSZC" else char)
    folded = unicodedata.normalize("NFC", "".join(chars)).translate(_TABLE)
    return " ".join(folded.split())


STOP_WORDS = frozenset(fold(word) for word in _STOP_WORDS_RAW)


def strip_article(token: str) -> str:
    """``token`` without a leading Arabic definite article (``المدرسه`` → ``مدرسه``).

    ``token`` must be folded. A prefix is removed only when at least three letters remain.
    """
    for prefix in ARTICLE_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= MIN_STEM_LENGTH:
            return token[len(prefix):]
    return token


def tokens(text: str | None) -> set[str]:
    """The meaningful words of ``text``: folded, without stop words, short words or articles."""
    words = set()
    for word in fold(text).split():
        if len(word) < MIN_TOKEN_LENGTH or word in STOP_WORDS:
            continue
        words.add(strip_article(word))
    return words


def search_terms(query: str | None) -> list[str]:
    """The terms of a search query, each to be found as a substring of the folded text.

    Like :func:`tokens` but keeps the order of the query and drops duplicates. Returns an
    empty list when nothing searchable is left (e.g. a query made only of stop words).
    """
    terms: list[str] = []
    for word in fold(query).split():
        if len(word) < MIN_TOKEN_LENGTH or word in STOP_WORDS:
            continue
        term = strip_article(word)
        if term not in terms:
            terms.append(term)
    return terms


def _trigrams_of(words: set[str]) -> set[str]:
    grams = set()
    for word in words:
        padded = f" {word} "
        grams.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return grams


def trigrams(text: str | None) -> set[str]:
    """The character trigrams of each token of ``text``, padded with spaces at both ends."""
    return _trigrams_of(tokens(text))


def _jaccard(a: set, b: set) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


# Weights of the two measures in :func:`similarity`.
TOKEN_WEIGHT = 0.5
TRIGRAM_WEIGHT = 0.5


class Signature:
    """The tokens and trigrams of a text, computed once to compare it with many others."""

    __slots__ = ("tokens", "trigrams")

    def __init__(self, text: str | None):
        self.tokens = tokens(text)
        self.trigrams = _trigrams_of(self.tokens)

    def similarity(self, other: Signature) -> float:
        """:func:`similarity` of the two texts."""
        return (TOKEN_WEIGHT * _jaccard(self.tokens, other.tokens)
                + TRIGRAM_WEIGHT * _jaccard(self.trigrams, other.trigrams))


def similarity(a: str | None, b: str | None) -> float:
    """How alike two texts are, from 0 (nothing shared) to 1 (the same words).

    The mean of two Jaccard indexes (shared / all) computed on the folded texts:

    - on the sets of words (:func:`tokens`), which rewards the same words;
    - on the sets of character trigrams of those words (:func:`trigrams`), which still gives
      credit to words that differ by a letter, a suffix or a plural ("مدارس" / "مدرسه",
      "école" / "écoles").

    Both texts are folded first, so diacritics, tatweel, hamza forms, taa marbuta, alef
    maqsura, case and accents never make two texts look different.
    """
    return Signature(a).similarity(Signature(b))
