"""Fixtures of the emulator tests: a fresh demo emulator and a client posting to it in process."""

from __future__ import annotations

import pytest

from intacct_emulator import Emulator
from tests.intacct_emulator.emulator_requests import Gateway


@pytest.fixture
def emu() -> Emulator:
    return Emulator.from_dataset("demo", seed=0)


@pytest.fixture
def gw(emu: Emulator) -> Gateway:
    gateway = Gateway(emu)
    yield gateway
    gateway.client.close()
