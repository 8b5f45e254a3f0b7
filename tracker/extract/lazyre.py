"""Regular expressions compiled on first use.

Compiling the extractor's patterns (thousands of alternatives over six languages) costs far
more than reading one short document with them: a process that reads one document should pay
only for the patterns that document reaches. `LazyPattern` stands for a compiled pattern and
compiles it the first time one of its methods is looked up; its text may itself be computed
then (a function returning the pattern's text), so the string work of building it is deferred
too.

After the first use the compiled pattern's bound methods sit in the wrapper's own attributes
and the wrapper's class no longer has a `__getattr__` hook, so `lazy.search(text)` costs one
instance attribute lookup more than `compiled.search(text)`, no Python-level call in between.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# What a compiled pattern offers, copied to the wrapper when it is compiled.
_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner")
_DATA = ("flags", "groups", "groupindex")
_LEADING_FLAGS = re.compile(r"\(\?[aiLmsux]")


class LazyPattern:
    """A `re.Pattern` compiled the first time it is used.

    `source` is the pattern's text or a function of no arguments returning it (called once, on
    the first need of the text). `pattern` is the text, read without compiling; every other
    attribute of `re.Pattern` compiles first. `compiled` is the `re.Pattern` itself.

    Until it is compiled the object is a `_PendingPattern`, whose `__getattr__` compiles;
    then it is a plain `LazyPattern`, whose attribute reads pay no such hook.
    """

    def __new__(cls, source: str | Callable[[], str], flags: int = 0):
        return object.__new__(_PendingPattern if cls is LazyPattern else cls)

    def __init__(self, source: str | Callable[[], str], flags: int = 0) -> None:
        self._source = source
        self._flags = flags

    @property
    def is_compiled(self) -> bool:
        """Has the pattern been compiled yet (for tests and diagnostics)?"""
        return "compiled" in self.__dict__

    def __repr__(self) -> str:
        state = "compiled" if self.is_compiled else "not compiled"
        text = self.__dict__.get("pattern")
        return f"LazyPattern({text[:40] + '...' if text is not None else '<deferred>'!r}, {state})"


class _PendingPattern(LazyPattern):
    """A `LazyPattern` not compiled yet."""

    def __getattr__(self, name: str):
        # Only attributes not set yet arrive here: the text, then the compiled pattern's.
        if name.startswith("__"):
            raise AttributeError(name)  # copy, pickle and friends probe dunders: no compiling
        if name == "pattern":
            source = self._source
            text = source() if callable(source) else source
            self.__dict__["pattern"] = text
            return text
        if name == "flags" and not self._flags & (re.ASCII | re.LOCALE) and isinstance(self.pattern, str) \
                and not _LEADING_FLAGS.match(self.pattern):
            # What `re.compile` would give, without compiling: a str pattern is Unicode.
            return self._flags | re.UNICODE
        compiled = self._compile()
        if name == "compiled":
            return compiled
        return getattr(compiled, name)

    def _compile(self) -> re.Pattern:
        compiled = re.compile(self.pattern, self._flags)
        attrs = self.__dict__
        for name in _METHODS + _DATA:
            attrs[name] = getattr(compiled, name)
        attrs["compiled"] = compiled
        self.__class__ = LazyPattern
        return compiled


def lazy_compile(source: str | Callable[[], str], flags: int = 0) -> LazyPattern:
    """`re.compile(source, flags)`, done the first time the pattern is used."""
    return LazyPattern(source, flags)
