"""The verification pages a participant opens (``/verify``): the methods this installation
switched on, and the account's current verification."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from roadmap.verification.policies import enabled_methods
from roadmap.verification.services import active_verification

bp = Blueprint("verification", __name__)


@bp.get("/verify")
@login_required
def start():
    """How to verify one's account here, and whether it is verified already."""
    user = current_user._get_current_object()
    return render_template("verification/start.html", methods=enabled_methods(),
                           verification=active_verification(user))


# The SMS pages register their routes on ``bp`` (their own module, their own tests).
from roadmap.verification import phone_views  # noqa: E402,F401
