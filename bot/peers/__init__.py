"""Peers ("Quiero conectarme y compartir con otros"): secretarías like the user's that improved an indicator.

Modules: ``finder`` (similar ETC from the indicators' tables, the criteria and the result),
``connect`` (the text of the case that asks the Escuela, area ``VPBM-ESC``, to put the teams in
touch), ``cli``. Nothing here imports rasa; nothing is built at import time.
"""
