"""Words the assistant was trained on, to tell a real question from keyboard noise.

Intent classifiers give confident answers even to "jjjjjjj"; a message where most words are
unknown (not even a typo away from a known word) is better sent to the fallback ("¿Quiso decir…?").
Numbers count as known words: years and codes are real answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.text import normalize

_WORD_RE = re.compile(r"[a-z0-9]+")


def words_of(text: str) -> list[str]:
    """Normalised words of ``text`` (letters and digits), single letters left out."""
    return [w for w in _WORD_RE.findall(normalize(text)) if len(w) > 1 or w.isdigit()]


@dataclass(frozen=True)
class Coverage:
    known: int
    total: int

    @property
    def ratio(self) -> float:
        return self.known / self.total if self.total else 0.0


class Vocabulary:
    """A set of known words with a typo-tolerant membership test."""

    def __init__(self, words: Iterable[str], min_similarity: float = 80.0) -> None:
        self.words = sorted(set(words))
        self._set = set(self.words)
        self.min_similarity = min_similarity

    @classmethod
    def from_texts(cls, texts: Iterable[str], **kwargs) -> Vocabulary:
        return cls((w for t in texts for w in words_of(t)), **kwargs)

    def is_known(self, word: str) -> bool:
        if word.isdigit() or word in self._set:
            return True
        if len(word) < 4:
            return False
        return process.extractOne(word, self.words, scorer=fuzz.ratio, score_cutoff=self.min_similarity) is not None

    def coverage(self, text: str) -> Coverage:
        words = words_of(text)
        return Coverage(known=sum(1 for w in words if self.is_known(w)), total=len(words))

    def looks_like_noise(self, text: str, min_ratio: float = 0.5) -> bool:
        """True when no word, or fewer than ``min_ratio`` of the words, are known."""
        return self.coverage(text).ratio < min_ratio
