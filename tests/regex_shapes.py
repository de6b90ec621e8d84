"""Counting the shape of catastrophic backtracking in a regular expression, for the ReDoS tests of the
privacy guard and the risk finder (counted on the parsed pattern, so the tests do not depend on timing)."""

from __future__ import annotations

from re import _constants as sre_constants
from re import _parser as sre_parser


def nested_unbounded_repeats(pattern: str, flags: int) -> int:
    """How many repeats without an upper bound (that can give back what they took) sit inside a repeat
    that may run more than once: the shape of catastrophic backtracking, counted on the parsed regex."""
    count = 0

    def walk(items, inside: bool) -> None:
        nonlocal count
        for op, av in items:
            if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
                _low, high, sub = av
                count += inside and high == sre_constants.MAXREPEAT
                walk(sub, inside or high > 1)
            elif op is sre_constants.POSSESSIVE_REPEAT:
                walk(av[2], inside or av[1] > 1)
            elif op is sre_constants.SUBPATTERN:
                walk(av[-1], inside)
            elif op is sre_constants.BRANCH:
                for branch in av[1]:
                    walk(branch, inside)
            elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
                walk(av[1], inside)
            elif op is sre_constants.ATOMIC_GROUP:
                walk(av, inside)

    walk(sre_parser.parse(pattern, flags), False)
    return count
