"""The open-data catalogue (DCAT-AP 3, harvestable by CKAN's DCAT harvester) as an rdflib graph,
served as JSON-LD at ``/catalog.jsonld`` and Turtle at ``/catalog.ttl`` (both documents describe
the same graph).

Shape::

    dcat:Catalog ──dcat:dataset──▶ dcat:Dataset ──dcat:distribution──▶ dcat:Distribution
         │                              │                                   │
         dct:publisher (foaf:Agent)     dct:publisher, dct:spatial          dcat:accessURL,
                                        (dct:Location, dcat:bbox),          dcat:downloadURL,
                                        dct:temporal (dct:PeriodOfTime),    dct:format,
                                        dcat:contactPoint (vcard)           dcat:mediaType,
                                                                            dct:license
                                                                            (dct:LicenseDocument)

Each public consultation (published or archived; a draft is absent) gives the datasets
``proposals``, ``supports`` (per proposal and commune), ``comments``, ``communes`` (boundaries
and census figures) and, once published, ``roadmap`` (with its progress). Titles and
descriptions are literals tagged ``@ar``, ``@fr`` and ``@en``; they are kept here, per language,
rather than in the gettext catalogues, so that every document carries the three whatever the
reader's language.

Licences: the communes' boundaries are derived from OpenStreetMap (ODbL 1.0); the census
figures are the HCP's (a rights statement says so); the contributions (proposals, supports,
comments, the roadmap) are under the licence the organisers chose
(:attr:`~roadmap.consultations.models.Consultation.data_licence`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask import current_app, url_for
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD
from sqlalchemy import func, select

from roadmap.consultations.models import DATA_LICENCES, Consultation
from roadmap.consultations.queries import public_consultations
from roadmap.extensions import db
from roadmap.participation.models import Comment, Vote
from roadmap.proposals.models import Proposal
from roadmap.roadmaps.models import ProgressUpdate, Roadmap, RoadmapItem, RoadmapVersion
from roadmap.roadmaps.queries import prefecture_bbox
from roadmap.territory.models import Commune

LANGUAGES = ("ar", "fr", "en")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
LANGUAGE_URIS = {"ar": EU + "language/ARA", "fr": EU + "language/FRA", "en": EU + "language/ENG"}
THEMES = {"proposals": ("GOVE", "SOCI"), "supports": ("GOVE",), "comments": ("GOVE", "SOCI"),
          "communes": ("REGI", "SOCI"), "roadmap": ("GOVE", "REGI", "ECON")}
ODBL = "ODbL-1.0"
JSONLD = "application/ld+json"
TURTLE = "text/turtle"

# Formats: EU file-type authority code and IANA media type.
FORMATS = {"csv": ("CSV", "text/csv"),
           "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
           "geojson": ("GEOJSON", "application/geo+json"),
           "gpkg": ("GPKG", "application/geopackage+sqlite3"),
           "pdf": ("PDF", "application/pdf"), "json": ("JSON", "application/json")}

CATALOG_TEXTS = {
    "title": {"ar": "بيانات مفتوحة لخرائط الطريق التشاركية",
              "fr": "Données ouvertes des feuilles de route participatives",
              "en": "Open data of the participatory roadmaps"},
    "description": {
        "ar": "المعطيات العمومية للاستشارات التشاركية للعمالات والأقاليم: المقترحات، الدعم، "
              "التعليقات، الجماعات ومعطيات الإحصاء العام، خارطة الطريق وتتبع إنجازها.",
        "fr": "Les données publiques des consultations participatives des préfectures et "
              "provinces : propositions, soutiens, commentaires, communes et chiffres du "
              "recensement, feuille de route et suivi de sa mise en œuvre.",
        "en": "The public data of the prefectures' and provinces' participatory consultations: "
              "proposals, supports, comments, communes and census figures, the roadmap and the "
              "tracking of its implementation."},
    "publisher": {"ar": "منصة خارطة الطريق التشاركية", "fr": "Plateforme de feuille de route "
                  "participative", "en": "Participatory roadmap platform"},
}

DATASET_TEXTS = {
    "proposals": {
        "title": {"ar": "المقترحات", "fr": "Propositions", "en": "Proposals"},
        "description": {
            "ar": "المقترحات العمومية للمواطنين والورشات: العنوان، النص، المحور، الجماعة، "
                  "الموقع، الحالة، عدد الدعم وروابط الصور والوثائق. بدون أسماء المؤلفين.",
            "fr": "Les propositions publiques des citoyens et des ateliers : titre, texte, axe, "
                  "commune, localisation, statut, nombre de soutiens et liens des photos et "
                  "documents. Sans le nom des auteurs.",
            "en": "The public proposals of citizens and workshops: title, text, axis, commune, "
                  "location, status, number of supports and links to photos and documents. "
                  "No author names."},
        "keywords": {"ar": ("مقترحات", "مشاركة المواطنين"),
                     "fr": ("propositions", "participation citoyenne"),
                     "en": ("proposals", "citizen participation")}},
    "supports": {
        "title": {"ar": "الدعم حسب المقترح والجماعة", "fr": "Soutiens par proposition et commune",
                  "en": "Supports per proposal and commune"},
        "description": {
            "ar": "عدد الدعم لكل مقترح حسب الجماعة التي يقيم بها الداعمون (بدون أي صوت فردي).",
            "fr": "Le nombre de soutiens de chaque proposition par commune de résidence des "
                  "soutiens (aucun vote individuel).",
            "en": "The number of supports of each proposal by the supporters' home commune (no "
                  "individual vote)."},
        "keywords": {"ar": ("دعم", "تصويت"), "fr": ("soutiens", "vote"),
                     "en": ("supports", "voting")}},
    "comments": {
        "title": {"ar": "التعليقات", "fr": "Commentaires", "en": "Comments"},
        "description": {
            "ar": "التعليقات العمومية على المقترحات، بدون أسماء المؤلفين.",
            "fr": "Les commentaires publics sur les propositions, sans le nom des auteurs.",
            "en": "The public comments on the proposals, without author names."},
        "keywords": {"ar": ("تعليقات", "نقاش"), "fr": ("commentaires", "débat"),
                     "en": ("comments", "deliberation")}},
    "communes": {
        "title": {"ar": "الجماعات: الحدود ومعطيات الإحصاء", "fr": "Communes : limites et "
                  "chiffres du recensement", "en": "Communes: boundaries and census figures"},
        "description": {
            "ar": "حدود جماعات العمالة (مستخرجة من OpenStreetMap، رخصة ODbL) مع السكان "
                  "ومؤشرات الإحصاء العام للسكان والسكنى (المندوبية السامية للتخطيط) والمشاركة.",
            "fr": "Les limites des communes de la préfecture (issues d'OpenStreetMap, licence "
                  "ODbL) avec la population, les indicateurs du recensement (HCP, RGPH) et la "
                  "participation.",
            "en": "The boundaries of the prefecture's communes (derived from OpenStreetMap, "
                  "ODbL) with population, census indicators (HCP, RGPH) and participation."},
        "keywords": {"ar": ("جماعات", "إحصاء"), "fr": ("communes", "recensement"),
                     "en": ("communes", "census")}},
    "roadmap": {
        "title": {"ar": "خارطة الطريق وتقدم إنجازها", "fr": "Feuille de route et avancement",
                  "en": "Roadmap and its progress"},
        "description": {
            "ar": "المشاريع ذات الأولوية لخارطة الطريق المنشورة: المحور، الجماعات، الكلفة، "
                  "الجهة المسؤولة، المؤشرات، نسبة التقدم وتحديثات الإنجاز.",
            "fr": "Les projets prioritaires de la feuille de route publiée : axe, communes, coût, "
                  "porteur, indicateurs, avancement et mises à jour de la mise en œuvre.",
            "en": "The priority projects of the published roadmap: axis, communes, cost, lead "
                  "body, indicators, progress and implementation updates."},
        "keywords": {"ar": ("خارطة الطريق", "تتبع"), "fr": ("feuille de route", "suivi"),
                     "en": ("roadmap", "monitoring")}},
}

DISTRIBUTION_TEXTS = {
    "csv": {"ar": "جدول %s (CSV)", "fr": "Table %s (CSV)", "en": "Table %s (CSV)"},
    "xlsx": {"ar": "مصنف الاستشارة (XLSX)", "fr": "Classeur de la consultation (XLSX)",
             "en": "Workbook of the consultation (XLSX)"},
    "geojson": {"ar": "طبقة %s (GeoJSON)", "fr": "Couche %s (GeoJSON)",
                "en": "Layer %s (GeoJSON)"},
    "gpkg": {"ar": "كل طبقات الخريطة (GeoPackage)", "fr": "Toutes les couches (GeoPackage)",
             "en": "Every map layer (GeoPackage)"},
    "pdf-ar": {"ar": "وثيقة خارطة الطريق بالعربية (PDF)", "fr": "Feuille de route en arabe (PDF)",
               "en": "Roadmap document in Arabic (PDF)"},
    "pdf-fr": {"ar": "وثيقة خارطة الطريق بالفرنسية (PDF)",
               "fr": "Feuille de route en français (PDF)",
               "en": "Roadmap document in French (PDF)"},
    "api": {"ar": "واجهة البيانات المفتوحة JSON: %s", "fr": "API JSON de données ouvertes : %s",
            "en": "Open data JSON API: %s"},
    "live": {"ar": "طبقة GeoJSON الحية: %s", "fr": "Couche GeoJSON en direct : %s",
             "en": "Live GeoJSON layer: %s"},
    "features": {"ar": "مجموعة OGC API Features: %s", "fr": "Collection OGC API Features : %s",
                 "en": "OGC API Features collection: %s"},
}
HCP_RIGHTS = {
    "ar": "أرقام السكان والمؤشرات: المندوبية السامية للتخطيط (الإحصاء العام للسكان والسكنى "
          "2014 و2024)، مع ذكر المصدر. الحدود: © المساهمون في OpenStreetMap، رخصة ODbL.",
    "fr": "Population et indicateurs : Haut-Commissariat au Plan (RGPH 2014 et 2024), source à "
          "citer. Limites : © les contributeurs d'OpenStreetMap, licence ODbL.",
    "en": "Population and indicators: Haut-Commissariat au Plan (RGPH 2014 and 2024), to be "
          "credited. Boundaries: © OpenStreetMap contributors, ODbL."}


@dataclass
class Distribution:
    """One way to get a dataset: a download (``download`` set) or an API (access only)."""

    key: str
    title: dict
    access: str
    fmt: str
    licence: str
    download: str | None = None
    service: str | None = None  # the endpoint of the data service behind an API access URL


def _literals(graph: Graph, subject, predicate, texts: dict) -> None:
    for lang in LANGUAGES:
        if texts.get(lang):
            graph.add((subject, predicate, Literal(texts[lang], lang=lang)))


def _localized(texts: dict | None, lang: str) -> str:
    """``texts[lang]``, else French, else Arabic, else any (as the pages fall back)."""
    texts = texts or {}
    for candidate in (lang, "fr", "ar", *texts):
        if texts.get(candidate):
            return texts[candidate]
    return ""


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).replace(microsecond=0) if value is not None else None


def _latest(*values) -> datetime | None:
    found = [_utc(v) for v in values if v is not None]
    return max(found) if found else None


def _dates(consultation: Consultation) -> dict:
    """The latest modification of each dataset of ``consultation`` (UTC, or None)."""
    proposals = select(Proposal.id).where(Proposal.consultation_id == consultation.id)
    communes = db.session.scalar(select(func.max(Commune.updated_at)).where(
        Commune.prefecture_id == consultation.prefecture_id))
    published, items, updates = db.session.execute(
        select(select(func.max(RoadmapVersion.published_at)).join(Roadmap)
               .where(Roadmap.consultation_id == consultation.id).scalar_subquery(),
               select(func.max(RoadmapItem.updated_at)).join(Roadmap)
               .where(Roadmap.consultation_id == consultation.id).scalar_subquery(),
               select(func.max(ProgressUpdate.created_at)).join(RoadmapItem).join(Roadmap)
               .where(Roadmap.consultation_id == consultation.id).scalar_subquery())).one()
    base = _latest(consultation.published_at, consultation.created_at)
    return {
        "proposals": _latest(base, db.session.scalar(select(func.max(Proposal.updated_at)).where(
            Proposal.consultation_id == consultation.id))),
        "supports": _latest(base, db.session.scalar(select(func.max(Vote.created_at)).where(
            Vote.proposal_id.in_(proposals)))),
        "comments": _latest(base, db.session.scalar(select(func.max(Comment.created_at)).where(
            Comment.proposal_id.in_(proposals)))),
        "communes": _latest(base, communes),
        # the roadmap dataset holds the live status, progress and updates too
        "roadmap": _latest(published, items, updates) if published is not None else None,
    }


def _published_roadmap(consultation: Consultation) -> RoadmapVersion | None:
    record = db.session.scalar(select(Roadmap).where(Roadmap.consultation_id == consultation.id))
    return record.published if record is not None else None


def _download(consultation, name: str, ext: str) -> str:
    return url_for("exports.download", slug=consultation.slug, name=name, ext=ext,
                   _external=True)


def _features_root() -> str | None:
    """The OGC API Features root, if this app serves it (``/api/features``)."""
    if any(rule.rule.startswith("/api/features") for rule in current_app.url_map.iter_rules()):
        return url_for("consultations.home", _external=True).rstrip("/") + "/api/features"
    return None


def _distributions(consultation: Consultation, kind: str, licence: str) -> list[Distribution]:
    """The distributions of the dataset ``kind`` of ``consultation``."""
    slug = consultation.slug
    api = url_for("api.consultations", _external=True).rsplit("/", 1)[0]
    contributions = licence

    def csv(table: str, dataset_licence: str) -> Distribution:
        return Distribution(f"{table}.csv", {lang: text % table for lang, text in
                                             DISTRIBUTION_TEXTS["csv"].items()},
                            _download(consultation, table, "csv"), "csv", dataset_licence,
                            download=_download(consultation, table, "csv"))

    def layer(name: str, dataset_licence: str) -> Distribution:
        return Distribution(f"{name}.geojson", {lang: text % name for lang, text in
                                                DISTRIBUTION_TEXTS["geojson"].items()},
                            _download(consultation, name, "geojson"), "geojson",
                            dataset_licence, download=_download(consultation, name, "geojson"))

    def live(name: str, url: str, dataset_licence: str) -> Distribution:
        return Distribution(f"live-{name}", {lang: text % name for lang, text in
                                             DISTRIBUTION_TEXTS["live"].items()},
                            url, "geojson", dataset_licence, service=api)

    def json_api(name: str, url: str, dataset_licence: str) -> Distribution:
        return Distribution(f"api-{name}", {lang: text % name for lang, text in
                                            DISTRIBUTION_TEXTS["api"].items()},
                            url, "json", dataset_licence, service=api)

    workbook = Distribution("consultation.xlsx", DISTRIBUTION_TEXTS["xlsx"],
                            _download(consultation, "consultation", "xlsx"), "xlsx",
                            contributions, download=_download(consultation, "consultation",
                                                              "xlsx"))
    gpkg = Distribution("consultation.gpkg", DISTRIBUTION_TEXTS["gpkg"],
                        _download(consultation, "consultation", "gpkg"), "gpkg", ODBL,
                        download=_download(consultation, "consultation", "gpkg"))
    features = _features_root()

    def collection(name: str, dataset_licence: str) -> list[Distribution]:
        if features is None:
            return []
        url = f"{features}/collections/{slug}-{name}"
        return [Distribution(f"features-{name}", {lang: text % f"{slug}-{name}" for lang, text
                                                  in DISTRIBUTION_TEXTS["features"].items()},
                             url, "geojson", dataset_licence, service=features)]

    if kind == "proposals":
        return [csv("proposals", contributions), workbook, layer("proposals", contributions),
                live("proposals", url_for("maps.proposals_geojson", consultation=slug,
                                          _external=True), contributions),
                json_api("proposals", url_for("api.proposals", consultation=slug,
                                              _external=True), contributions),
                gpkg, *collection("proposals", contributions)]
    if kind == "supports":
        return [csv("votes", contributions), workbook]
    if kind == "comments":
        return [csv("comments", contributions), workbook]
    if kind == "communes":
        return [csv("communes", ODBL), csv("commune_indicators", ODBL), layer("communes", ODBL),
                live("communes", url_for("maps.communes_geojson", consultation=slug,
                                         _external=True), ODBL),
                json_api("communes", url_for("api.communes", _external=True), ODBL),
                gpkg, *collection("communes", ODBL)]
    # The roadmap's areas are drawn from the communes' boundaries: the layers are ODbL too.
    return [csv("roadmap", contributions), csv("roadmap_indicators", contributions),
            csv("progress_updates", contributions), workbook, layer("roadmap", ODBL),
            live("roadmap", url_for("maps.roadmap_geojson", slug=slug, _external=True), ODBL),
            json_api("roadmap", url_for("api.roadmap", slug=slug, _external=True),
                     contributions),
            Distribution("roadmap-ar.pdf", DISTRIBUTION_TEXTS["pdf-ar"],
                         _download(consultation, "roadmap-ar", "pdf"), "pdf", contributions,
                         download=_download(consultation, "roadmap-ar", "pdf")),
            Distribution("roadmap-fr.pdf", DISTRIBUTION_TEXTS["pdf-fr"],
                         _download(consultation, "roadmap-fr", "pdf"), "pdf", contributions,
                         download=_download(consultation, "roadmap-fr", "pdf")),
            gpkg, *collection("roadmap", ODBL)]


def licence_uri(code: str) -> str:
    """The URI of the licence ``code`` (one of DATA_LICENCES)."""
    return DATA_LICENCES[code][1]


def licence_of(consultation: Consultation) -> dict:
    """The licences of ``consultation``'s open data, for the exports page: ``{"code", "name",
    "url"}`` of the contributions' licence and of the boundaries' (ODbL)."""
    code = consultation.data_licence  # NOT NULL, one of DATA_LICENCES (a database check)
    return {"code": code, "name": DATA_LICENCES[code][0], "url": licence_uri(code),
            "boundaries": {"code": ODBL, "name": DATA_LICENCES[ODBL][0],
                           "url": licence_uri(ODBL)}}


class CatalogBuilder:
    """Builds the catalogue graph; :attr:`modified` is the latest modification of all."""

    def __init__(self):
        self.graph = Graph()
        for prefix, namespace in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF),
                                  ("vcard", VCARD), ("skos", SKOS), ("gsp", GSP),
                                  ("rdfs", RDFS)):
            self.graph.bind(prefix, namespace)
        self.root = url_for("consultations.home", _external=True)
        self.modified: datetime | None = None
        self.licences: set[str] = set()

    def build(self) -> Graph:
        """The whole catalogue."""
        g = self.graph
        catalog = URIRef(url_for("exports.catalog", _external=True))
        g.add((catalog, RDF.type, DCAT.Catalog))
        _literals(g, catalog, DCTERMS.title, CATALOG_TEXTS["title"])
        _literals(g, catalog, DCTERMS.description, CATALOG_TEXTS["description"])
        publisher = URIRef(f"{catalog}#publisher")
        g.add((publisher, RDF.type, FOAF.Agent))
        _literals(g, publisher, FOAF.name, CATALOG_TEXTS["publisher"])
        g.add((catalog, DCTERMS.publisher, publisher))
        for lang in LANGUAGES:
            g.add((catalog, DCTERMS.language, URIRef(LANGUAGE_URIS[lang])))
        if self.root:
            g.add((catalog, FOAF.homepage, URIRef(self.root)))
        g.add((catalog, DCAT.themeTaxonomy, URIRef(EU + "data-theme")))
        g.add((catalog, DCAT.service, self._api_service()))
        for consultation in public_consultations():
            for dataset in self._consultation(consultation):
                g.add((catalog, DCAT.dataset, dataset))
        if self.modified is not None:
            g.add((catalog, DCTERMS.modified, Literal(self.modified, datatype=XSD.dateTime)))
        for code in sorted(self.licences):
            uri = URIRef(licence_uri(code))
            g.add((uri, RDF.type, DCTERMS.LicenseDocument))
            g.add((uri, RDFS.label, Literal(DATA_LICENCES[code][0])))
            g.add((uri, DCTERMS.identifier, Literal(code)))
        return g

    def _api_service(self) -> URIRef:
        g = self.graph
        endpoint = url_for("api.consultations", _external=True).rsplit("/", 1)[0]
        service = URIRef(endpoint)
        g.add((service, RDF.type, DCAT.DataService))
        _literals(g, service, DCTERMS.title, {"ar": "واجهة البيانات المفتوحة",
                                               "fr": "API de données ouvertes",
                                               "en": "Open data API"})
        g.add((service, DCAT.endpointURL, URIRef(endpoint)))
        g.add((service, DCAT.endpointDescription,
               URIRef(url_for("api.openapi", _external=True))))
        return service

    def _consultation(self, consultation: Consultation) -> list[URIRef]:
        g = self.graph
        dates = _dates(consultation)
        version = _published_roadmap(consultation)
        kinds = ["proposals", "supports", "comments", "communes"] + (
            ["roadmap"] if version is not None else [])
        page = url_for("exports.index", slug=consultation.slug, _external=True)
        landing = url_for("proposals.consultation", slug=consultation.slug, _external=True)
        licence = consultation.data_licence
        publisher = URIRef(f"{page}#publisher")
        prefecture = consultation.prefecture
        g.add((publisher, RDF.type, FOAF.Agent))
        g.add((publisher, FOAF.name, Literal(prefecture.name_ar, lang="ar")))
        g.add((publisher, FOAF.name, Literal(prefecture.name_fr, lang="fr")))
        contact = URIRef(f"{page}#contact")
        g.add((contact, RDF.type, VCARD.Organization))
        g.add((contact, VCARD.fn, Literal(prefecture.name_fr, lang="fr")))
        g.add((contact, VCARD.fn, Literal(prefecture.name_ar, lang="ar")))
        g.add((contact, VCARD.hasURL, URIRef(landing)))
        sender = current_app.config.get("MAIL_SENDER") or ""
        if "@" in sender and not sender.endswith("@localhost"):
            g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{sender}")))
        spatial = self._spatial(consultation, page)
        temporal = self._temporal(consultation, page)
        datasets = []
        for kind in kinds:
            dataset = URIRef(f"{page}#{kind}")
            datasets.append(dataset)
            texts = DATASET_TEXTS[kind]
            g.add((dataset, RDF.type, DCAT.Dataset))
            _literals(g, dataset, DCTERMS.title, {
                lang: f"{texts['title'][lang]} · {_localized(consultation.title_i18n, lang)}"
                for lang in LANGUAGES})
            _literals(g, dataset, DCTERMS.description, {
                lang: " ".join(filter(None, (texts["description"][lang],
                                             _localized(consultation.description_i18n, lang))))
                for lang in LANGUAGES})
            g.add((dataset, DCTERMS.identifier, Literal(f"{consultation.slug}/{kind}")))
            for lang, words in texts["keywords"].items():
                for word in words:
                    g.add((dataset, DCAT.keyword, Literal(word, lang=lang)))
            for theme in THEMES[kind]:
                g.add((dataset, DCAT.theme, URIRef(f"{EU}data-theme/{theme}")))
            for lang in LANGUAGES:
                g.add((dataset, DCTERMS.language, URIRef(LANGUAGE_URIS[lang])))
            g.add((dataset, DCTERMS.publisher, publisher))
            g.add((dataset, DCAT.contactPoint, contact))
            g.add((dataset, DCAT.landingPage, URIRef(landing)))
            g.add((dataset, DCTERMS.accessRights, URIRef(EU + "access-right/PUBLIC")))
            if spatial is not None:
                g.add((dataset, DCTERMS.spatial, spatial))
            if temporal is not None:
                g.add((dataset, DCTERMS.temporal, temporal))
            issued = _utc(version.roadmap.versions[0].published_at) if kind == "roadmap" else \
                _utc(consultation.published_at or consultation.created_at)
            if issued is not None:
                g.add((dataset, DCTERMS.issued, Literal(issued, datatype=XSD.dateTime)))
            modified = dates[kind]
            if modified is not None:
                g.add((dataset, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
                self.modified = _latest(self.modified, modified)
            if kind == "communes":
                rights = URIRef(f"{page}#rights")
                g.add((rights, RDF.type, DCTERMS.RightsStatement))
                _literals(g, rights, RDFS.label, HCP_RIGHTS)
                g.add((dataset, DCTERMS.rights, rights))
                g.add((dataset, DCTERMS.source, URIRef("https://www.openstreetmap.org/")))
                g.add((dataset, DCTERMS.source, URIRef("https://www.hcp.ma/")))
            for distribution in _distributions(consultation, kind, licence):
                g.add((dataset, DCAT.distribution,
                       self._distribution(dataset, distribution, modified)))
        return datasets

    def _distribution(self, dataset: URIRef, d: Distribution, modified) -> URIRef:
        g = self.graph
        node = URIRef(f"{dataset}-{d.key}")
        g.add((node, RDF.type, DCAT.Distribution))
        _literals(g, node, DCTERMS.title, d.title)
        g.add((node, DCAT.accessURL, URIRef(d.access)))
        if d.download:
            g.add((node, DCAT.downloadURL, URIRef(d.download)))
        if d.service:
            service = URIRef(d.service)
            g.add((node, DCAT.accessService, service))
            g.add((service, RDF.type, DCAT.DataService))
            g.add((service, DCAT.endpointURL, service))
            if (service, DCTERMS.title, None) not in g:
                g.add((service, DCTERMS.title, Literal("OGC API - Features", lang="en")))
        code, media = FORMATS[d.fmt]
        g.add((node, DCTERMS["format"], URIRef(f"{EU}file-type/{code}")))
        g.add((node, DCAT.mediaType,
               URIRef(f"https://www.iana.org/assignments/media-types/{media}")))
        g.add((node, DCTERMS.license, URIRef(licence_uri(d.licence))))
        self.licences.add(d.licence)
        if modified is not None:
            g.add((node, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
        return node

    def _spatial(self, consultation: Consultation, page: str) -> URIRef | None:
        bbox = prefecture_bbox(consultation)
        if bbox is None:
            return None
        g = self.graph
        west, south, east, north = (round(v, 6) for v in bbox)
        location = URIRef(f"{page}#spatial")
        g.add((location, RDF.type, DCTERMS.Location))
        g.add((location, SKOS.prefLabel, Literal(consultation.prefecture.name_ar, lang="ar")))
        g.add((location, SKOS.prefLabel, Literal(consultation.prefecture.name_fr, lang="fr")))
        polygon = (f"POLYGON(({west} {south}, {east} {south}, {east} {north}, {west} {north}, "
                   f"{west} {south}))")
        g.add((location, DCAT.bbox, Literal(polygon, datatype=GSP.wktLiteral)))
        g.add((location, DCAT.centroid, Literal(
            f"POINT({round((west + east) / 2, 6)} {round((south + north) / 2, 6)})",
            datatype=GSP.wktLiteral)))
        return location

    def _temporal(self, consultation: Consultation, page: str) -> URIRef | None:
        phases = list(consultation.phases)
        if not phases:
            return None
        g = self.graph
        period = URIRef(f"{page}#period")
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        start: date = min(p.starts_on for p in phases)
        end: date = max(p.ends_on for p in phases)
        g.add((period, DCAT.startDate, Literal(start.isoformat(), datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(end.isoformat(), datatype=XSD.date)))
        return period


@dataclass
class CatalogDocuments:
    """The catalogue graph and its latest modification (for Last-Modified)."""

    graph: Graph
    modified: datetime | None


def build_catalog() -> CatalogDocuments:
    """The catalogue of every public consultation's datasets, as an rdflib graph."""
    builder = CatalogBuilder()
    graph = builder.build()
    return CatalogDocuments(graph, builder.modified)


JSONLD_CONTEXT = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "vcard": str(VCARD),
                  "skos": str(SKOS), "gsp": str(GSP), "rdfs": str(RDFS), "xsd": str(XSD)}


def serialise(graph: Graph, mimetype: str) -> bytes:
    """``graph`` as JSON-LD (compacted with the prefixes above) or Turtle."""
    if mimetype == JSONLD:
        return graph.serialize(format="json-ld", context=JSONLD_CONTEXT, indent=1,
                               auto_compact=True).encode("utf-8")
    return graph.serialize(format="turtle").encode("utf-8")
