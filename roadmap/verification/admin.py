"""The verification back office (``/admin/verification``, organisers and admins): residents'
lists and code batches.

A residents' list is checked and stored in one request: the organiser sends the file with
"store" unchecked to see every problem (nothing is written), then sends it again with "store"
checked. The file lives only in the memory of the request that reads it: it is never written
to the database, to disk or to the session (it holds plain CNIE numbers), and only the keyed
hashes of a list without problems are stored.

A code batch's slips are a PDF that a background job prints (:mod:`roadmap.verification.jobs`),
downloaded from the batch's row; revoking the batch deletes it.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import (Blueprint, Response, abort, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from roadmap.consultations.models import Consultation
from roadmap.consultations.queries import every_consultation
from roadmap.core.admin import add_admin_section
from roadmap.core.jobs import job_status
from roadmap.extensions import db, login_manager
from roadmap.territory.models import Commune
from roadmap.verification import codes, residents
from roadmap.verification.forms import BatchForm, ResidentListForm
from roadmap.verification.jobs import slips_file, slips_job, start_slips
from roadmap.verification.models import CodeBatch, ResidentList
from roadmap.verification.policies import can_manage_verification, enabled_methods
from roadmap.verification.services import VerificationError

bp = Blueprint("verification_admin", __name__, url_prefix="/admin/verification")
add_admin_section(bp, "verification_admin.index", _l("Verification"), can_manage_verification)


@bp.before_request
def _organisers_only():
    """Anonymous visitors go to the login page; everyone but organisers and admins gets 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not can_manage_verification(current_user):
        abort(403)
    return None


@bp.get("")
def index():
    """The methods switched on, the residents' lists and the code batches per consultation."""
    lists = [(item, *residents.list_counts(item)) for item in residents.all_lists()]
    by_consultation = {}
    for batch in db.session.scalars(select(CodeBatch).order_by(CodeBatch.consultation_id,
                                                               CodeBatch.id.desc())):
        by_consultation.setdefault(batch.consultation, []).append(_batch_row(batch))
    return render_template("verification/admin/index.html", methods=enabled_methods(),
                           lists=lists, batches=list(by_consultation.items()))


@bp.route("/lists/upload", methods=["GET", "POST"])
def upload_list():
    """Check a residents' list (every problem per line, nothing written); store it when asked."""
    form = ResidentListForm()
    form.replacing.choices = [(0, _("A new list"))] + [
        (item.id, _("Replace: %(label)s", label=item.label)) for item in residents.all_lists()]
    if request.method == "GET":
        form.replacing.data = request.args.get("replace", 0, type=int)
    checked, error = None, None
    if form.validate_on_submit():
        sent = form.file.data
        try:
            rows = residents.read_resident_rows(sent.filename or "", sent.read())
        except residents.ResidentListError as refused:
            error = str(refused)
        else:
            checked = residents.check_rows(rows)
            if not checked:
                error = _("The file is empty.")
            elif form.store.data and not residents.problems_of(checked):
                replacing = db.session.get(ResidentList, form.replacing.data or 0)
                stored = residents.store_list(checked, label=form.label.data,
                                              filename=sent.filename, by=current_user,
                                              replacing=replacing)
                db.session.commit()
                flash(_("The list %(label)s is stored: %(count)d residents.",
                        label=stored.label, count=stored.entries_count), "success")
                return redirect(url_for(".index"), code=303)
    problems = residents.problems_of(checked) if checked else []
    status = 422 if form.is_submitted() and (error or problems or form.errors) else 200
    return render_template("verification/admin/upload.html", form=form, error=error,
                           checked=checked, problems=problems,
                           communes=_commune_counts(checked or [])), status


@bp.route("/batches/new", methods=["GET", "POST"])
def new_batch():
    """Generate a batch of codes; a background job prints their slips."""
    form = BatchForm()
    consultations = every_consultation()
    form.consultation.choices = [(c.id, c.title) for c in consultations]
    form.commune.choices = [(0, _("Any commune"))] + [
        (c.id, c.name) for c in db.session.scalars(select(Commune).order_by(Commune.code))]
    if request.method == "GET" and request.args.get("consultation", type=int):
        form.consultation.data = request.args.get("consultation", type=int)
    if form.validate_on_submit():
        consultation = db.session.get(Consultation, form.consultation.data)
        commune = db.session.get(Commune, form.commune.data) if form.commune.data else None
        expires_at = codes.end_of_day(form.expires_on.data) if form.expires_on.data else None
        try:
            batch, plain = codes.create_batch(consultation, form.count.data, commune=commune,
                                              expires_at=expires_at, label=form.label.data,
                                              by=current_user)
        except VerificationError as refused:
            form.form_errors.append(str(refused))
        else:
            start_slips(batch, plain, by=current_user)
            db.session.commit()
            flash(_("%(count)d codes generated: their slips are being printed; download them "
                    "from the batch's row.", count=batch.size), "success")
            return redirect(url_for(".index", _anchor=f"batch-{batch.id}"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("verification/admin/new_batch.html", form=form), status


@bp.post("/batches/<int:batch_id>/revoke")
def revoke_batch(batch_id: int):
    """Withdraw a batch's unused codes and delete its slips."""
    batch = db.session.get(CodeBatch, batch_id) or abort(404)
    codes.revoke_batch(batch, by=current_user)
    db.session.commit()
    flash(_("The batch is revoked: its unused codes no longer verify anyone."), "success")
    return redirect(url_for(".index", _anchor=f"batch-{batch.id}"), code=303)


@bp.get("/batches/<int:batch_id>/slips.pdf")
def slips(batch_id: int):
    """The PDF of a batch's slips (the only place the plain codes are)."""
    batch = db.session.get(CodeBatch, batch_id) or abort(404)
    stored = slips_file(batch)
    if stored is None:
        abort(404)
    response = Response(stored.data, mimetype=stored.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{stored.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- Helpers -----------------------------------------------------------------------------------

def _batch_row(batch: CodeBatch) -> dict:
    """What a batch's row shows: counts, state, and whether its slips can be downloaded."""
    size, used = codes.batch_counts(batch)
    job = slips_job(batch)
    if batch.revoked_at is not None:
        state = "revoked"
    elif batch.expires_at is not None and batch.expires_at <= datetime.now(timezone.utc):
        state = "expired"
    else:
        state = "active"
    return {"batch": batch, "size": size, "used": used, "state": state,
            "printing": job_status(job) if job else None,
            "downloadable": slips_file(batch) is not None}


def _commune_counts(checked) -> list[tuple]:
    """(commune, residents) of the rows without problems, for the preview."""
    counts = {}
    for row in checked:
        if not row.problems:
            counts[row.commune] = counts.get(row.commune, 0) + 1
    return sorted(counts.items(), key=lambda item: item[0].code)
