"""Export pages: the list of downloads, the downloads at stable URLs, background jobs with a
progress bar (htmx polling), the participation dashboard and the monitoring page.

Download names (``/c/<slug>/exports/<name>.<ext>``): ``consultation.xlsx``, ``tables.zip``
(every table as CSV), ``<table>.csv``, ``<layer>.geojson`` (proposals, communes, roadmap),
``consultation.gpkg``, ``roadmap-ar.pdf`` and ``roadmap-fr.pdf``. A ``-full`` suffix
(``consultation-full.xlsx``, ``proposals-full.csv``...) is the organisers' variant.

The DCAT catalogue of every public dataset: ``/catalog.jsonld`` (JSON-LD) and ``/catalog.ttl``
(Turtle); ``/catalog`` (the catalogue's URI) sends to one or the other by ``Accept``.
"""
from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from roadmap.accounts.forms import AGE_BAND_CHOICES, GENDER_CHOICES, STAKEHOLDER_CHOICES
from roadmap.consultations.queries import consultation_or_404
from roadmap.core.htmx import render_page_or_fragment
from roadmap.core.i18n import current_language
from roadmap.core.jobs import job_status
from roadmap.exports import catalog as dcat_catalog
from roadmap.exports import geo, monitoring, queries, services, tables
from roadmap.exports.policies import can_export_full, can_see_exact_figures
from roadmap.extensions import db

bp = Blueprint("exports", __name__)
PUBLIC_MAX_AGE = 300


@bp.app_context_processor
def _template_helpers() -> dict:
    """``can_export_full`` for every template (e.g. a link on the roadmap page)."""
    return {"can_export_full": can_export_full}


def _parse(name: str, ext: str) -> tuple[str, dict]:
    """The format and build arguments of a download name; 404 for an unknown one."""
    variant = "full" if name.endswith("-full") else "public"
    base = name.removesuffix("-full")
    if ext == "xlsx" and base == "consultation":
        return "xlsx", {"variant": variant}
    if ext == "zip" and base == "tables":
        return "csv", {"variant": variant}
    if ext == "csv" and base in tables.table_names(variant):
        return "csv", {"variant": variant, "part": base}
    if ext == "geojson" and base in geo.LAYERS and variant == "public":
        return "geojson", {"part": base}
    if ext == "gpkg" and base == "consultation" and variant == "public":
        return "gpkg", {}
    if ext == "pdf" and base in ("roadmap-ar", "roadmap-fr") and variant == "public":
        return "pdf", {"language": base[-2:]}
    abort(404)


@bp.get("/c/<slug>/exports")
def index(slug: str):
    """Links to every public download, and to the organisers' ones when allowed."""
    consultation = consultation_or_404(slug)
    return render_template("exports/index.html", consultation=consultation,
                           public_tables=tables.table_names("public"),
                           full_tables=tables.table_names("full"), layers=geo.LAYERS,
                           full=can_export_full(current_user, consultation),
                           formats=services.FORMATS, languages=services.LANGUAGES,
                           licence=dcat_catalog.licence_of(consultation))


@bp.get("/catalog")
def catalog():
    """The catalogue's URI: 303 to the Turtle document if the client prefers it, else JSON-LD."""
    best = request.accept_mimetypes.best_match([dcat_catalog.JSONLD, dcat_catalog.TURTLE],
                                               default=dcat_catalog.JSONLD)
    endpoint = "exports.catalog_ttl" if best == dcat_catalog.TURTLE else "exports.catalog_jsonld"
    return redirect(url_for(endpoint), code=303)


def _catalog_response(mimetype: str):
    built = dcat_catalog.build_catalog()
    body = dcat_catalog.serialise(built.graph, mimetype)
    response = Response(body, mimetype=mimetype)
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    if built.modified is not None:
        response.last_modified = built.modified
    response.cache_control.public = True
    response.cache_control.max_age = PUBLIC_MAX_AGE
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)


@bp.get("/catalog.jsonld")
def catalog_jsonld():
    """The DCAT catalogue of the public consultations' datasets, as JSON-LD."""
    return _catalog_response(dcat_catalog.JSONLD)


@bp.get("/catalog.ttl")
def catalog_ttl():
    """The same DCAT catalogue, as Turtle."""
    return _catalog_response(dcat_catalog.TURTLE)


