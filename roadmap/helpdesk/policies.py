"""Who may work at the help desk: ``can_use_helpdesk(user)``.

Help-desk officers (role ``helpdesk``), moderators, organisers and admins open a managed
participation for a resident who is present at the commune office, and enter that resident's
proposals and supports on their behalf.
"""
from __future__ import annotations

HELPDESK_ROLES = ("helpdesk", "moderator", "organiser")  # admins hold every role


def can_use_helpdesk(user) -> bool:
    """True if ``user`` may open ``/helpdesk`` and act there for a resident who is present."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and getattr(user, "active", False) and user.has_role(*HELPDESK_ROLES))


TEMPLATE_POLICIES = {"can_use_helpdesk": can_use_helpdesk}
