"""Custom Rasa NLU components of the project (they may import rasa; the logic lives in bot/)."""
