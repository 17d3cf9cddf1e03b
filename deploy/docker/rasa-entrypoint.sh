#!/bin/sh
# Rasa replica: render the channels' credentials from the environment, then serve the baked model
# with the production endpoints (PostgreSQL, atomic Redis lock store, RabbitMQ).
set -e
python -m channels.credentials --out /tmp/credentials.yml
exec rasa run --enable-api --port "${RASA_PORT:-5005}" --model /app/models \
  --endpoints /app/config/endpoints.production.yml --credentials /tmp/credentials.yml "$@"
