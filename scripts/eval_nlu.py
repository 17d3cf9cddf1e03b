"""NLU figures of a trained model on an evaluation set (Rasa NLU YAML), parsed in-process with Rasa's Agent.

Usage:
  python scripts/eval_nlu.py [--model models/model-XXXX.tar.gz] [--set frozen|validation|PATH]
                             [--show-failures] [--fail-under-accuracy 0.85]

Sets: ``frozen`` = tests/eval/frozen/nlu.yml (default; aggregate figures only), ``validation`` =
tests/eval/validation/nlu.yml (for tuning: ``--show-failures`` lists the errors), or a path such as
tests/nlu_holdout.yml. Labels ``faq/<topic>`` mean intent ``faq`` plus the ResponseSelector topic.

Figures: intent accuracy and macro F1 (faq collapsed, over the gold labels), FAQ topic accuracy, the
share of valid examples sent to ``nlu_fallback``, and entity precision/recall/F1 for lugar, indicador
and anio (and micro overall): an entity is right when its type matches and its text (or value) equals
the annotated text after lower-casing and stripping accents. On non-frozen sets it also prints the
confusions and a sweep of the FallbackClassifier threshold.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore")

from eval_support import ROOT, is_frozen, newest_model, normalize, pct, refuse_details_on_frozen, resolve_set  # noqa: E402

sys.path.insert(0, str(ROOT))

FALLBACK = "nlu_fallback"
FAQ = "faq"
ENTITY_TYPES = ("lugar", "indicador", "anio")


@dataclass
class Gold:
    text: str
    intent: str
    topic: str | None  # faq/<topic> for the faq retrieval intent
    entities: list[tuple[str, str, str]]  # (type, normalised span text, normalised value)


@dataclass
class Parsed:
    intent: str  # after the FallbackClassifier
    best_intent: str  # best intent other than nlu_fallback
    confidence: float  # confidence of best_intent
    topic: str | None
    entities: list[tuple[str, str, str]] = field(default_factory=list)


def load_set(path: Path) -> list[Gold]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    examples = []
    for message in data.intent_examples:
        text = message.get("text")
        entities = [
            (e["entity"], normalize(text[e["start"]:e["end"]]), normalize(e.get("value", "")))
            for e in message.get("entities") or []
            if e.get("entity") in ENTITY_TYPES
        ]
        intent = message.get("intent")
        key = message.get("intent_response_key")
        examples.append(Gold(text=text, intent=intent, topic=key if intent == FAQ else None, entities=entities))
    return examples


def to_parsed(data: dict) -> Parsed:
    text = data.get("text") or ""
    ranking = [r for r in data.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    best = ranking[0] if ranking else {"name": FALLBACK, "confidence": 0.0}
    intent = (data.get("intent") or {}).get("name") or FALLBACK
    selector = ((data.get("response_selector") or {}).get(FAQ) or {}).get("response") or {}
    entities = []
    for e in data.get("entities") or []:
        if e.get("entity") not in ENTITY_TYPES:
            continue
        span = text[e["start"]:e["end"]] if e.get("start") is not None and e.get("end") is not None else ""
        entities.append((e["entity"], normalize(span), normalize(str(e.get("value", "")))))
    return Parsed(
        intent=intent,
        best_intent=best["name"],
        confidence=float(best.get("confidence") or 0.0),
        topic=selector.get("intent_response_key"),
        entities=entities,
    )


async def parse_all(model: str, texts: list[str]) -> list[Parsed]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    return [to_parsed(await agent.parse_message(text)) for text in texts]


def match_entities(gold: list[tuple[str, str, str]], predicted: list[tuple[str, str, str]]) -> list[tuple[str, bool]]:
    """Pair gold and predicted entities; returns (type, matched) for gold and predicted ("p:" prefix)."""
    left = list(predicted)
    out = []
    for kind, span, value in gold:
        hit = next((p for p in left if p[0] == kind and ({p[1], p[2]} & {span, value}) - {""}), None)
        if hit is not None:
            left.remove(hit)
        out.append((kind, hit is not None))
    out.extend((f"p:{p[0]}", False) for p in left)
    return out


def entity_scores(golds: list[Gold], parsed: list[Parsed]) -> dict[str, tuple[int, int, int]]:
    """(true positives, false positives, false negatives) per entity type and overall (micro)."""
    counts = {k: [0, 0, 0] for k in (*ENTITY_TYPES, "micro")}
    for gold, pred in zip(golds, parsed, strict=True):
        for kind, ok in match_entities(gold.entities, pred.entities):
            if kind.startswith("p:"):
                counts[kind[2:]][1] += 1
                counts["micro"][1] += 1
            elif ok:
                counts[kind][0] += 1
                counts["micro"][0] += 1
            else:
                counts[kind][2] += 1
                counts["micro"][2] += 1
    return {k: (v[0], v[1], v[2]) for k, v in counts.items()}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def report(path: Path, golds: list[Gold], parsed: list[Parsed], model: str, show_failures: bool) -> float:
    from sklearn.metrics import f1_score

    frozen = is_frozen(path)
    n = len(golds)
    gold_intents = [g.intent for g in golds]
    pred_intents = [p.intent for p in parsed]
    right = sum(g == p for g, p in zip(gold_intents, pred_intents, strict=True))
    accuracy = right / n if n else 0.0
    labels = sorted(set(gold_intents))
    macro = f1_score(gold_intents, pred_intents, labels=labels, average="macro", zero_division=0)
    faq = [(g, p) for g, p in zip(golds, parsed, strict=True) if g.intent == FAQ]
    faq_right = sum(p.intent == FAQ and p.topic == g.topic for g, p in faq)
    faq_given = [(g, p) for g, p in faq if p.intent == FAQ]
    valid = [(g, p) for g, p in zip(golds, parsed, strict=True) if g.intent != FALLBACK]
    fell = sum(p.intent == FALLBACK for _, p in valid)
    junk = [p for g, p in zip(golds, parsed, strict=True) if g.intent == FALLBACK]

    print(f"NLU: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} — {n} ejemplos, "
          f"{len(labels)} intenciones{' (congelado: solo cifras agregadas)' if frozen else ''}")
    print(f"  modelo: {Path(model).name}")
    print(f"  exactitud de intención (faq agrupada): {right}/{n} = {pct(right, n)}")
    print(f"  F1 macro de intención:                 {macro:.3f}")
    print(f"  FAQ, tema correcto:                    {faq_right}/{len(faq)} = {pct(faq_right, len(faq))}"
          f"   (entre las reconocidas como faq: {pct(sum(p.topic == g.topic for g, p in faq_given), len(faq_given))})")
    print(f"  a nlu_fallback (ejemplos válidos):     {fell}/{len(valid)} = {pct(fell, len(valid))}")
    if junk:
        caught = sum(p.intent == FALLBACK for p in junk)
        print(f"  galimatías a nlu_fallback:             {caught}/{len(junk)} = {pct(caught, len(junk))}")
    print("  entidades (texto sin tildes ni mayúsculas):  precisión  exhaustividad  F1    (vp/fp/fn)")
    for kind, (tp, fp, fn) in entity_scores(golds, parsed).items():
        p, r, f = prf(tp, fp, fn)
        name = "todas (micro)" if kind == "micro" else kind
        print(f"    {name:<14}                             {p:6.1%}    {r:6.1%}     {f:.3f}  ({tp}/{fp}/{fn})")

    if not frozen:
        errors = Counter(
            (g.topic or g.intent, p.topic if p.intent == FAQ and p.topic else p.intent)
            for g, p in zip(golds, parsed, strict=True)
            if g.intent != p.intent or (g.intent == FAQ and g.topic != p.topic)
        )
        if errors:
            print("  confusiones (esperado -> predicho):")
            for (gold, got), count in errors.most_common(25):
                print(f"    {gold} -> {got} ({count})")
        print("  barrido del umbral del FallbackClassifier (confianza de la mejor intención):")
        print("    umbral  exactitud  válidos a fallback  galimatías atrapados")
        for t in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7):
            ok = sum(p.confidence >= t and p.best_intent == g.intent for g, p in valid)
            low = sum(p.confidence < t for _, p in valid)
            trapped = sum(p.confidence < t for p in junk)
            print(f"    {t:.2f}    {pct(ok, len(valid))}   {pct(low, len(valid))}           "
                  f"{pct(trapped, len(junk)) if junk else '  n/a'}")
    if show_failures:
        print("  fallos:")
        for g, p in zip(golds, parsed, strict=True):
            wrong_intent = g.intent != p.intent or (g.intent == FAQ and g.topic != p.topic)
            wrong_entities = not all(ok for _, ok in match_entities(g.entities, p.entities))
            if wrong_intent or wrong_entities:
                print(f"    [{g.topic or g.intent} -> {p.topic if p.intent == FAQ else p.intent} {p.confidence:.2f}] "
                      f"{g.text}")
                if wrong_entities:
                    print(f"        entidades esperadas {[e[:2] for e in g.entities]} obtenidas {[e[:2] for e in p.entities]}")
    return accuracy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="modelo entrenado (por defecto, el más reciente de models/)")
    parser.add_argument("--set", "--holdout", dest="set", default="frozen",
                        help="frozen (por defecto), validation o la ruta de un archivo NLU (p. ej. tests/nlu_holdout.yml)")
    parser.add_argument("--show-failures", action="store_true", help="lista los errores (no con el conjunto congelado)")
    parser.add_argument("--fail-under-accuracy", type=float, default=None,
                        help="sale con 1 si la exactitud de intención es menor (0-1)")
    args = parser.parse_args(argv)
    path = resolve_set(args.set, "nlu")
    if not path.exists():
        sys.exit(f"No existe el conjunto {path}")
    if args.show_failures:
        refuse_details_on_frozen(path, "--show-failures")
    model = args.model or newest_model()

    import structlog

    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    golds = load_set(path)
    parsed = asyncio.run(parse_all(model, [g.text for g in golds]))
    accuracy = report(path, golds, parsed, model, args.show_failures)
    if args.fail_under_accuracy is not None and accuracy < args.fail_under_accuracy:
        print(f"✗ exactitud {accuracy:.1%} < {args.fail_under_accuracy:.1%}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
