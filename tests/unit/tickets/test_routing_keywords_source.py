"""The curated routing keywords come only from training data: each phrase occurs in a training example
of data/routing/examples or in the topics of its area (never only in an evaluation set)."""

from __future__ import annotations

from bot.settings import PROJECT_ROOT
from bot.text import stems
from bot.tickets.areas import load_areas
from bot.tickets.routing.data import load_examples, load_keywords

ROUTING = PROJECT_ROOT / "data" / "routing"


def _joined(text: str) -> str:
    return " " + " ".join(stems(text)) + " "


def test_every_keyword_occurs_in_the_training_examples_or_the_area_topics():
    training = [_joined(e.text) for e in load_examples(ROUTING / "examples")]
    training += [_joined(a.topics) for a in load_areas().areas]
    missing = [
        (area, phrase)
        for area, phrases in load_keywords(ROUTING / "keywords.yml").items()
        for phrase in phrases
        if not any(_joined(phrase) in text for text in training)
    ]
    assert missing == []
