"""Joins and leaves per day and the member count at the end of each day, for the subscribers history plot.

The count is walked backwards from today's stored member count: the count at the end of day d is the current
count minus the joins after d plus the leaves after d. So the line ends exactly at what the list screen shows,
and days before the first recorded event are simply not drawn (nothing is known about them).
"""

from __future__ import annotations

from dataclasses import dataclass

from vksync_tui.store.models import database_proxy

DAY = 86_400


@dataclass(frozen=True)
class History:
    days: list[int]
    joins: list[int]
    leaves: list[int]
    members: list[int]

    @property
    def empty(self) -> bool:
        return not self.days


def member_history(group_id: int) -> History:
    """One entry per calendar day (UTC) from the first to the last recorded event, gaps filled with zeros."""
    per_day = {
        day: (joins, leaves)
        for day, joins, leaves in database_proxy.execute_sql(
            "SELECT at / ? AS day, SUM(kind = 'join'), SUM(kind = 'leave') FROM membership_event "
            "WHERE community_id = ? GROUP BY day ORDER BY day",
            [DAY, group_id],
        )
    }
    current = database_proxy.execute_sql(
        "SELECT COUNT(*) FROM membership WHERE community_id = ? AND is_current = 1", [group_id]
    ).fetchone()[0]
    if not per_day:
        return History([], [], [], [])
    days = list(range(min(per_day), max(per_day) + 1))
    joins = [per_day.get(day, (0, 0))[0] for day in days]
    leaves = [per_day.get(day, (0, 0))[1] for day in days]
    members = [0] * len(days)
    count = int(current)
    for i in range(len(days) - 1, -1, -1):
        members[i] = count
        count += leaves[i] - joins[i]
    return History([day * DAY for day in days], joins, leaves, members)
