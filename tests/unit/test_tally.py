"""Counting rules against examples worked out by hand, ties included."""

from __future__ import annotations

from fractions import Fraction

import pytest

from participation.services.tally import (
    Gauge,
    budget_allocation,
    majority_gauge,
    majority_judgment_ranks,
    rank,
    support_ranks,
)

# Grades, best first: Excellent, Très bien, Bien, Assez bien, Passable,
# Insuffisant, À rejeter.
BIEN, ASSEZ_BIEN, A_REJETER = 2, 3, 6


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # 10 ballots: the 6th best grade is "Bien"; 3 better, 4 worse → Bien −40 %.
        ([1, 2, 3, 2, 1, 0, 1], Gauge(BIEN, "-", Fraction(4, 10))),
        # 5 better, 4 worse → Bien +50 %.
        ([3, 2, 1, 2, 2, 0, 0], Gauge(BIEN, "+", Fraction(5, 10))),
        # half "Bien", half "Assez bien": the lower middle grade wins (even count).
        ([0, 0, 5, 5, 0, 0, 0], Gauge(ASSEZ_BIEN, "+", Fraction(5, 10))),
        # 3 ballots: the median is the 2nd; one better, one worse → "-" (p = q).
        ([0, 1, 1, 1, 0, 0, 0], Gauge(BIEN, "-", Fraction(1, 3))),
        # 2 ballots, Excellent and À rejeter: the lower median, À rejeter.
        ([1, 0, 0, 0, 0, 0, 1], Gauge(A_REJETER, "+", Fraction(1, 2))),
        # unanimous: nothing better, nothing worse.
        ([0, 0, 4, 0, 0, 0, 0], Gauge(BIEN, "-", Fraction(0))),
        # no ballot at all.
        ([0] * 7, Gauge(None, "-", Fraction(0))),
    ],
)
def test_majority_grade_is_the_lower_median_and_the_gauge_the_larger_side(
    counts, expected
):
    assert majority_gauge(counts) == expected


def test_majority_judgment_ranks_by_grade_then_gauge_and_shares_exact_ties():
    profiles = {
        "A": [2, 2, 2, 2, 2, 0, 0],  # Bien, p = q = 40 %    → Bien −40 %
        "B": [3, 2, 1, 2, 2, 0, 0],  # Bien, p 50 % > q 40 %  → Bien +50 %
        "C": [0, 0, 5, 5, 0, 0, 0],  # Assez bien +50 %
        "D": [1, 1, 4, 1, 1, 1, 1],  # Bien, p 20 %, q 40 %   → Bien −40 % (= A)
        "E": [0] * 7,  # nobody graded it: last
    }
    assert majority_judgment_ranks(profiles) == {"B": 1, "A": 2, "D": 2, "C": 4, "E": 5}


def test_between_two_minus_gauges_the_smaller_share_of_worse_grades_wins():
    profiles = {
        "I": [0, 2, 4, 3, 1, 0, 0],  # Bien −40 %
        "J": [1, 1, 5, 3, 0, 0, 0],  # Bien −30 %
    }
    assert majority_judgment_ranks(profiles) == {"J": 1, "I": 2}


def test_between_two_plus_gauges_the_larger_share_of_better_grades_wins():
    profiles = {
        "K": [2, 3, 1, 4, 0, 0, 0],  # Bien +50 %
        "L": [6, 0, 1, 3, 0, 0, 0],  # 6 of 10 Excellent → Excellent −40 %
        "M": [1, 2, 4, 3, 0, 0, 0],  # Bien, p 30 % ≤ q 30 % → Bien −30 %
        "N": [3, 3, 2, 2, 0, 0, 0],  # Très bien, p 30 % ≤ q 40 % → Très bien −40 %
    }
    assert majority_gauge(profiles["L"]) == Gauge(0, "-", Fraction(4, 10))
    assert majority_judgment_ranks(profiles) == {"L": 1, "N": 2, "K": 3, "M": 4}


def test_a_plus_gauge_beats_a_minus_gauge_of_the_same_grade():
    assert majority_judgment_ranks(
        {"minus": [0, 0, 6, 0, 4, 0, 0], "plus": [4, 0, 6, 0, 0, 0, 0]}
    ) == {"plus": 1, "minus": 2}


def test_support_ranking_is_a_competition_ranking():
    assert support_ranks({"a": 5, "b": 5, "c": 3, "d": 0}) == {
        "a": 1,
        "b": 1,
        "c": 3,
        "d": 4,
    }
    assert rank({}) == {}


def test_budget_funds_by_support_skipping_what_no_longer_fits():
    """Budget 10 000 €. A (10 supports, 6 000 €) is funded; B and C tie at 8: the
    cheaper C (3 000 €) goes first and is funded (9 000 € spent); B (5 000 €) and
    D (4 000 €) no longer fit; E has no support."""
    supports = {"A": 10, "B": 8, "C": 8, "D": 5, "E": 0}
    costs = {"A": 6000, "B": 5000, "C": 3000, "D": 4000, "E": 1000}
    funded, spent = budget_allocation(
        list(supports), supports.__getitem__, costs.__getitem__, 10_000
    )
    assert funded == {"A", "C"}
    assert spent == 9000


def test_budget_uses_the_remainder_for_a_cheaper_less_supported_proposal():
    supports = {"A": 10, "B": 9, "C": 3}
    costs = {"A": 7000, "B": 4000, "C": 2000}
    funded, spent = budget_allocation(
        list(supports), supports.__getitem__, costs.__getitem__, 10_000
    )
    assert (funded, spent) == ({"A", "C"}, 9000)


def test_budget_ties_on_support_and_cost_follow_the_given_order():
    supports = {"first": 4, "second": 4}
    costs = {"first": 600, "second": 600}
    funded, _ = budget_allocation(
        ["first", "second"], supports.__getitem__, costs.__getitem__, 1000
    )
    assert funded == {"first"}
