"""Catalog: "Quiero aprender" contents, tools, resources and news of the MEN.

Modules: ``models`` (tables, Alembic branch ``catalog``), ``importer`` (CSV/JSON/YAML exports of
contents and of encuentros, and the MEN resources file ``data/catalog/recursos-men.yml``: row-level
validation, all-or-nothing, upsert by key), ``analysis`` + ``search`` (Spanish search with synonyms
and typo correction; BM25 or SQLite FTS5), ``present`` (which response shows an entry on which
channel), ``resources`` (news newest first, resources related to a programme), ``topics`` (topics
and territories of an entry), ``links`` (link checker), ``evaluation`` (MRR, nDCG@5), ``themes``
(MEN area codes), ``cli``. Encuentros are in :mod:`bot.encuentros`, peers in :mod:`bot.peers`.
Nothing here imports rasa; nothing is built at import time.
"""
