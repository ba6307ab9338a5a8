"""Regular expressions as automata: is a pattern's answer the same for every number of a block?

The sandbox inventory (``sandbox_inventory``) lays numbers out in blocks, a prefix followed by free
digits, and uses a block only when every ``phonenumbers`` pattern that matters answers the same for all of
its numbers. ``dfa(pattern)`` runs a pattern as a lazily built DFA over digits and says, from a state,
whether some continuation of m digits is accepted, rejected, or both. It understands the regex subset
the ``phonenumbers`` metadata uses, no more.
"""

from __future__ import annotations

import functools

_ALL_DIGITS = 0x3FF


class _Parser:
    """The regex subset phonenumbers' metadata uses: digits, classes, \\d, (?:...), |, ?, *, +, {n,m}."""

    def __init__(self, text: str):
        self.text = text
        self.i = 0

    def parse(self):
        node = self._alternation()
        if self.i != len(self.text):
            raise ValueError(f"unexpected {self.text[self.i]!r} in pattern {self.text!r}")
        return node

    def _peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def _alternation(self):
        branches = [self._sequence()]
        while self._peek() == "|":
            self.i += 1
            branches.append(self._sequence())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def _sequence(self):
        items = []
        while self._peek() not in ("", "|", ")"):
            items.append(self._repeat())
        return ("seq", items)

    def _repeat(self):
        node = self._atom()
        while True:
            c = self._peek()
            if c == "?":
                self.i += 1
                node = ("rep", node, 0, 1)
            elif c == "*":
                self.i += 1
                node = ("rep", node, 0, None)
            elif c == "+":
                self.i += 1
                node = ("rep", node, 1, None)
            elif c == "{":
                end = self.text.index("}", self.i)
                low, comma, high = self.text[self.i + 1 : end].partition(",")
                self.i = end + 1
                node = ("rep", node, int(low), (int(high) if high else None) if comma else int(low))
            else:
                return node

    def _atom(self):
        c = self._peek()
        if c == "(":
            self.i += 1
            if self.text.startswith("?:", self.i):
                self.i += 2
            node = self._alternation()
            if self._peek() != ")":
                raise ValueError(f"unbalanced pattern {self.text!r}")
            self.i += 1
            return node
        if c == "[":
            self.i += 1
            negate = self._peek() == "^"
            if negate:
                self.i += 1
            mask = 0
            while self._peek() != "]":
                if self.text.startswith("\\d", self.i):
                    mask |= _ALL_DIGITS
                    self.i += 2
                    continue
                low = self.text[self.i]
                if self.text[self.i + 1] == "-" and self.text[self.i + 2] != "]":
                    high = self.text[self.i + 2]
                    self.i += 3
                else:
                    high = low
                    self.i += 1
                for code in range(ord(low), ord(high) + 1):
                    if 48 <= code <= 57:
                        mask |= 1 << (code - 48)
            self.i += 1
            return ("set", mask ^ _ALL_DIGITS if negate else mask)
        if c == "\\":
            escaped = self.text[self.i + 1]
            self.i += 2
            if escaped == "d":
                return ("set", _ALL_DIGITS)
            return ("set", 1 << int(escaped) if escaped.isdigit() else 0)
        if c == ".":
            self.i += 1
            return ("set", _ALL_DIGITS)
        if c in ("", "|", ")", "?", "*", "+", "{"):
            raise ValueError(f"unsupported pattern {self.text!r}")
        self.i += 1
        return ("set", 1 << int(c) if c.isdigit() else 0)  # other literals never match a digit


class _Nfa:
    def __init__(self, pattern: str):
        self.eps: list[list[int]] = []
        self.edges: list[list[tuple[int, int]]] = []
        self.start, self.accept = self._build(_Parser(pattern).parse())

    def _state(self) -> int:
        self.eps.append([])
        self.edges.append([])
        return len(self.eps) - 1

    def _build(self, node) -> tuple[int, int]:
        kind = node[0]
        if kind == "set":
            start, end = self._state(), self._state()
            self.edges[start].append((node[1], end))
            return start, end
        if kind == "seq":
            start = end = self._state()
            for child in node[1]:
                child_start, child_end = self._build(child)
                self.eps[end].append(child_start)
                end = child_end
            return start, end
        if kind == "alt":
            start, end = self._state(), self._state()
            for child in node[1]:
                child_start, child_end = self._build(child)
                self.eps[start].append(child_start)
                self.eps[child_end].append(end)
            return start, end
        _, child, low, high = node
        start = end = self._state()
        for _ in range(low):
            child_start, child_end = self._build(child)
            self.eps[end].append(child_start)
            end = child_end
        if high is None:
            child_start, child_end = self._build(child)
            after = self._state()
            self.eps[end] += [child_start, after]
            self.eps[child_end] += [child_start, after]
            end = after
        else:
            for _ in range(high - low):
                child_start, child_end = self._build(child)
                after = self._state()
                self.eps[end] += [child_start, after]
                self.eps[child_end].append(after)
                end = after
        return start, end

    def closure(self, states) -> frozenset[int]:
        seen = set(states)
        stack = list(states)
        while stack:
            for nxt in self.eps[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return frozenset(seen)


_MATCHED = frozenset({-1})


class Dfa:
    """A lazily built DFA for one pattern. ``prefix`` mode answers ``re.match`` (a match at the start);
    otherwise ``re.fullmatch``. ``outcomes(state, m)``: 1 if some m-digit continuation is rejected, 2 if
    some is accepted, 3 if both."""

    def __init__(self, pattern: str, prefix: bool):
        self.nfa = _Nfa(pattern)
        self.prefix = prefix
        self.sets: list[frozenset[int]] = []
        self.ids: dict[frozenset[int], int] = {}
        self.accepting: list[bool] = []
        self.trans: dict[int, int] = {}
        self.memo: dict[tuple[int, int], int] = {}
        self.start = self._id(self.nfa.closure({self.nfa.start}))

    def _id(self, states: frozenset[int]) -> int:
        if self.prefix and self.nfa.accept in states:
            states = _MATCHED
        sid = self.ids.get(states)
        if sid is None:
            sid = self.ids[states] = len(self.sets)
            self.sets.append(states)
            self.accepting.append(states is _MATCHED or self.nfa.accept in states)
        return sid

    def step(self, sid: int, digit: int) -> int:
        key = sid * 10 + digit
        nxt = self.trans.get(key)
        if nxt is None:
            states = self.sets[sid]
            if states is _MATCHED:
                nxt = sid
            else:
                edges = self.nfa.edges
                targets = {t for s in states for mask, t in edges[s] if mask >> digit & 1}
                nxt = self._id(self.nfa.closure(targets))
            self.trans[key] = nxt
        return nxt

    def outcomes(self, sid: int, m: int) -> int:
        key = (sid, m)
        result = self.memo.get(key)
        if result is None:
            states = self.sets[sid]
            if states is _MATCHED:
                result = 2
            elif m == 0:
                result = 2 if self.accepting[sid] else 1
            elif not states:
                result = 1
            else:
                result = 0
                for digit in range(10):
                    result |= self.outcomes(self.step(sid, digit), m - 1)
                    if result == 3:
                        break
            self.memo[key] = result
        return result


@functools.cache
def dfa(pattern: str, prefix: bool = False) -> Dfa:
    return Dfa(pattern, prefix)
