"""Quiero informarme: education indicators of the MEN open data.

Modules: ``catalog`` (indicators and the Spanish parser), ``sources``/``quality``/``loader``
(CSV -> SQL with quality checks), ``places`` (place resolver), ``service`` (look-ups, comparisons,
rankings, series), ``charts`` (PNG), ``socrata`` (live datos.gov.co client), ``cli``.
Nothing is imported or built here: import the module you need.
"""
