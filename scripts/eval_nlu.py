"""Intent accuracy and F1 on the held-out NLU set (tests/nlu_holdout.yml), with a threshold sweep.

Usage: python scripts/eval_nlu.py --model models/model-XXXX.tar.gz [--holdout tests/nlu_holdout.yml]
FAQ examples count as right only when the ResponseSelector also picks the right topic.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from bot.nlu_eval import Prediction, f1_report, load_holdout, sweep  # noqa: E402


async def predict(model: str, texts: list[str]) -> list[Prediction]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    out = []
    for text in texts:
        data = await agent.parse_message(text)
        out.append(Prediction.from_parse_data(data))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--holdout", default=str(ROOT / "tests" / "nlu_holdout.yml"))
    args = parser.parse_args()
    import structlog

    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    examples = load_holdout(Path(args.holdout))
    predictions = asyncio.run(predict(args.model, [e.text for e in examples]))
    report = f1_report(examples, predictions)
    print(f"NLU reservado: {len(examples)} ejemplos ({args.holdout})")
    print(f"  exactitud de intención: {report.accuracy:.1%}")
    print(f"  F1 macro: {report.macro_f1:.3f}   F1 ponderado: {report.weighted_f1:.3f}")
    errors = Counter((e.label, p.label) for e, p in zip(examples, predictions, strict=False) if e.label != p.label)
    if errors:
        print("  errores (esperado -> predicho):")
        for (gold, got), n in errors.most_common(25):
            print(f"    {gold} -> {got} ({n})")
    print("  barrido del umbral del FallbackClassifier (sobre la confianza de la mejor intención):")
    print("    umbral  exactitud  fallback en ejemplos válidos  galimatías atrapados")
    for row in sweep(examples, predictions):
        print(f"    {row.threshold:.2f}    {row.accuracy:6.1%}     {row.false_fallback:6.1%}"
              f"                      {row.caught:6.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
