"""A character n-gram model with interpolated Kneser-Ney smoothing: the classic baseline of chapter 11.

p(c | h) = max(count(h c) - D, 0) / count(h) + D * N1+(h .) / count(h) * p(c | h'), where h' drops the
oldest character of h; lower orders use continuation counts (in how many contexts a string occurs)
instead of raw counts, and the order-0 model is uniform over the vocabulary plus one unknown symbol.
The discount D of each order is Ney's estimate n1 / (n1 + 2 n2).
"""

import collections
import math


class CharNGram:
    """Fit on a text, then `bits(text)`: the total bits of each character given the ones before it.

    Example:

    ```python
    model = CharNGram(order=3).fit("abracadabra " * 50)
    bits, count = model.bits("abracadabra")
    assert bits / count < 1.0
    ```
    """

    def __init__(self, order=5):
        if order < 1:
            raise ValueError(f"order must be >= 1, got {order}.")
        self.order = order

    def fit(self, text):
        n = self.order
        highest = collections.Counter(text[i - n + 1 : i + 1] for i in range(n - 1, len(text)))
        # counts[k][string of length k + 1]: raw counts for the highest order, continuation counts below.
        self._counts = [collections.Counter() for _ in range(n)]
        self._counts[n - 1] = highest
        for k in range(n - 1, 0, -1):
            for gram in self._counts[k]:
                self._counts[k - 1][gram[1:]] += 1
        self._context_totals, self._context_types = [], []
        for counts in self._counts:
            totals, types = collections.Counter(), collections.Counter()
            for gram, count in counts.items():
                totals[gram[:-1]] += count
                types[gram[:-1]] += 1
            self._context_totals.append(totals)
            self._context_types.append(types)
        self._discounts = []
        for counts in self._counts:
            n1 = sum(1 for c in counts.values() if c == 1)
            n2 = sum(1 for c in counts.values() if c == 2)
            self._discounts.append(n1 / (n1 + 2 * n2) if n1 + n2 else 0.5)
        self._uniform = 1.0 / (len(self._counts[0]) + 1)
        return self

    def probability(self, history, character):
        """p(character | the last order - 1 characters of history)."""
        p = self._uniform
        history = history[max(len(history) - self.order + 1, 0) :] if self.order > 1 else ""
        for k in range(0, self.order):
            if k > len(history):
                break
            context = history[len(history) - k :] if k else ""
            total = self._context_totals[k].get(context, 0)
            if not total:
                continue
            discount = self._discounts[k]
            count = self._counts[k].get(context + character, 0)
            p = max(count - discount, 0.0) / total + discount * self._context_types[k][context] / total * p
        return p

    def bits(self, text):
        """(total bits, characters scored) of text[1:] given what precedes each character in text."""
        keep = self.order - 1
        total = sum(
            -math.log2(self.probability(text[max(i - keep, 0) : i], text[i])) for i in range(1, len(text))
        )
        return total, max(len(text) - 1, 0)
