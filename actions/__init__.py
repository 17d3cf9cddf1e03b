"""Thin Rasa custom actions: tracker → bot/ service → events and domain responses.

rasa-sdk imports every submodule of this package, so each feature has its own module.
"""
