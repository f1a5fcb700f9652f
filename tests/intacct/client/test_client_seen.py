"""The compact set of record numbers a whole-company read remembers (unit)."""

from __future__ import annotations

import random

import pytest

from intacct.client.seen import SeenNumbers

pytestmark = pytest.mark.unit


def test_it_answers_as_a_set_does_for_clustered_and_scattered_numbers():
    rng = random.Random(9)
    numbers, reference = SeenNumbers(), set()
    for _ in range(20000):
        number = rng.choice([rng.randrange(0, 300_000), rng.randrange(-10**18, 10**18), rng.randrange(-500, 500)])
        assert numbers.add(number) == (number not in reference)
        reference.add(number)
        probe = rng.randrange(-1000, 300_000)
        assert (probe in numbers) == (probe in reference)
    assert len(numbers) == len(reference)
    assert all(number in numbers for number in reference)
    assert "12" not in numbers and None not in numbers
    assert numbers.add(None) and not numbers.add(None) and None in numbers and len(numbers) == len(reference) + 1
    numbers.update([1, 2, 2, 10**6])
    assert all(n in numbers for n in (1, 2, 10**6))


def test_a_million_clustered_numbers_cost_a_fraction_of_a_set():
    numbers = SeenNumbers()
    for number in range(5_000_000, 7_000_000, 2):  # a sequence shared with other records: half of it
        numbers.add(number)
    assert len(numbers) == 1_000_000 and numbers.bytes_held() < 1_000_000  # a set: some 60 MB
    assert 6_999_998 in numbers and 6_999_999 not in numbers and 7_000_000 not in numbers
