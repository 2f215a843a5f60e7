"""What the detail pane says about the selected row: plain sections of text lines, read in a worker thread.

Each reader is a handful of indexed lookups (a user's events by (community_id, user_id), a post's interactions
by its primary-key prefix), so it stays in milliseconds on a million-row store. Lists are capped: the pane is
a summary, the list screens are where the operator reads everything.

Why the "newest few of one user" reads pick their rows in a subquery first: without table statistics SQLite
prefers an index that yields the ORDER BY (e.g. (community_id, at)) to the selective one ((community_id,
user_id)), and walks the whole community — 0.1–1.5 s per row on a million-row store, on every cursor move.
Selecting the keys through the selective index, then sorting those few rows, is sub-millisecond.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vksync_tui.store.models import database_proxy
from vksync_tui.sync.names import display_name
from vksync_tui.tui.listview.cells import format_time

SHOWN = 8


@dataclass(frozen=True)
class Section:
    title: str
    lines: list[str]


def _rows(sql: str, params: list[object]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in database_proxy.execute_sql(sql, params)]


def _one(sql: str, params: list[object]) -> tuple[Any, ...] | None:
    rows = _rows(sql, params)
    return rows[0] if rows else None


def user_details(group_id: int, user_id: int) -> list[Section]:
    """Profile, membership history, interactions, posts and dialog of one user in one community."""
    return [
        _profile(user_id),
        _membership(group_id, user_id),
        _interactions(group_id, user_id),
        _authored(group_id, user_id),
        *_dialog(group_id, user_id),
    ]


def _profile(user_id: int) -> Section:
    found = _one(
        'SELECT first_name, last_name, domain, city, bdate, last_seen, deactivated, refreshed_at FROM "user" '
        "WHERE id = ?",
        [user_id],
    )
    if found is None:
        return Section(f"id{user_id}", ["no stored profile (sync profiles to fetch it)"])
    first, last, domain, city, bdate, last_seen, deactivated, refreshed = found
    lines = [f"id {user_id}  vk.com/{domain or f'id{user_id}'}"]
    if city or bdate:
        lines.append(" · ".join(part for part in (city, f"born {bdate}" if bdate else None) if part))
    if deactivated:
        lines.append(f"account {deactivated}")
    lines.append(
        f"last seen {format_time(last_seen) or '?'}; profile read {format_time(refreshed) or 'never'}"
    )
    return Section(display_name(first, last), lines)


def _membership(group_id: int, user_id: int) -> Section:
    member = _one(
        "SELECT is_current, first_seen, joined_at, left_at FROM membership "
        "WHERE community_id = ? AND user_id = ?",
        [group_id, user_id],
    )
    if member is None:
        return Section("Membership", ["never a member"])
    is_current, first_seen, joined_at, left_at = member
    lines = [
        f"{'member' if is_current else 'left'}; first seen {format_time(first_seen)}",
        f"joined {format_time(joined_at) or 'before the first sync'}"
        + (f", left {format_time(left_at)}" if left_at else ""),
    ]
    events = _rows(
        "SELECT kind, at FROM membership_event WHERE id IN "
        "(SELECT id FROM membership_event WHERE community_id = ? AND user_id = ?) "
        "ORDER BY at DESC, id DESC LIMIT ?",
        [group_id, user_id, SHOWN],
    )
    lines += [f"  {format_time(at)}  {kind}" for kind, at in events]
    if not events:
        lines.append("  no joins or leaves recorded")
    return Section("Membership history", lines)


def _interactions(group_id: int, user_id: int) -> Section:
    counts = _rows(
        "SELECT kind, COUNT(*) FROM interaction WHERE community_id = ? AND user_id = ? "
        "GROUP BY kind ORDER BY kind",
        [group_id, user_id],
    )
    if not counts:
        return Section("Interactions", ["none stored"])
    lines = ["  ".join(f"{kind}s {n}" for kind, n in counts)]
    recent = _rows(
        "SELECT post_id, kind, date FROM interaction "
        "WHERE (community_id, post_id, kind, user_id, comment_id) IN "
        "(SELECT community_id, post_id, kind, user_id, comment_id FROM interaction "
        "WHERE community_id = ? AND user_id = ?) "
        "ORDER BY COALESCE(date, 0) DESC, post_id DESC LIMIT ?",
        [group_id, user_id, SHOWN],
    )
    lines += [f"  post {post_id:<8} {kind:<8} {format_time(date)}" for post_id, kind, date in recent]
    return Section("Interactions", lines)


def _authored(group_id: int, user_id: int) -> Section:
    posts = _rows(
        "SELECT post_id, date, likes, comments, reposts FROM post WHERE (community_id, post_id) IN "
        "(SELECT community_id, post_id FROM post WHERE community_id = ? AND author_id = ?) "
        "ORDER BY date DESC LIMIT ?",
        [group_id, user_id, SHOWN],
    )
    if not posts:
        return Section("Posts", ["none authored"])
    total = _one("SELECT COUNT(*) FROM post WHERE community_id = ? AND author_id = ?", [group_id, user_id])
    lines = [f"{total[0] if total else len(posts)} authored"]
    lines += [
        f"  post {post_id:<8} {format_time(date)}  likes {likes} comm. {comments} repo. {reposts}"
        for post_id, date, likes, comments, reposts in posts
    ]
    return Section("Posts", lines)


def _dialog(group_id: int, user_id: int) -> list[Section]:
    found = _one(
        "SELECT has_dialog, can_write, can_write_reason, last_message_date, unanswered, important, "
        "first_message_date, first_message_from_id, analysed_at FROM mailing "
        "WHERE community_id = ? AND user_id = ?",
        [group_id, user_id],
    )
    if found is None:
        return []
    has_dialog, can_write, reason, last_date, unanswered, important, first_date, from_id, analysed = found
    write = "unknown" if can_write is None else ("yes" if can_write else f"no (reason {reason})")
    lines = [
        f"dialog {'yes' if has_dialog else 'no'}; can write {write}",
        f"last message {format_time(last_date) or '?'}"
        + ("; unanswered" if unanswered else "")
        + ("; important" if important else ""),
    ]
    if analysed is None:
        lines.append("not analysed yet (run mailing analysis)")
    else:
        initiator = "unknown" if from_id is None else ("the community" if from_id < 0 else "the user")
        lines.append(f"first message {format_time(first_date) or '?'}, started by {initiator}")
    return [Section("Dialog", lines)]


def dialog_details(group_id: int, user_id: int) -> list[Section]:
    """The dialog first (that is what the mailing lists are about), then the user."""
    return [*_dialog(group_id, user_id), _profile(user_id), _membership(group_id, user_id)]


def post_details(group_id: int, post_id: int) -> list[Section]:
    """Counters, author and text of a post, and who liked, commented and reposted it (as stored)."""
    found = _one(
        "SELECT p.date, p.author_id, u.first_name, u.last_name, p.likes, p.comments, p.reposts, p.views, "
        'p.is_pinned, p.text FROM post p LEFT JOIN "user" u ON u.id = p.author_id '
        "WHERE p.community_id = ? AND p.post_id = ?",
        [group_id, post_id],
    )
    if found is None:
        return [Section(f"Post {post_id}", ["no longer stored"])]
    date, author_id, first, last, likes, comments, reposts, views, pinned, text = found
    lines = [
        f"{format_time(date)}{'  (pinned)' if pinned else ''}",
        f"author {display_name(first, last) if author_id else 'the community'}"
        + (f" (id {author_id})" if author_id else ""),
        f"likes {likes}  comments {comments}  reposts {reposts}  views {views}",
        *(text or "").splitlines()[:4],
    ]
    sections = [Section(f"Post {post_id}", lines)]
    for kind in ("like", "comment", "repost"):
        stored = _one(
            "SELECT COUNT(*) FROM interaction WHERE community_id = ? AND post_id = ? AND kind = ?",
            [group_id, post_id, kind],
        )
        people = _rows(
            "SELECT i.user_id, u.first_name, u.last_name FROM interaction i "
            'LEFT JOIN "user" u ON u.id = i.user_id '
            "WHERE i.community_id = ? AND i.post_id = ? AND i.kind = ? ORDER BY i.user_id LIMIT ?",
            [group_id, post_id, kind, SHOWN],
        )
        lines = [f"{stored[0] if stored else 0} stored"]
        lines += [f"  {uid:<11} {display_name(first, last)}" for uid, first, last in people]
        sections.append(Section(f"{kind.capitalize()}s", lines))
    return sections


DETAILS = {"user": user_details, "dialog": dialog_details, "post": post_details}
