"""Bulk work changes the collector's settings only while it runs, and gives the process back exactly what it
had: its thresholds, its freeze (a host's own freeze is kept), a disabled collector left alone."""

from __future__ import annotations

import gc
import threading

import pytest

from intacct.garbage_collection import BULK_YOUNG, bulk_work


@pytest.fixture(autouse=True)
def collector_as_found():
    threshold, enabled = gc.get_threshold(), gc.isenabled()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    gc.enable()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    (gc.enable if enabled else gc.disable)()


def test_bulk_work_freezes_what_exists_collects_young_objects_rarely_and_restores_both():
    with bulk_work():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (BULK_YOUNG, 10, 10)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == (700, 10, 10)


def test_cyclic_garbage_made_during_bulk_work_is_still_collected():
    class Node:
        pass

    with bulk_work():
        first = Node()
        first.other = Node()
        first.other.other = first  # a cycle: reference counting alone never frees it
        del first
        assert gc.collect() >= 2


def test_nested_and_overlapping_bulk_work_restores_once_the_outermost_ends():
    started, release = threading.Event(), threading.Event()

    def other_sync():
        with bulk_work():
            started.set()
            release.wait(5)

    with bulk_work():
        worker = threading.Thread(target=other_sync)
        worker.start()
        started.wait(5)
        with bulk_work():
            pass
        assert gc.get_threshold()[0] == BULK_YOUNG  # the inner one ended: still bulk work
    assert gc.get_threshold()[0] == BULK_YOUNG  # the thread's bulk work goes on
    release.set()
    worker.join(5)
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_a_host_that_froze_its_objects_keeps_its_freeze():
    gc.freeze()
    frozen = gc.get_freeze_count()
    with bulk_work():
        assert gc.get_threshold()[0] == BULK_YOUNG
    assert gc.get_freeze_count() >= frozen > 0
    assert gc.get_threshold() == (700, 10, 10)


def test_a_disabled_collector_is_left_as_it_is():
    gc.disable()
    with bulk_work():
        assert not gc.isenabled()
        assert gc.get_threshold() == (700, 10, 10)
        assert gc.get_freeze_count() == 0
    assert not gc.isenabled()


def test_a_larger_threshold_of_the_host_is_kept():
    gc.set_threshold(100_000, 10, 10)
    with bulk_work():
        assert gc.get_threshold()[0] == 100_000
    assert gc.get_threshold() == (100_000, 10, 10)


def test_bulk_work_that_fails_restores_the_settings():
    with pytest.raises(RuntimeError), bulk_work():
        raise RuntimeError("a sync failed")
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0
