"""The project's web app (FastAPI): web chat page, indicator charts, health, feature routers.

Start it with ``python -m webapp``; build it in tests with :func:`webapp.app.create_app`.
"""
