"""Hygiene of the training data: test phrasings are not copies of training examples, and every
figure the FAQ answers state is in the MEN presentation (shared seed)."""

import re
from pathlib import Path

import pytest
import yaml

from bot.settings import PROJECT_ROOT
from bot.text import normalize

NLU_DIR = PROJECT_ROOT / "data" / "nlu"
ENTITY_RE = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")


def _plain(example: str) -> str:
    text = ENTITY_RE.sub(lambda m: m.group(1) or m.group(2), example)
    return " ".join(re.findall(r"\w+", normalize(text)))


def training_examples() -> set[str]:
    out = set()
    for path in NLU_DIR.glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    out.add(_plain(line.strip()[2:]))
    return out


def test_holdout_phrasings_are_not_in_training_data():
    holdout = yaml.safe_load((PROJECT_ROOT / "tests" / "nlu_holdout.yml").read_text(encoding="utf-8"))
    train = training_examples()
    copies = [
        line.strip()[2:]
        for block in holdout["nlu"]
        for line in str(block["examples"]).splitlines()
        if line.strip().startswith("- ") and _plain(line.strip()[2:]) in train
    ]
    assert copies == []


def test_conversation_test_phrasings_are_not_in_training_data():
    train = training_examples()
    copies = []
    for path in (PROJECT_ROOT / "tests").glob("test_*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for story in data.get("stories") or []:
            for step in story.get("steps") or []:
                text = _plain(step["user"]) if "user" in step else ""
                # answers of one to three words ("sí", "no gracias", a place, a year) are form replies
                if len(text.split()) > 3 and text in train:
                    copies.append((path.name, step["user"].strip()))
    assert copies == []


def test_enough_conversation_stories():
    count = 0
    for path in (PROJECT_ROOT / "tests").glob("test_*.yml"):
        count += len((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("stories") or [])
    assert count >= 40


SEED = Path(PROJECT_ROOT.parent / "shared" / "seed" / "escuela-de-secretarias.txt")


@pytest.mark.skipif(not SEED.exists(), reason="shared/seed not beside the checkout")
def test_every_figure_in_faq_answers_is_in_the_seed():
    seed_numbers = set(re.findall(r"\d[\d.]*", SEED.read_text(encoding="utf-8")))
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    stated = set()
    for name, variants in domain["responses"].items():
        if not name.startswith("utter_faq/"):
            continue
        for variant in variants:
            text = re.sub(r"^\d+\.", "", variant["text"], flags=re.M)  # list numbering
            stated |= set(re.findall(r"\d[\d.]*\d|\d", text))
    seed_plain = {n.rstrip(".") for n in seed_numbers}
    assert stated - seed_plain == set()


def test_faq_answers_fit_a_whatsapp_message():
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variants in domain["responses"].items():
        for variant in variants:
            assert len(variant["text"]) <= 1024, name
            assert len(variant.get("buttons") or []) <= 10, name