@bp.get("/c/<slug>/exports/<name>.<ext>")
def download(slug: str, name: str, ext: str):
    """One export file; public variants are cacheable, organisers' ones are private."""
    consultation = consultation_or_404(slug)
    fmt, arguments = _parse(name, ext)
    full = arguments.get("variant") == "full"
    if full and not can_export_full(current_user, consultation):
        abort(403)
    try:
        built = services.build_export(consultation, fmt, **arguments)
    except services.ExportError:
        abort(404)
    response = Response(built.body, mimetype=built.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{built.filename}"'
    response.headers["Cache-Control"] = ("private, no-store" if full or consultation.is_draft
                                         else f"public, max-age={PUBLIC_MAX_AGE}")
    return response


@bp.post("/c/<slug>/exports/jobs")
def start(slug: str):
    """Start building an export in the background, then show its progress."""
    consultation = consultation_or_404(slug)
    if not can_export_full(current_user, consultation):
        abort(403)
    fmt = request.form.get("format", "")
    variant = request.form.get("variant", "full")
    language = request.form.get("language", current_language() if current_language() in
                                services.LANGUAGES else "ar")
    try:
        job = services.start_export(consultation, fmt, variant, language, by=current_user)
    except KeyError:
        abort(400)
    db.session.commit()  # the job is queued once its row is committed
    return redirect(url_for("exports.job", slug=slug, job_id=job.id), code=303)


def _job_or_404(slug: str, job_id: str) -> tuple:
    consultation = consultation_or_404(slug)
    if not can_export_full(current_user, consultation):
        abort(403)
    job = services.export_job(consultation, job_id)
    if job is None:
        abort(404)
    return consultation, job


@bp.get("/c/<slug>/exports/jobs/<job_id>")
def job(slug: str, job_id: str):
    """A job's progress: the page, or (htmx, polled every second) the progress fragment."""
    consultation, job = _job_or_404(slug, job_id)
    response = render_page_or_fragment("exports/job.html", "exports/_job.html",
                                       consultation=consultation, job=job,
                                       shown=job_status(job))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/c/<slug>/exports/jobs/<job_id>/file")
def job_file(slug: str, job_id: str):
    """The file a finished job built (kept in the database: any app server sends it)."""
    _consultation, job = _job_or_404(slug, job_id)
    stored = services.export_file(job)
    if stored is None:
        abort(404)
    response = Response(stored.data, mimetype=stored.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{stored.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/c/<slug>/dashboard")
def dashboard(slug: str):
    """Participation dashboard: figures and charts, small cells suppressed for the public."""
    consultation = consultation_or_404(slug)
    exact = can_see_exact_figures(current_user, consultation)
    figures = queries.dashboard_figures(consultation, exact=exact, language=current_language())
    labels = {**dict(STAKEHOLDER_CHOICES), **dict(GENDER_CHOICES[1:]),
              **dict(AGE_BAND_CHOICES[1:]), "not_declared": _("Not declared"),
              "online": _("Online"), "workshops": _("Workshops"), "workshop": _("Workshop")}
    gender = (monitoring.participation_by_sex(consultation, exact=True,
                                              language=current_language(),
                                              measures=monitoring.FLAGGING_MEASURES)
              if exact else None)
    return render_template("exports/dashboard.html", consultation=consultation,
                           figures=figures, labels=labels, gender=gender,
                           measure_labels=monitoring.MEASURE_LABELS,
                           progress=queries.roadmap_progress(consultation))


@bp.get("/c/<slug>/monitoring", endpoint="monitoring")
def monitoring_page(slug: str):
    """Monitoring: participation by sex against the census, per commune (small cells
    suppressed for the public; organisers see exact figures and the flagged communes)."""
    consultation = consultation_or_404(slug)
    exact = can_see_exact_figures(current_user, consultation)
    figures = monitoring.monitoring_figures(consultation, exact=exact,
                                            language=current_language())
    return render_template("exports/monitoring.html", consultation=consultation,
                           figures=figures, exact=exact, monitoring_sections=monitoring.SECTIONS,
                           measure_labels=monitoring.MEASURE_LABELS,
                           sex_labels=monitoring.SEX_LABELS)
