"""Words of the participation domain in the reader's language: stances, statuses, notifications.

Notifications are stored as a kind and a payload (data), and their message is built here when
it is read, so each person reads it in their own language, even in an email digest.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

STANCE_LABELS = {"for": _l("For"), "against": _l("Against"), "neutral": _l("Neutral")}
STATUS_LABELS = {
    "pending": _l("awaiting moderation"),
    "published": _l("published"),
    "withdrawn": _l("withdrawn by its author"),
    "rejected": _l("rejected"),
}


def stance_label(stance: str) -> str:
    """The name of a stance (for, against, neutral) in the reader's language."""
    return str(STANCE_LABELS.get(stance, stance))


def status_label(status: str | None) -> str:
    """The name of a proposal status in the reader's language."""
    return str(STATUS_LABELS.get(status, status or ""))


def notification_text(notification) -> str:
    """The message of a notification, in the reader's language, from its kind and payload."""
    payload = notification.payload or {}
    title = notification.proposal.title if notification.proposal else _("a proposal")
    if notification.kind == "comment":
        return _("%(author)s commented on “%(title)s”.",
                 author=payload.get("author") or _("Someone"), title=title)
    if notification.kind == "status":
        if payload.get("merged_into"):
            return _("“%(title)s” was merged into “%(target)s”.", title=title,
                     target=payload.get("merged_into_title") or "")
        return _("“%(title)s” is now %(status)s.", title=title,
                 status=status_label(payload.get("new_status")))
    if notification.kind == "roadmap":
        return _("“%(title)s” entered the roadmap.", title=title)
    return title


def notification_url(notification, *, external: bool = False) -> str | None:
    """Where a notification leads: the proposal's page (at the comment, if there is one)."""
    proposal = notification.proposal
    if proposal is None:
        return None
    anchor = f"comment-{notification.comment_id}" if notification.comment_id else None
    return url_for("proposals.show", slug=proposal.consultation.slug, proposal_id=proposal.id,
                   _anchor=anchor, _external=external)


def digest_text(user, notifications) -> tuple[str, str]:
    """The subject and plain-text body of a user's email digest (in the current locale)."""
    count = len(notifications)
    subject = ngettext("%(num)d new notification on the participatory roadmap",
                       "%(num)d new notifications on the participatory roadmap", count)
    lines = [_("Hello %(name)s,", name=user.display_name), "",
             ngettext("Here is what happened on a proposal you follow:",
                      "Here is what happened on the proposals you follow:", count), ""]
    for notification in notifications:
        lines.append(f"- {notification_text(notification)}")
        url = notification_url(notification, external=True)
        if url:
            lines.append(f"  {url}")
    lines += ["", _("Your notifications: %(url)s",
                    url=url_for("participation.notifications", _external=True)),
              _("You receive this message because you follow these proposals.")]
    return subject, "\n".join(lines)
