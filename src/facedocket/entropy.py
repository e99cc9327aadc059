"""A rough guess of how much a secret could be guessed, to refuse the degenerate ones.

Production refuses a ``SECRET_KEY`` of 32 spaces or ``abab...`` and an audit signing key
of 32 zero bytes: those pass a length check and protect nothing. The estimate is the
Shannon entropy of the symbols times their number, taken over the symbols themselves and
over the steps between neighbours (so ``abcdef...`` and ``0, 1, 2, ...`` count as the
one pattern they are). It is only a floor against mistakes: a generated key
(``secrets.token_urlsafe(32)``, 32 random bytes) scores far above it, and no estimate
can tell a well-chosen key from one an attacker happens to know. zxcvbn-style password
estimators judge human passwords against dictionaries; keys are not words, so this
small measure is what is needed here.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence

# Below this a key is refused: a random 32-character key scores well over 150.
MIN_SECRET_BITS = 96


def estimated_bits(symbols: Sequence[int]) -> float:
    """The lower of the two estimates (symbols, and steps between neighbours)."""
    steps = [(b - a) % 0x110000 for a, b in itertools.pairwise(symbols)]
    return min(_shannon_bits(symbols), _shannon_bits(steps))


def text_bits(text: str) -> float:
    return estimated_bits([ord(char) for char in text])


def _shannon_bits(symbols: Sequence[int]) -> float:
    if not symbols:
        return 0.0
    total = len(symbols)
    per_symbol = -sum(n / total * math.log2(n / total) for n in Counter(symbols).values())
    return per_symbol * total
