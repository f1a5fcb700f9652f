"""Errors the emulated gateway reports inside ``<errormessage>`` blocks.

Every part of the emulator raises :class:`GatewayError`; the protocol layer renders it at the level
(control, authentication or function) where it was raised.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorDetail:
    errorno: str
    description2: str
    description: str = ""
    correction: str = ""


class GatewayError(Exception):
    """One or more ``<error>`` entries, in the order the gateway lists them."""

    def __init__(self, errorno: str, description2: str, description: str = "", correction: str = "",
                 *, more: tuple[ErrorDetail, ...] = ()):
        self.details: tuple[ErrorDetail, ...] = (
            ErrorDetail(errorno, description2, description, correction), *more)
        super().__init__(f"{errorno}: {description2}")

    @classmethod
    def of(cls, details: list[ErrorDetail] | tuple[ErrorDetail, ...]) -> GatewayError:
        first, *rest = details
        return cls(first.errorno, first.description2, first.description, first.correction, more=tuple(rest))
