"""How a person is named on every screen and in the CLI, including one whose profile was never fetched.

A user is often stored before their profile is (a subscriber's id comes from the member list, an author's from
a post): until a profiles sync reads them they have no name. Every face says so the same way, `NO_PROFILE`,
rather than a blank cell in one place and another phrase in the next.
"""

from __future__ import annotations

NO_PROFILE = "(no profile yet)"


def display_name(first_name: str | None, last_name: str | None) -> str:
    """`Anna Orlova`, or `NO_PROFILE` when the store has no name for the user."""
    return " ".join(part for part in (first_name, last_name) if part) or NO_PROFILE
