"""Rasa-side additions loaded by Rasa itself (lock store, resilience); see docs/deployment.md."""
