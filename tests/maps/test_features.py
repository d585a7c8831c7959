"""OGC API - Features at /api/features: links, conformance, paging, bbox, datetime, errors, HTML."""
from __future__ import annotations

import json
from datetime import timedelta

import shapely

from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.proposals.models import Proposal

BASE = "/api/features"
JSON = {"Accept": "application/geo+json, application/json"}  # what GDAL sends


def get(client, url, **query):
    response = client.get(url, query_string=query, headers=JSON)
    return response, json.loads(response.data) if response.data else None


def rels(document) -> dict:
    return {(link["rel"], link["type"]): link["href"] for link in document["links"]}


def test_landing_page_links_conformance_and_data(client, demo):
    response, landing = get(client, BASE)
    assert response.status_code == 200 and response.mimetype == "application/json"
    links = rels(landing)
    assert ("self", "application/json") in links and ("alternate", "text/html") in links
    assert links[("conformance", "application/json")].endswith("/api/features/conformance?f=json")
    assert links[("data", "application/json")].endswith("/api/features/collections?f=json")
    assert not any(link["rel"] == "service-desc" for link in landing["links"])
    _, conformance = get(client, BASE + "/conformance")
    assert set(conformance["conformsTo"]) == {
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html"}


def test_collections_per_public_consultation_roadmap_once_published(client, demo, factory):
    factory.consultation(slug="a-draft", status="draft")
    factory.consultation(slug="an-archive", status="archived")
    _, found = get(client, BASE + "/collections")
    ids = [collection["id"] for collection in found["collections"]]
    assert {f"{demo.slug}-communes", f"{demo.slug}-proposals", f"{demo.slug}-roadmap",
            "an-archive-communes", "an-archive-proposals"} == set(ids)
    assert not any(i.startswith("a-draft") for i in ids) and "an-archive-roadmap" not in ids
    for collection in found["collections"]:
        assert collection["itemType"] == "feature"
        assert "http://www.opengis.net/def/crs/OGC/1.3/CRS84" in collection["crs"]
        assert ("items", "application/geo+json") in rels(collection)
    assert get(client, BASE + "/collections/a-draft-proposals")[0].status_code == 404
    assert get(client, BASE + "/collections/an-archive-roadmap")[0].status_code == 404


def test_collection_extents(client, demo):
    _, proposals = get(client, f"{BASE}/collections/{demo.slug}-proposals")
    west, south, east, north = proposals["extent"]["spatial"]["bbox"][0]
    located = (Proposal.consultation_id == demo.id, Proposal.status == "published",
               Proposal.hidden_at.is_(None), Proposal.latitude.is_not(None))
    expected = db.session.execute(db.select(
        db.func.min(Proposal.longitude), db.func.min(Proposal.latitude),
        db.func.max(Proposal.longitude), db.func.max(Proposal.latitude)).where(*located)).one()
    assert [west, south, east, north] == [round(value, 5) for value in expected] or all(
        abs(got - value) < 1e-5 for got, value in zip((west, south, east, north), expected))
    start, end = proposals["extent"]["temporal"]["interval"][0]
    assert start <= end and start.endswith("Z")
    _, communes = get(client, f"{BASE}/collections/{demo.slug}-communes")
    assert "temporal" not in communes["extent"]
    assert len(communes["extent"]["spatial"]["bbox"][0]) == 4


def test_items_paging_with_next_and_prev(client, demo):
    url = f"{BASE}/collections/{demo.slug}-proposals/items"
    response, first = get(client, url, limit=10)
    assert response.mimetype == "application/geo+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    total = first["numberMatched"]
    assert total > 10 and first["numberReturned"] == len(first["features"]) == 10
    assert first["timeStamp"].endswith("Z")
    assert not any(link["rel"] == "prev" for link in first["links"])
    seen, page, pages = [], first, 0
    while True:
        pages += 1
        seen += [feature["id"] for feature in page["features"]]
        following = [link["href"] for link in page["links"] if link["rel"] == "next"]
        if not following:
            break
        response = client.get(following[0], headers=JSON)
        page = json.loads(response.data)
        assert any(link["rel"] == "prev" for link in page["links"])
    located = db.session.scalar(db.select(db.func.count(Proposal.id)).where(
        Proposal.consultation_id == demo.id, Proposal.status == "published",
        Proposal.hidden_at.is_(None), Proposal.latitude.is_not(None)))
    assert len(seen) == len(set(seen)) == total == located
    assert pages == -(-total // 10)
    props = first["features"][0]["properties"]
    assert {"title", "commune", "axis", "supports", "url", "created_at"} <= set(props)


def test_limit_is_capped_and_validated(client, demo):
    url = f"{BASE}/collections/{demo.slug}-communes/items"
    response, body = get(client, url, limit=10 ** 6)
    assert body["numberReturned"] == 19
    self_link = next(link["href"] for link in body["links"] if link["rel"] == "self")
    assert "limit=10000" in self_link  # the cap, not the million asked for
    for bad in ({"limit": "0"}, {"limit": "ten"}, {"offset": "-1"}, {"f": "xml"},
                {"crs": "EPSG:4326"}):
        response, error = get(client, url, **bad)
        assert response.status_code == 400, bad
        assert response.mimetype == "application/json" and error["description"]


def test_bbox_subset_matches_the_geometries(client, demo):
    bbox = (-8.05, 31.6, -7.95, 31.7)
    box = shapely.box(*bbox)
    text = ",".join(map(str, bbox))
    for theme in ("communes", "proposals", "roadmap"):
        url = f"{BASE}/collections/{demo.slug}-{theme}/items"
        _, everything = get(client, url, limit=10000)
        expected = {feature["id"] for feature in everything["features"]
                    if shapely.from_geojson(json.dumps(feature["geometry"])).intersects(box)}
        _, subset = get(client, url, bbox=text, limit=10000)
        assert {feature["id"] for feature in subset["features"]} == expected, theme
        assert subset["numberMatched"] == len(expected) < everything["numberMatched"], theme
    for bad in ("1,2,3", "a,b,c,d", "10,50,5,40", "-8,32,-7,31"):
        assert get(client, url, bbox=bad)[0].status_code == 400, bad


def test_datetime_filters_proposals_by_creation(client, demo, factory):
    commune = demo.prefecture.communes[0]
    old = factory.proposal(demo, commune, latitude=31.63, longitude=-7.99,
                           created_at=utcnow() - timedelta(days=400))
    db.session.flush()
    url = f"{BASE}/collections/{demo.slug}-proposals/items"
    _, everything = get(client, url, limit=10000)
    cutoff = (utcnow() - timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _, before = get(client, url, datetime=f"../{cutoff}", limit=10000)
    _, after = get(client, url, datetime=f"{cutoff}/..", limit=10000)
    assert [feature["id"] for feature in before["features"]] == [old.id]
    assert before["numberMatched"] + after["numberMatched"] == everything["numberMatched"]
    day = old.created_at.date().isoformat()
    _, that_day = get(client, url, datetime=day)
    assert old.id in [feature["id"] for feature in that_day["features"]]
    start = (old.created_at - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _, interval = get(client, url, datetime=f"{start}/{cutoff}")
    assert interval["numberMatched"] == 1
    for bad in ("yesterday", "../..", f"{cutoff}/{start}", "2026-01-01T10:00:00"):
        assert get(client, url, datetime=bad)[0].status_code == 400, bad


def test_one_feature_and_404s(client, demo):
    url = f"{BASE}/collections/{demo.slug}"
    _, page = get(client, url + "-communes/items", limit=1)
    code = page["features"][0]["id"]
    response, feature = get(client, f"{url}-communes/items/{code}")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert feature["properties"]["code"] == code and feature["geometry"]["type"]
    assert ("collection", "application/json") in rels(feature)
    _, page = get(client, url + "-proposals/items", limit=1)
    proposal_id = page["features"][0]["id"]
    _, feature = get(client, f"{url}-proposals/items/{proposal_id}")
    assert feature["id"] == proposal_id and feature["properties"]["created_at"]
    for missing in (f"{url}-communes/items/nowhere", f"{url}-proposals/items/0",
                    f"{url}-proposals/items/abc", f"{BASE}/collections/nothing-proposals",
                    f"{BASE}/collections/{demo.slug}-votes/items"):
        response, error = get(client, missing)
        assert response.status_code == 404 and error["code"] == "NotFound", missing


def test_html_for_browsers_in_arabic(client, demo):
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Language": "ar"}
    response = client.get(BASE, headers=browser)
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    assert "بيانات خرائطية مفتوحة (OGC API - Features)" in page  # in the reader's language
    assert "/api/features/collections?f=html" in page and "?f=json" in page
    page = client.get(BASE + "/collections", headers=browser).get_data(as_text=True)
    assert f"{demo.slug}-proposals" in page and '<th scope="col">' in page
    page = client.get(f"{BASE}/collections/{demo.slug}-communes/items", headers=browser,
                      query_string={"limit": 5}).get_data(as_text=True)
    assert page.count('<th scope="row">') == 5 and 'rel="next"' in page
    response = client.get(f"{BASE}/collections/{demo.slug}-communes/items/nowhere",
                          headers=browser)
    assert response.status_code == 404 and response.mimetype == "text/html"
    # ?f= wins over the Accept header, both ways.
    assert client.get(BASE + "?f=json", headers=browser).mimetype == "application/json"
    assert client.get(BASE + "?f=html", headers=JSON).mimetype == "text/html"
    assert client.get(BASE).mimetype == "application/json"  # no Accept header: JSON
