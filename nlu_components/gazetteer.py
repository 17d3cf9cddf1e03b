"""Places, indicators, levels and years from lexicons (``bot/entities.py``), after DIET.

Replaces DIET's ``lugar``, ``indicador``, ``nivel`` and ``anio`` entities with those of the gazetteer,
which knows all 1.122 municipios, 33 departamentos and 96 ETC by their official names and usual
variants (typos, missing accents). The place tables are read from ``data/indicators`` at training time
and kept in the model, so a trained model needs no database to parse. The other entities (``tema``,
``codigo_caso``…) stay DIET's.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.entities import TYPES, find_entities
from bot.indicators.loader import place_rows
from bot.indicators.sources import DEFAULT_DATA_DIR, sources_fingerprint
from bot.places import PlaceResolver

FILE_NAME = "places.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class GazetteerEntityExtractor(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # messages of these intents name an indicator as a topic ("la auditoría de matrícula"), not as
        # the figure asked for: only their places are marked
        return {"entities": list(TYPES), "places_only_intents": [
            "solicitar_gestion_men", "contactar_humano", "buscar_contenido", "consultar_noticias", "faq",
            "consultar_caso", "respuesta_caso", "responder_caso", "calificar_caso", "proximo_encuentro",
            "suscribir_eventos", "cancelar_suscripcion_eventos", "corregir_dato", "no_me_sirvio", "out_of_scope",
        ]}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 resolver: PlaceResolver | None = None) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.resolver = resolver

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Rasa's training cache retrains this component when the place files change."""
        return sources_fingerprint(DEFAULT_DATA_DIR)

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> GazetteerEntityExtractor:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        rows, aliases = place_rows()
        self.resolver = PlaceResolver(rows, aliases)
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / FILE_NAME).write_text(json.dumps({"rows": rows, "aliases": aliases}), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> GazetteerEntityExtractor:
        with model_storage.read_from(resource) as model_dir:
            data = json.loads((model_dir / FILE_NAME).read_text(encoding="utf-8"))
        resolver = PlaceResolver(data["rows"], [tuple(a) for a in data["aliases"]])
        return cls(config, model_storage, resource, resolver)

    def process(self, messages: list[Message]) -> list[Message]:
        kinds = set(self.config["entities"])
        places_only = set(self.config["places_only_intents"])
        for message in messages:
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            found = [f.as_dict(self.name)
                     for f in find_entities(message.get(TEXT) or "", self.resolver, indicators=intent not in places_only)
                     if f.entity in kinds]
            kept = [e for e in message.get(ENTITIES, []) if e.get("entity") not in kinds]
            message.set(ENTITIES, sorted(kept + found, key=lambda e: e.get("start", 0)), add_to_output=True)
        return messages
