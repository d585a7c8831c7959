"""The home page: the consultations on the platform."""
from flask import Blueprint, render_template

from roadmap.consultations import templating
from roadmap.consultations.queries import all_consultations

bp = Blueprint("consultations", __name__)
templating.register(bp)


@bp.get("/")
def home():
    """List the consultations."""
    return render_template("consultations/home.html", consultations=all_consultations())
