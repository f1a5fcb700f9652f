"""A demo world on a fixed clock, so timestamps in assertions are predictable."""

import datetime as dt

import pytest

from intacct_emulator.data import Clock, Scope, build_dataset

START = dt.datetime(2024, 6, 3, 17, 30, 0, tzinfo=dt.UTC)  # 10:30 in Los Angeles (PDT)


@pytest.fixture
def world():
    return build_dataset("demo", seed=0, clock=Clock(start=START, frozen=True))


@pytest.fixture
def store(world):
    return world.companies["DEMO"].store


@pytest.fixture
def us():
    return Scope("US01")


@pytest.fixture
def top():
    return Scope(None)
