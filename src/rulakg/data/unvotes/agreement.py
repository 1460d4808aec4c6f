"""Voting agreement between states, per UN General Assembly session (and per issue), computed at build time.

Definition (Voeten's "agree" index, as in Bailey, Strezhnev & Voeten 2017 and Voeten 2013): over the roll calls of
a session in which both states voted yes, no or abstain (absences and non-membership are left out), a pair scores
1 when the votes are the same, 0.5 when one abstained and the other voted yes or no, and 0 when one voted yes and
the other no; the index is the mean score. Why at build time: Oxigraph needs seconds for such a GROUP BY over a
million votes; stored as observations the answer is a look-up, and a figure researchers can cite.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rulakg.data.unvotes.records import ABSTAIN, NO, YES, RollCall

CAST = (YES, ABSTAIN, NO)


@dataclass(frozen=True)
class Agreement:
    session: int
    state: str
    counterpart: str
    issue: str | None  # None: all roll calls of the session
    score: float  # sum of pair scores
    votes: int  # roll calls both states voted in

    @property
    def index(self) -> str:
        return f"{self.score / self.votes:.6f}"


def pair_score(a: int, b: int) -> float:
    if a == b:
        return 1.0
    return 0.5 if ABSTAIN in (a, b) else 0.0


def agreements(
    votes: dict[int, dict[str, int]],
    calls: dict[int, RollCall],
    counterparts: tuple[str, ...],
    by_issue: set[str],
) -> list[Agreement]:
    """Every state's agreement with whichever of ``counterparts`` voted in each roll call, per session; per issue
    too for the states in ``by_issue``. ``votes``: rcid → state slug → Voeten code."""
    sums: dict[tuple[int, str, str, str | None], list[float]] = defaultdict(lambda: [0.0, 0])
    for rcid, cast in votes.items():
        call = calls[rcid]
        for counterpart in counterparts:
            other = cast.get(counterpart)
            if other not in CAST:
                continue
            for state, vote in cast.items():
                if state == counterpart or vote not in CAST:
                    continue
                score = pair_score(vote, other)
                acc = sums[(call.session, state, counterpart, None)]
                acc[0] += score
                acc[1] += 1
                if state in by_issue:
                    for issue in call.issues:
                        acc = sums[(call.session, state, counterpart, issue)]
                        acc[0] += score
                        acc[1] += 1
    return [Agreement(s, st, c, i, v[0], int(v[1])) for (s, st, c, i), v in sorted(sums.items(), key=_key)]


def _key(item: tuple[tuple[int, str, str, str | None], list[float]]) -> tuple[int, str, str, str]:
    (s, st, c, i), _ = item
    return s, st, c, i or ""
