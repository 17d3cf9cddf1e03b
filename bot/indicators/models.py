"""Tables of the indicators feature.

They hold *derived* data that ``python -m bot indicadores cargar`` rebuilds from the files of
``data/indicators``; they have their own ``MetaData`` (not ``bot.db.Base``) so Alembic does not
manage them.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text

from bot.db import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# Departments (dep:05), municipalities (mun:05001), ETC (etc:3758) and the nation (nac:0).
entity = Table(
    "ind_entity",
    metadata,
    Column("key", String(16), primary_key=True),
    Column("kind", String(16), nullable=False, index=True),  # departamento | municipio | etc | nacional
    Column("code", String(8), nullable=False),  # DANE code (05, 05001) or MEN ETC code (3758)
    Column("name", String(120), nullable=False),  # official name
    Column("department_key", String(16), nullable=True),
    Column("municipality_type", String(40), nullable=True),  # DIVIPOLA: Municipio / Isla / Área no municipalizada
    Column("region", String(80), nullable=True),
    Column("etc_type", String(16), nullable=True),  # departamental | municipal (ETC only)
    Column("data_key", String(16), nullable=True),  # entity whose rows hold this ETC's figures (municipal ETC)
    Column("first_year", Integer, nullable=True),  # ETC: first/last year it appears
    Column("last_year", Integer, nullable=True),
)

# Other names of an entity: spellings found in the files, DIVIPOLA names.
entity_alias = Table(
    "ind_entity_alias",
    metadata,
    Column("entity_key", String(16), ForeignKey("ind_entity.key", ondelete="CASCADE"), primary_key=True),
    Column("alias", String(160), primary_key=True),
    Column("source", String(40), nullable=False),
)

# Municipalities covered by each ETC, per year.
etc_coverage = Table(
    "ind_etc_coverage",
    metadata,
    Column("etc_key", String(16), ForeignKey("ind_entity.key", ondelete="CASCADE"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("municipality_key", String(16), ForeignKey("ind_entity.key", ondelete="CASCADE"), primary_key=True),
)

value = Table(
    "ind_value",
    metadata,
    Column("entity_key", String(16), ForeignKey("ind_entity.key", ondelete="CASCADE"), primary_key=True),
    Column("indicator", String(24), primary_key=True),
    Column("level", String(12), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("value", Float, nullable=False),
    Column("dataset_id", String(16), nullable=False),
    Column("source_file", String(80), nullable=False),
    Column("quality", String(16), nullable=False),  # ok | no_confiable
    Column("reason", String(24), nullable=True),  # quality.REASONS
    Column("reason_detail", String(80), nullable=True),
    Index("ix_ind_value_ranking", "indicator", "level", "year"),
)

issue = Table(
    "ind_issue",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_file", String(80), nullable=False),
    Column("year", Integer, nullable=False),
    Column("column_name", String(60), nullable=False),
    Column("check_name", String(24), nullable=False),
    Column("detail", Text, nullable=False),
    Column("rows", Integer, nullable=False),
)

meta = Table(
    "ind_meta",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

OK = "ok"
UNRELIABLE = "no_confiable"
