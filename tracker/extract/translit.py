"""Names written in Cyrillic, given in the Latin form the corpus conventions use.

Ukrainian uses the national romanisation adopted by the Cabinet of Ministers in 2010
(resolution No. 55), the form of official passports and of most English-language wires:
Сирський -> Syrskyi, Маляр -> Maliar, Євген -> Yevhen. Letters with two forms take the
first at the start of a word (Є -> Ye, Ї -> Yi, Й -> Y, Ю -> Yu, Я -> Ya) and the second
elsewhere (ie, i, i, iu, ia); the soft sign and the apostrophe are dropped; "зг" is "zgh"
so it is not read as "zh". Pure: a table and a function.
"""

from __future__ import annotations

import re

_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "'": "", "’": "", "ʼ": "",
    # Russian letters met in Ukrainian text (names quoted in Russian spelling)
    "ы": "y", "э": "e", "ё": "io", "ъ": "",
}
_WORD_START = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_WORD = re.compile(r"[\u0400-\u04ff'’ʼ]+")


def has_cyrillic(text: str) -> bool:
    return _CYRILLIC.search(text) is not None


def _word(word: str) -> str:
    out = []
    lower = word.lower()
    for i, ch in enumerate(lower):
        if ch == "г" and i > 0 and lower[i - 1] == "з":
            latin = "gh"
        elif i == 0 or not lower[i - 1].isalpha():
            latin = _WORD_START.get(ch, _LETTERS.get(ch, ch))
        else:
            latin = _LETTERS.get(ch, ch)
        if word[i].isupper() and latin:
            latin = latin[0].upper() + latin[1:]
        out.append(latin)
    return "".join(out)


def romanize(text: str) -> str:
    """`text` with every Cyrillic word in Latin letters; other text unchanged."""
    if not has_cyrillic(text):
        return text
    return _WORD.sub(lambda m: _word(m.group(0)), text)
