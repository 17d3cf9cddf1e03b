"""TF-IDF (character and word n-grams) + logistic regression, trained on the labelled examples."""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from bot.text import fold, stems


def _word_analyzer(text: str) -> list[str]:
    words = stems(text)
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def build_pipeline(c: float = 20.0) -> Pipeline:
    features = FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", preprocessor=fold, ngram_range=(2, 5), sublinear_tf=True)),
            ("words", TfidfVectorizer(analyzer=_word_analyzer, sublinear_tf=True)),
        ]
    )
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    return Pipeline([("features", features), ("model", model)])


def train(texts: Sequence[str], labels: Sequence[str], c: float = 20.0) -> Pipeline:
    pipeline = build_pipeline(c=c)
    pipeline.fit(list(texts), list(labels))
    return pipeline
