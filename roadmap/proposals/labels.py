"""Names shown for proposal values: sustainable development goals, origins, statuses, sorts."""
from __future__ import annotations

from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l

from roadmap.accounts.forms import STAKEHOLDER_CHOICES

# The 17 Sustainable Development Goals of the United Nations (2030 Agenda), by number.
SDG_NAMES = {
    1: _l("No poverty"),
    2: _l("Zero hunger"),
    3: _l("Good health and well-being"),
    4: _l("Quality education"),
    5: _l("Gender equality"),
    6: _l("Clean water and sanitation"),
    7: _l("Affordable and clean energy"),
    8: _l("Decent work and economic growth"),
    9: _l("Industry, innovation and infrastructure"),
    10: _l("Reduced inequalities"),
    11: _l("Sustainable cities and communities"),
    12: _l("Responsible consumption and production"),
    13: _l("Climate action"),
    14: _l("Life below water"),
    15: _l("Life on land"),
    16: _l("Peace, justice and strong institutions"),
    17: _l("Partnerships for the goals"),
}
ORIGIN_LABELS = {"online": _l("Online"), "workshop": _l("Workshop")}
STATUS_LABELS = {
    "pending": _l("Awaiting moderation"),
    "published": _l("Published"),
    "withdrawn": _l("Withdrawn"),
    "rejected": _l("Rejected"),
}
# Statuses a visitor can list (pending, rejected and hidden proposals are never listed).
LISTED_STATUSES = ("published", "withdrawn")
SORT_LABELS = {
    "random": _l("Random order"),
    "supported": _l("Most supported"),
    "discussed": _l("Most discussed"),
    "newest": _l("Newest"),
}
STAKEHOLDER_LABELS = dict(STAKEHOLDER_CHOICES)


def sdg_name(number: int) -> str:
    """The name of a Sustainable Development Goal in the reader's language."""
    return str(SDG_NAMES.get(int(number), number))


def origin_label(origin: str) -> str:
    """``Online`` or ``Workshop`` in the reader's language."""
    return str(ORIGIN_LABELS.get(origin, origin))


def status_label(status: str) -> str:
    """The name of a proposal status in the reader's language."""
    return str(STATUS_LABELS.get(status, status))


def stakeholder_label(kind: str | None) -> str:
    """The name of a stakeholder type (citizen, association...) in the reader's language."""
    return str(STAKEHOLDER_LABELS.get(kind, kind or ""))


def attribution(proposal) -> str:
    """Who a proposal is shown as coming from: its author, or ``Workshop: <title>, <date>``."""
    if proposal.origin == "workshop" and proposal.workshop is not None:
        return gettext("Workshop: %(title)s, %(date)s", title=proposal.workshop.title,
                       date=format_date(proposal.workshop.held_on, "long"))
    if proposal.origin == "workshop":
        return gettext("A workshop")
    if proposal.author is None:
        return gettext("Former participant")
    return proposal.author.public_name
