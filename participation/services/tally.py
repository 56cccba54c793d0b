"""Counting votes: pure functions over tallies, with no database access.

Majority judgment (Balinski & Laraki, "jugement majoritaire"): each voter grades
every proposal from "Excellent" (0) to "À rejeter" (6). A proposal's majority grade
is its median grade, the lower of the two middle grades when the number of ballots
is even. Proposals with the same majority grade are separated by the majority
gauge: ``p`` is the share of grades strictly better than the majority grade, ``q``
the share strictly worse; the gauge is ``+p`` when ``p > q`` and ``-q`` otherwise.
A ``+`` beats a ``-``; between two ``+`` the larger ``p`` wins; between two ``-``
the smaller ``q`` wins. Proposals whose gauges are equal share their rank.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class Gauge:
    """A proposal's majority grade and majority gauge."""

    grade: int | None  # None: nobody graded it
    sign: str  # "+" or "-"
    share: Fraction  # p for "+", q for "-"

    def sort_key(self) -> tuple:
        """Smaller is better."""
        if self.grade is None:
            return (99, 1, Fraction(1))
        if self.sign == "+":
            return (self.grade, 0, -self.share)
        return (self.grade, 1, self.share)


def majority_gauge(counts: Sequence[int]) -> Gauge:
    """The majority grade and gauge of a profile (counts per grade, best first)."""
    total = sum(counts)
    if total == 0:
        return Gauge(None, "-", Fraction(0))
    needed, running, grade = total // 2 + 1, 0, 0
    while running + counts[grade] < needed:
        running += counts[grade]
        grade += 1
    better = Fraction(sum(counts[:grade]), total)
    worse = Fraction(sum(counts[grade + 1 :]), total)
    if better > worse:
        return Gauge(grade, "+", better)
    return Gauge(grade, "-", worse)


def rank(keys: dict[Key, object]) -> dict[Key, int]:
    """Competition ranking ("1, 1, 3") of items by their sort key, smaller first."""
    ordered = sorted(keys, key=lambda item: keys[item])  # type: ignore[arg-type,return-value]
    ranks: dict[Key, int] = {}
    for position, item in enumerate(ordered, start=1):
        previous = ordered[position - 2] if position > 1 else None
        if previous is not None and keys[previous] == keys[item]:
            ranks[item] = ranks[previous]
        else:
            ranks[item] = position
    return ranks


def majority_judgment_ranks(profiles: dict[Key, Sequence[int]]) -> dict[Key, int]:
    """Rank proposals by majority grade, then majority gauge."""
    return rank({item: majority_gauge(p).sort_key() for item, p in profiles.items()})


def support_ranks(supports: dict[Key, int]) -> dict[Key, int]:
    """Rank by number of supports, most first (approval, single choice, budget)."""
    return rank({item: -count for item, count in supports.items()})


def budget_allocation(
    items: Sequence[Key],
    supports: Callable[[Key], int],
    costs: Callable[[Key], int],
    budget: int,
) -> tuple[set[Key], int]:
    """Fund proposals in order of support while the money lasts.

    Go down the list by support (ties: the cheaper first, then the order given);
    fund each proposal that still fits in what is left, skip those that do not, so
    that a cheaper, less supported proposal can use the remainder. Proposals
    without any support are never funded. Returns the funded set and the amount
    spent.
    """
    order = sorted(
        enumerate(items), key=lambda pair: (-supports(pair[1]), costs(pair[1]), pair[0])
    )
    funded: set[Key] = set()
    spent = 0
    for _, item in order:
        if supports(item) > 0 and spent + costs(item) <= budget:
            funded.add(item)
            spent += costs(item)
    return funded, spent
