"""A spaCy tokenizer whose tokens are normalised as staff type (no accents, lower case, "q" → "que").

spaCy still sees the original text (for lemmas and POS tags); only the token text and lemma that the
featurizers and classifiers see are normalised, so "Deserción", "desercion" and "DESERCION" are one
feature. Token offsets keep pointing at the original text, so entity extraction is unaffected.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.text import normalize_token


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class NormalizingSpacyTokenizer(SpacyTokenizer):
    """SpacyTokenizer with accent-, case- and abbreviation-normalised tokens."""

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            token.text = normalize_token(token.text)
            if token.lemma:
                token.lemma = normalize_token(token.lemma)
        return tokens
