"""The territories' back office (``/admin/territories``, admins only): import a prefecture or
province from a GIS file through the web, with the same reader and checks as
``flask territory import``.

Upload a file -> choose its columns -> preview (map and table; nothing written) -> confirm,
which starts a ``territory.import`` background job (``roadmap.territory.jobs``, imported here,
so creating the app registers its handler) -> the job's page shows its progress and result.
"""
from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from roadmap.core.admin import add_admin_section
from roadmap.core.htmx import render_page_or_fragment
from roadmap.core.i18n import current_language
from roadmap.core.jobs import job_by_id, start_job
from roadmap.extensions import db, login_manager
from roadmap.territory import census, uploads
from roadmap.territory.forms import REQUIRED, FieldsForm, UploadForm
from roadmap.territory.jobs import KIND, message_from
from roadmap.territory.policies import can_manage_territories
from roadmap.territory.queries import communes_by_code, prefecture_summaries, prefectures_by_code
from roadmap.territory.services import TerritoryImportError, check_communes, source_columns
from roadmap.territory.signals import users_of_prefectures

bp = Blueprint("territory_admin", __name__, url_prefix="/admin/territories")
add_admin_section(bp, "territory_admin.index", _l("Territories"), can_manage_territories)


@bp.before_request
def _admins_only():
    """Anonymous visitors go to the login page; everyone but admins gets 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not can_manage_territories(current_user):
        abort(403)
    return None


@bp.get("")
def index():
    """The imported prefectures and provinces: communes, population, census, consultations."""
    summaries = prefecture_summaries()
    used = users_of_prefectures(summary.prefecture.id for summary in summaries)
    return render_template("territory/admin/index.html", summaries=summaries, used=used)


@bp.route("/upload", methods=["GET", "POST"])
def upload():
    """Upload a GeoJSON, GeoPackage or zipped Shapefile; it is kept until imported."""
    form, problems = UploadForm(), []
    if form.validate_on_submit():
        sent = form.source.data
        if Path(sent.filename or "").suffix.lower() not in uploads.EXTENSIONS:
            form.source.errors.append(_("Send a .geojson, .json, .gpkg or .zip (zipped "
                                        "Shapefile) file."))
        else:
            try:
                token, path = uploads.save_upload(sent.stream, sent.filename)
            except uploads.UploadTooLarge:
                form.source.errors.append(_("The file is larger than %(size)s MB, the limit.",
                                            size=_megabytes()))
            else:
                problems = _readable(path)
                if not problems:
                    db.session.commit()  # the upload, readable by every app server
                    return redirect(url_for(".preview", token=token), code=303)
                uploads.discard(path)
    status = 422 if form.is_submitted() else 200
    return render_template("territory/admin/upload.html", form=form, problems=problems,
                           limit=_megabytes()), status


@bp.get("/uploads/<token>")
def preview(token: str):
    """Choose the file's columns and see the communes it holds (map, table); nothing written."""
    path = _upload_or_404(token)
    submitted = "code" in request.args  # the fields form was sent (not only ?lang=)
    form = FieldsForm(formdata=request.args if submitted else None, meta={"csrf": False})
    return _preview_page(token, path, form, submitted=submitted)


@bp.post("/uploads/<token>/confirm")
def confirm(token: str):
    """Write the previewed communes and their census figures, as a background job."""
    path = _upload_or_404(token)
    form = FieldsForm()
    columns = _columns_or_none(path)
    if columns is None:
        return _preview_page(token, path, form, submitted=True)
    form.set_columns(columns)
    if not form.validate_on_submit():
        return _preview_page(token, path, form, submitted=True)
    payload = {"path": uploads.relative(path), "fields": form.fields(),
               "prefecture_code": form.prefecture_code.data or None, "filename": path.name,
               "by": {"id": current_user.id, "role": current_user.role,
                      "display_name": current_user.display_name}}
    job = start_job(KIND, payload, by=current_user)
    db.session.commit()
    return redirect(url_for(".job", job_id=job.id), code=303)


@bp.get("/jobs/<job_id>")
def job(job_id: str):
    """An import's state and progress (htmx polls the fragment), then its result."""
    found = job_by_id(job_id)
    if found is None or found.kind != KIND:
        abort(404)
    result = found.result or {}
    token = Path((found.payload or {}).get("path", "")).parent.name
    retry = url_for(".preview", token=token) if uploads.upload_path(token) else None
    return render_page_or_fragment(
        "territory/admin/job.html", "territory/admin/_job.html", job=found, result=result,
        retry=retry,
        problems=[message_from(item) for item in result.get("problems", [])],
        warnings=[message_from(item) for item in result.get("warnings", [])],
        prefectures=prefectures_by_code(result.get("prefectures", [])))


# --- Helpers -----------------------------------------------------------------------------------

def _megabytes() -> str:
    return f"{uploads.max_megabytes():g}"


def _upload_or_404(token: str) -> Path:
    path = uploads.upload_path(token)
    if path is None:
        abort(404)
    return path


def _readable(path: Path) -> list:
    """The problems that make ``path`` unreadable as geodata (none: it can be previewed)."""
    if path.stat().st_size == 0:
        return [_("The file is empty.")]
    problems: list = []
    _columns_or_none(path, problems)
    return problems


def _columns_or_none(path: Path, problems: list | None = None) -> list[str] | None:
    try:
        return source_columns(path)
    except TerritoryImportError as error:
        if problems is not None:
            problems.extend(error.messages)
        return None


def _preview_page(token: str, path: Path, form: FieldsForm, *, submitted: bool):
    """The fields form and, once the fields are chosen, the check's problems or its preview."""
    problems, checked = [], None
    columns = _columns_or_none(path, problems)
    if columns is not None:
        form.set_columns(columns)
        ready = form.validate() if submitted else all(form[name].data for name in REQUIRED)
        if ready:
            try:
                checked = check_communes(path, fields=form.fields(),
                                         prefecture_code=form.prefecture_code.data or None)
            except TerritoryImportError as error:
                problems = error.messages
    refused = bool(problems) or (submitted and form.errors)
    context = {"token": token, "filename": path.name, "form": form, "problems": problems,
               "columns": columns or [], "checked": checked}
    if checked is not None:
        context.update(_preview_context(checked))
    return render_template("territory/admin/preview.html", **context), 422 if refused else 200


def _preview_context(checked) -> dict:
    """The table rows and the map's GeoJSON of a checked source."""
    existing = communes_by_code(record.code for record in checked.records)
    rows, features = [], []
    for record in checked.records:
        matched = bool(record.hcp_code) and census.figures(record.hcp_code) is not None
        rows.append({"record": record, "matched": matched, "exists": record.code in existing})
        features.append({"type": "Feature", "geometry": json.loads(record.outline.geojson),
                         "properties": {"code": record.code, "name_ar": record.name_ar,
                                        "name_fr": record.name_fr, "matched": matched}})
    known = prefectures_by_code(checked.prefecture_codes)
    prefectures = [(code, known[code].name if code in known else _prefecture_name(code),
                    code in known) for code in checked.prefecture_codes]
    return {"rows": rows, "prefectures": prefectures,
            "matched": sum(1 for row in rows if row["matched"]),
            "geojson": json.dumps({"type": "FeatureCollection", "features": features},
                                  ensure_ascii=False, separators=(",", ":"))}


def _prefecture_name(code: str) -> str:
    names = census.prefecture_names(code)
    if names is None:
        return code
    return names[1] if current_language() == "ar" else names[0]
