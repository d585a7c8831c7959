"""The DCAT catalogue at ``/catalog.jsonld`` and ``/catalog.ttl``: the same graph in both
documents, DCAT-AP's mandatory properties on the catalogue, every dataset and every
distribution, three languages, public consultations only, the roadmap once published, working
download URLs, conditional requests."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from roadmap.exports.catalog import DATASET_TEXTS
from roadmap.extensions import db
from tests.exports.conftest import publish_small_roadmap

LANGS = {"ar", "fr", "en"}


def _graph(client, path: str = "/catalog.jsonld") -> Graph:
    response = client.get(path)
    assert response.status_code == 200
    fmt = "json-ld" if path.endswith(".jsonld") else "turtle"
    return Graph().parse(data=response.get_data(as_text=True), format=fmt,
                         publicID="http://localhost/")


def _datasets(graph: Graph) -> dict:
    """``{identifier: dataset node}``."""
    return {str(graph.value(d, DCTERMS.identifier)): d
            for d in graph.subjects(RDF.type, DCAT.Dataset)}


def _languages(graph: Graph, subject, predicate) -> set:
    return {literal.language for literal in graph.objects(subject, predicate)}


@pytest.fixture
def published(fresh, organiser):
    """``fresh`` with its roadmap published."""
    publish_small_roadmap(fresh, organiser)
    db.session.flush()
    return fresh


def test_both_documents_hold_the_same_graph(client, fresh):
    response = client.get("/catalog.jsonld")
    assert response.mimetype == "application/ld+json"
    assert client.get("/catalog.ttl").mimetype == "text/turtle"
    jsonld, turtle = _graph(client), _graph(client, "/catalog.ttl")
    assert len(jsonld) > 50
    assert isomorphic(jsonld, turtle)


def test_catalog_dataset_and_distribution_carry_dcat_ap_mandatory_properties(client, published):
    graph = _graph(client)
    catalogs = list(graph.subjects(RDF.type, DCAT.Catalog))
    assert len(catalogs) == 1
    catalog = catalogs[0]
    assert _languages(graph, catalog, DCTERMS.title) == LANGS
    assert _languages(graph, catalog, DCTERMS.description) == LANGS
    publisher = graph.value(catalog, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph and graph.value(publisher, FOAF.name)
    datasets = list(graph.objects(catalog, DCAT.dataset))
    assert set(datasets) == set(graph.subjects(RDF.type, DCAT.Dataset))
    assert graph.value(catalog, DCTERMS.modified) is not None
    for dataset in datasets:
        assert _languages(graph, dataset, DCTERMS.title) == LANGS, dataset
        assert _languages(graph, dataset, DCTERMS.description) == LANGS, dataset
        for predicate in (DCAT.keyword, DCAT.theme, DCTERMS.spatial, DCTERMS.temporal,
                          DCAT.contactPoint, DCTERMS.issued, DCTERMS.modified,
                          DCTERMS.publisher, DCTERMS.language):
            assert graph.value(dataset, predicate) is not None, (dataset, predicate)
        agent = graph.value(dataset, DCTERMS.publisher)
        assert (agent, RDF.type, FOAF.Agent) in graph and graph.value(agent, FOAF.name)
        spatial = graph.value(dataset, DCTERMS.spatial)
        assert str(graph.value(spatial, DCAT.bbox)).startswith("POLYGON((")
        temporal = graph.value(dataset, DCTERMS.temporal)
        assert (temporal, RDF.type, DCTERMS.PeriodOfTime) in graph
        assert graph.value(temporal, DCAT.startDate) <= graph.value(temporal, DCAT.endDate)
        distributions = list(graph.objects(dataset, DCAT.distribution))
        assert distributions, dataset
        for distribution in distributions:
            assert (distribution, RDF.type, DCAT.Distribution) in graph
            assert graph.value(distribution, DCAT.accessURL) is not None, distribution
            assert _languages(graph, distribution, DCTERMS.title) == LANGS
            for predicate in (DCTERMS["format"], DCAT.mediaType, DCTERMS.modified):
                assert graph.value(distribution, predicate) is not None, (distribution,
                                                                          predicate)
            licence = graph.value(distribution, DCTERMS.license)
            assert (licence, RDF.type, DCTERMS.LicenseDocument) in graph


def test_licences_boundaries_odbl_and_contributions_the_organisers_choice(client, fresh):
    fresh.data_licence = "CC0-1.0"
    db.session.flush()
    graph = _graph(client)
    datasets = _datasets(graph)
    odbl = URIRef("http://opendatacommons.org/licenses/odbl/1-0/")
    cc0 = URIRef("http://creativecommons.org/publicdomain/zero/1.0/")
    for kind, expected in (("communes", {odbl}), ("comments", {cc0}), ("supports", {cc0})):
        dataset = datasets[f"{fresh.slug}/{kind}"]
        found = {graph.value(d, DCTERMS.license)
                 for d in graph.objects(dataset, DCAT.distribution)}
        assert found == expected, kind
    assert graph.value(datasets[f"{fresh.slug}/communes"], DCTERMS.rights) is not None


def test_drafts_are_absent_and_the_roadmap_appears_once_published(client, factory, fresh,
                                                                  organiser):
    draft = factory.consultation(status="draft")
    identifiers = set(_datasets(_graph(client)))
    assert {f"{fresh.slug}/{kind}" for kind in ("proposals", "supports", "comments",
                                                  "communes")} <= identifiers
    assert f"{fresh.slug}/roadmap" not in identifiers
    assert not any(i.startswith(f"{draft.slug}/") for i in identifiers)
    assert draft.slug not in client.get("/catalog.ttl").get_data(as_text=True)
    publish_small_roadmap(fresh, organiser)
    db.session.flush()
    assert f"{fresh.slug}/roadmap" in _datasets(_graph(client))


def test_every_listed_url_of_this_app_answers(client, published):
    graph = _graph(client)
    urls = {str(o) for p in (DCAT.downloadURL, DCAT.accessURL)
            for o in graph.objects(None, p)}
    assert urls
    checked = 0
    for url in sorted(urls):
        parts = urlsplit(url)
        if parts.netloc != "localhost":
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        assert client.get(path).status_code == 200, url
        checked += 1
    assert checked >= 18  # the OGC API Features collections among them


def test_titles_come_in_three_languages_with_the_consultations_title(client, fresh):
    graph = _graph(client)
    dataset = _datasets(graph)[f"{fresh.slug}/proposals"]
    titles = {t.language: str(t) for t in graph.objects(dataset, DCTERMS.title)}
    assert titles["fr"] == (f"{DATASET_TEXTS['proposals']['title']['fr']} · "
                            "Consultation des communes rurales")
    assert "استشارة تنمية الجماعات القروية" in titles["ar"]


def test_catalog_is_cacheable_with_etag_and_last_modified(client, fresh):
    first = client.get("/catalog.jsonld")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert "public" in first.headers["Cache-Control"]
    again = client.get("/catalog.jsonld", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    since = client.get("/catalog.ttl",
                       headers={"If-Modified-Since": client.get("/catalog.ttl")
                                .headers["Last-Modified"]})
    assert since.status_code == 304


def test_catalog_uri_sends_to_the_preferred_document(client, fresh):
    assert client.get("/catalog").headers["Location"].endswith("/catalog.jsonld")
    turtle = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 303 and turtle.headers["Location"].endswith("/catalog.ttl")


def test_exports_page_links_the_catalogue_and_shows_the_licence(client, fresh):
    html = client.get(f"/c/{fresh.slug}/exports").get_data(as_text=True)
    assert '<link rel="alternate" type="application/ld+json" href="/catalog.jsonld"' in html
    assert 'id="catalog-link"' in html
    assert "http://creativecommons.org/licenses/by/4.0/" in html
    assert "http://opendatacommons.org/licenses/odbl/1-0/" in html



def test_home_page_announces_the_catalogue(client, fresh):
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="alternate" type="application/ld+json" href="/catalog.jsonld"' in html


def test_ogc_api_features_collections_are_listed(client, published):
    graph = _graph(client)
    urls = {str(o) for o in graph.objects(None, DCAT.accessURL)}
    for layer in ("proposals", "communes", "roadmap"):
        url = f"http://localhost/api/features/collections/{published.slug}-{layer}"
        assert url in urls
        assert client.get(url.removeprefix("http://localhost") + "?f=json").status_code == 200
    service = URIRef("http://localhost/api/features")
    assert (service, RDF.type, DCAT.DataService) in graph
    assert graph.value(service, DCAT.endpointURL) == service


def test_the_roadmap_dataset_is_modified_by_its_progress(client, published, organiser):
    from datetime import date, datetime, timedelta, timezone

    from sqlalchemy import select

    from roadmap.roadmaps.models import Roadmap
    from roadmap.roadmaps.services import post_progress

    def modified():
        graph = _graph(client)
        return graph.value(_datasets(graph)[f"{published.slug}/roadmap"], DCTERMS.modified)

    before = modified().toPython()
    roadmap = db.session.scalar(select(Roadmap).where(Roadmap.consultation_id == published.id))
    update = post_progress(roadmap.items[0], organiser, date.today(), 40, "in_progress")
    later = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=2)
    update.created_at = later
    db.session.commit()
    after = modified().toPython()
    assert after == later and after > before  # harvesters see the progress
    assert client.get("/catalog.ttl").headers["Last-Modified"] == \
        later.strftime("%a, %d %b %Y %H:%M:%S GMT")
