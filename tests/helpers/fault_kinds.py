"""The fault kinds of the matrix: each an emulator fault spec (`emulator/faults.py` keys) and its tuning.

A small world needs only a handful of requests per list (execute packs 25 calls), so a low fault rate could
miss a list entirely and the case would prove nothing. The emulator's draws are seeded (fault seed 0) and
one draw is made per arriving request, whatever the thread: with `REQUEST_RATE` = 0.35 the draws fire on
requests 1, 2, 6 and 9 of every faulted run (rolls 0.280, 0.284, 0.638, 0.740, 0.792, 0.300, …), so every
list meets its fault at once and again later. `INNER_RATE` = 0.2 fails inner calls 2, 6, 11 and 12 of the
inner stream. The matrix still asserts that the fault showed up in the error counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from tests.helpers.emulator_home import EmulatorHome
from tests.helpers.list_checks import ListCheck
from tests.helpers.list_runs import FAST_TUNING
from vksync_tui.config import Tuning

REQUEST_RATE = 0.35
INNER_RATE = 0.2
# A held-back answer outlives the client's timeout, but neither costs more than about a second.
TIMEOUT_TUNING = replace(FAST_TUNING, request_timeout=1.0)
TIMEOUT_DELAY = 1.5
REVOKE_AFTER = 1  # requests a token still gets before the emulator revokes it mid-run

SpecFor = Callable[[EmulatorHome, ListCheck], str]


def _labels_of_kind(setup: EmulatorHome, kind: str) -> list[str]:
    return [token.label for token in setup.config.tokens if token.kind == kind]


def revoked_label(setup: EmulatorHome, check: ListCheck) -> str:
    """The token `token_revoked_mid_run` kills: the first of the kind the list works with."""
    return _labels_of_kind(setup, check.token_kind)[0]


def _revoke_one(setup: EmulatorHome, check: ListCheck) -> str:
    return f"revoke={revoked_label(setup, check)}@{REVOKE_AFTER}"


def _token_ends(key: str) -> SpecFor:
    """One token of the kind the list works with answers `key`'s error (1117, 3610) from its 2nd request."""
    return lambda setup, check: f"{key}={revoked_label(setup, check)}@{REVOKE_AFTER}"


def _quota_spent(setup: EmulatorHome, check: ListCheck) -> str:
    """The same token's daily quota of the list's main method is spent after its first call of it."""
    return f"quota={revoked_label(setup, check)}:{check.quota_method}@{REVOKE_AFTER}"


def _kind_dead(setup: EmulatorHome, check: ListCheck) -> str:
    """Every token of the kind the list works with is dead from its first request."""
    return ",".join(f"revoke={label}@0" for label in _labels_of_kind(setup, check.token_kind))


def _fixed(spec: str) -> SpecFor:
    return lambda setup, check: spec


def _per_request(key: str, extra: str = "") -> SpecFor:
    return _fixed(f"{key}={REQUEST_RATE}{extra}")


@dataclass(frozen=True)
class FaultKind:
    name: str
    spec: SpecFor
    evidence: tuple[str, ...]  # error-count keys (client summary or emulator stats); one must show up
    tuning: Tuning = field(default_factory=lambda: FAST_TUNING)


TRANSIENT = ("transient",)
# Kinds that stop one token after `REVOKE_AFTER` requests (calls of its method, for a quota): a list
# that used the token no more than that never met them.
QUOTA_KIND = "method_quota_spent_mid_run"
TOKEN_ENDING_KINDS = frozenset({"token_revoked_mid_run", "token_expired_mid_run",
                                "token_owner_deactivated_mid_run", QUOTA_KIND})
FAULT_KINDS: dict[str, FaultKind] = {
    kind.name: kind
    for kind in (
        FaultKind("error6", _per_request("error6"), ("6",)),
        FaultKind("error9", _per_request("error9"), ("9",)),
        FaultKind("error10", _per_request("error10"), ("10",)),
        FaultKind("error29", _per_request("error29"), ("29",)),
        FaultKind("error36", _per_request("error36"), ("36",)),
        FaultKind("error43", _per_request("error43"), ("43",)),
        FaultKind("captcha14", _per_request("captcha"), ("14",)),
        FaultKind("http500", _per_request("http500"), TRANSIENT),
        FaultKind("timeout", _per_request("timeout", f",timeout_delay={TIMEOUT_DELAY}"), TRANSIENT,
                  TIMEOUT_TUNING),
        FaultKind("reset", _per_request("reset"), TRANSIENT),
        FaultKind("truncated_json", _per_request("truncate"), TRANSIENT),
        FaultKind("empty_body", _per_request("empty"), TRANSIENT),
        FaultKind("inner_false", _fixed(f"inner_false={INNER_RATE}"), ("10",)),
        FaultKind("token_revoked_mid_run", _revoke_one, ("5",)),
        FaultKind("token_expired_mid_run", _token_ends("expire"), ("1117",)),
        FaultKind("token_owner_deactivated_mid_run", _token_ends("deactivate"), ("3610",)),
        FaultKind(QUOTA_KIND, _quota_spent, ("29",)),
        FaultKind("all_tokens_of_kind_dead", _kind_dead, ("5",)),
    )
}
