"""A paper's printed claim and the workbench's finding on it (derivations.yu_huang, derivations.driven).

``agree`` is computed by the claim's check: True, False, or None where the paper is ambiguous (two readings
give different answers); every False and None carries its reason ("the paper says X, we derive Y, because Z").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Finding:
    agree: bool | None
    ours: str
    reason: str = ""

    def __post_init__(self):  # comparisons of NumPy numbers give numpy.bool_, which `is False` would miss
        object.__setattr__(self, "agree", None if self.agree is None else bool(self.agree))


@dataclass(frozen=True)
class Claim:
    key: str
    where: str
    paper: str
    check: Callable[[], Finding]

    @functools.cached_property
    def finding(self) -> Finding:
        return self.check()


def rows(claims) -> list[dict]:
    """The JSON rows of `genphys thermo claims` / `genphys landscape claims` and the reports."""
    return [{"key": c.key, "where": c.where, "paper": c.paper, "agree": c.finding.agree, "ours": c.finding.ours,
             "reason": c.finding.reason} for c in claims]
