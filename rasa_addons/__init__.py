"""Small extensions loaded by the Rasa process itself (named by module path in endpoints.yml)."""
