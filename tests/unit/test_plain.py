"""controllers/shared_base/plain.py: the one helper that makes values plain JSON, and its digest."""

from __future__ import annotations

import datetime
import enum
import json
import math
from decimal import Decimal

import pytest

from controllers.shared_base.plain import canonical_json, digest, plain


class Level(enum.IntEnum):
    ONE = 1


class TaggedFloat(float):
    """Stands in for ansible-core's tagged float (a float subclass), which pydantic refuses."""


class Templating(dict):
    """Like Ansible's lazy dict: a value is templated when read by key; dict's C-level readers (json's
    encoder, `dict(...)`) see the raw text."""

    def __getitem__(self, key):
        raw = super().__getitem__(key)
        return 0.004 if raw == "{{ spread }}" else raw


def test_numbers_become_plain_python_numbers_and_tuples_lists():
    value = {"spread": Decimal("0.01"), "levels": (1, 2), 3: Level.ONE, "taker": TaggedFloat(0.0006)}
    result = plain(value)
    assert result == {"spread": 0.01, "levels": [1, 2], "3": 1, "taker": 0.0006}
    assert type(result["3"]) is int and type(result["taker"]) is float


def test_items_are_read_by_key_so_lazy_containers_template_them():
    lazy = Templating({"buy_spreads": "{{ spread }}"})
    assert json.loads(json.dumps(lazy)) == {"buy_spreads": "{{ spread }}"}  # what a round trip saw
    assert plain(lazy) == {"buy_spreads": 0.004}
    assert plain([lazy]) == [{"buy_spreads": 0.004}]


def test_values_json_has_no_type_for_are_kept_unless_other_says():
    day = datetime.date(2026, 12, 5)
    assert plain({"day": day}) == {"day": day}
    assert plain({"day": day, "none": None}, other=str) == {"day": "2026-12-05", "none": None}


def test_finite_blanks_nan_for_documents_and_canonical_json_refuses_it():
    assert plain([math.nan, math.inf, 1.5], finite=True) == [None, None, 1.5]
    with pytest.raises(ValueError):
        canonical_json({"spread": math.nan})


def test_one_text_and_one_digest_per_value_whatever_its_types():
    assert canonical_json({"b": (1, Decimal("2.5")), "a": TaggedFloat(1)}) == '{"a":1.0,"b":[1,2.5]}'
    assert digest({"a": 1.0, "b": [1, 2.5]}) == digest({"b": (1, Decimal("2.5")), "a": TaggedFloat(1)})
    assert digest({"a": 1}) != digest({"a": 2})
