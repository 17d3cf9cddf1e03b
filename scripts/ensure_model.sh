#!/usr/bin/env bash
# Make sure a model trained on the current config, domain, training data and NLU code (with the
# lexicons and place files the NLU components read) exists,
# training only when one of them changed. Prints the model path on the last line of stdout.
# A model is reused from models/ or from the cache ($MODEL_CACHE), keyed by a content fingerprint.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:?BIN (the venv bin directory) is required}
MODEL_CACHE=${MODEL_CACHE:-$HOME/.cache/asistente-escuela/models}
# Rasa's training cache (one entry per graph component and input fingerprint) lives next to the
# models, outside the clone, so a change to stories only retrains the dialogue policies.
export RASA_CACHE_DIRECTORY=${RASA_CACHE_DIRECTORY:-$(dirname "$MODEL_CACHE")/rasa-cache}
fingerprint=$(
  { find config.yml domain.yml data/nlu data/rules data/stories data/indicators nlu_components requirements.txt \
      bot/text.py bot/vocabulary.py bot/entities.py bot/places.py bot/indicators/definitions.py \
      bot/indicators/sources.py bot/indicators/loader.py \
      -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.py' -o -name '*.txt' -o -name '*.csv' \) -print0 \
      | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16
)
name="model-$fingerprint"
mkdir -p models "$MODEL_CACHE"
if [ ! -f "models/$name.tar.gz" ]; then
  if [ -f "$MODEL_CACHE/$name.tar.gz" ]; then
    echo "Modelo reutilizado de la caché ($name)." >&2
    cp "$MODEL_CACHE/$name.tar.gz" "models/$name.tar.gz"
  else
    echo "Entrenando el modelo ($name): los datos, el dominio o la configuración cambiaron..." >&2
    started=$(date +%s)
    "$BIN/rasa" train --config config.yml --domain domain.yml --data data/nlu data/rules data/stories \
      --out models --fixed-model-name "$name" >&2
    # training time, read by scripts/bench_load.py (docs/benchmarks.md)
    echo "$(( $(date +%s) - started ))" > "$MODEL_CACHE/$name.train-seconds"
    cp "models/$name.tar.gz" "$MODEL_CACHE/$name.tar.gz.tmp" && mv "$MODEL_CACHE/$name.tar.gz.tmp" "$MODEL_CACHE/$name.tar.gz"
  fi
else
  echo "El modelo está al día ($name)." >&2
fi
# keep the cache small: the 5 most recent models
ls -1t "$MODEL_CACHE"/model-*.tar.gz 2>/dev/null | tail -n +6 | while read -r old; do
  rm -f "$old" "${old%.tar.gz}.train-seconds"
done
echo "models/$name.tar.gz"
