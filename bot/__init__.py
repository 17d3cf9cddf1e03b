"""Asistente de la Escuela de Secretarías: the plain-Python core (no rasa imports)."""
