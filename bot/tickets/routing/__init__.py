"""Routing of an inquiry to exactly one MEN area code.

Topic-keyword rules (from ``men-areas.yml`` plus ``data/routing/keywords.yml``) are combined with a
TF-IDF (character + word n-grams) logistic-regression classifier trained on
``data/routing/examples/*.yml``. Below ``settings.routing_min_confidence`` the inquiry goes to the
default area and is marked for triage.
"""

from bot.tickets.routing.router import Router, RoutingDecision, build_router, get_router

__all__ = ["Router", "RoutingDecision", "build_router", "get_router"]
