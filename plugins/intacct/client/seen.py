"""A compact set of record numbers, for reads that must remember every record they returned.

A keyset read of a whole company remembers each RECORDNO it returned (a row changed mid-read comes round
again and must not be returned twice). A Python set costs some 70 bytes per number: a million bills would
hold about 60 MiB for the whole read. Record numbers come from sequences, so they cluster: here the numbers
are grouped by their high bits into blocks of 65,536, and a block holding many numbers is a bitmap (8 KiB,
one bit per possible number) rather than a set. A dense company costs about a bit per number; scattered
numbers cost what a set costs, never more.
"""

from __future__ import annotations

import sys

BLOCK_BITS = 16
_LOW = (1 << BLOCK_BITS) - 1
# A block's numbers become a bitmap once a set of them would take about as much room as the bitmap.
DENSE_AT = 128


class SeenNumbers:
    """``add``, ``update``, ``in`` and ``len`` of a set of integers, compact when the integers cluster.

    Anything else added (a missing number, say) is kept in a plain set, so it behaves as a set would."""

    def __init__(self) -> None:
        self._blocks: dict[int, set[int] | bytearray] = {}
        self._others: set = set()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, int):
            return number in self._others
        block = self._blocks.get(number >> BLOCK_BITS)
        if block is None:
            return False
        low = number & _LOW
        if type(block) is bytearray:
            return bool(block[low >> 3] & (1 << (low & 7)))
        return low in block

    def add(self, number: int) -> bool:
        """Add ``number``; False when it was there already."""
        if not isinstance(number, int):
            if number in self._others:
                return False
            self._others.add(number)
            self._count += 1
            return True
        key, low = number >> BLOCK_BITS, number & _LOW
        block = self._blocks.get(key)
        if block is None:
            self._blocks[key] = {low}
        elif type(block) is bytearray:
            byte, bit = low >> 3, 1 << (low & 7)
            if block[byte] & bit:
                return False
            block[byte] |= bit
        else:
            if low in block:
                return False
            block.add(low)
            if len(block) >= DENSE_AT:
                self._blocks[key] = _bitmap(block)
        self._count += 1
        return True

    def update(self, numbers) -> None:
        for number in numbers:
            self.add(number)

    def bytes_held(self) -> int:
        """Roughly what the numbers take (for tests and benchmarks)."""
        return sum(len(b) if type(b) is bytearray else sys.getsizeof(b) + 28 * len(b)
                   for b in self._blocks.values())


def _bitmap(numbers: set[int]) -> bytearray:
    bitmap = bytearray((_LOW + 1) >> 3)
    for low in numbers:
        bitmap[low >> 3] |= 1 << (low & 7)
    return bitmap
