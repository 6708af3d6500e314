"""Typed outcomes: decisions are values that code compares, never sentences it parses.

The JSON and text outputs keep the strings ("yes", "no", "conditional", "undecided";
"reproduced", "poor", ...) as ``.value``; code compares members (``holds is Holds.YES``).
Neither type has a truth value: ``if result.criterion.holds:`` would be true for a PDE that
fails, so it raises TypeError instead of answering wrongly.
"""

from __future__ import annotations

from enum import Enum


class _NoTruth(Enum):
    def __bool__(self):
        raise TypeError(f"{type(self).__name__} has no truth value; compare it with a member "
                        f"(e.g. `is {type(self).__name__}.{next(iter(type(self))).name}`)")

    def __str__(self) -> str:
        return self.value


class Holds(_NoTruth):
    """A condition over parameter samples or cases: everywhere, nowhere, in part, or not decided."""

    YES = "yes"
    NO = "no"
    CONDITIONAL = "conditional"
    UNDECIDED = "undecided"

    @classmethod
    def tally(cls, values) -> Holds:
        """YES / NO / CONDITIONAL over the decided values (True/False); UNDECIDED when none is decided."""
        decided = [v for v in values if v is not None]
        if not decided:
            return cls.UNDECIDED
        return cls.YES if all(decided) else cls.NO if not any(decided) else cls.CONDITIONAL


class Generative(_NoTruth):
    """The derivation's verdict: C1 and C2 together (GenPhys Sec. 2)."""

    YES = "s-generative"
    CONDITIONAL = "conditionally s-generative"
    NO = "not s-generative"
    UNDECIDED = "undetermined"

    @property
    def may_generate(self) -> bool:
        """Whether some parameter values make the PDE s-generative (a generator is expected to work)."""
        return self in (Generative.YES, Generative.CONDITIONAL)


class GeneratorOutcome(_NoTruth):
    """A generator run scored against held-out data (numeric.metrics.two_sample_test)."""

    REPRODUCED = "reproduced"
    POOR = "poor"
    FAILED = "failed"  # the run itself reported a defect (non-finite particles, collapsed weights)
    REFUSED = "refused"  # the PDE's kernel is not a density, or the run could not be set up
