"""Offer to connect: the description of the VPBM-ESC case."""

from __future__ import annotations

import pytest

from bot.peers.connect import connection_description
from bot.peers.finder import CsvPeerData, PeerFinder


@pytest.fixture(scope="module")
def tunja():
    finder = PeerFinder(CsvPeerData())
    return finder.find(finder.resolve("Tunja"))


def test_description_states_peers_figures_criteria_and_source(tunja):
    text = connection_description(tunja, "Nos interesa su estrategia.")
    assert "Tunja" in text and "Facatativá y Piedecuesta" in text
    assert "2,68 % → 2,00 %" in text and "entre 2017 y 2021" in text
    assert "Región Centro Oriente" in text and "nudc-7mev" in text and text.endswith("Nos interesa su estrategia.")


def test_nothing_to_connect_without_peers():
    finder = PeerFinder(CsvPeerData())
    departmental = finder.find(finder.resolve("antioquia"))
    with pytest.raises(ValueError):
        connection_description(departmental)
