"""Catalog feature: "Quiero aprender" contents and tools, encuentros, and peers.

Modules: ``models`` (tables, Alembic branch ``catalog``), ``importer`` (CSV/JSON/YAML exports and
the MEN resources file ``data/catalog/recursos-men.yml``, row-level validation, all-or-nothing,
upsert by key), ``analysis`` + ``search`` (Spanish BM25 search with synonyms and typo correction;
optional SQLite FTS5 engine), ``present`` (which response shows an entry on which channel),
``resources`` (news newest first, resources related to a programme), ``places`` (topics and
territories), ``links`` (link checker), ``evaluation`` (MRR, nDCG@5), ``events`` + ``subscriptions`` + ``dates``
(encuentros in Colombian time, notices), ``peers`` ("Quiero conectarme": similar ETC that
improved an indicator), ``connect`` (the VPBM-ESC case text), ``themes`` (MEN area codes), ``cli``.
Nothing here imports rasa; nothing is built at import time.
"""
