"""Quiero informarme: education indicators of the MEN open data.

Modules: ``definitions`` (the indicators as data and the Spanish parser), ``parsing`` and
``question`` (reading a question against the conversation; places come from :mod:`bot.places`),
``sources``/``quality``/``loader`` (CSV -> SQL with quality checks), ``models`` (tables),
``service`` (look-ups, comparisons, rankings, series), ``charts`` (PNG), ``socrata`` (live
datos.gov.co client), ``cli``.
Nothing is imported or built here: import the module you need.
"""
