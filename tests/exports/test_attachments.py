"""Every export of the proposals lists their visible attachments as absolute URLs, one column
per kind (``photos``, ``documents``; space-separated in the tables and the geodata, arrays in
the API), read in the same statements for all proposals."""
from __future__ import annotations

import csv
import io
import json

from roadmap.exports import geo, tables
from roadmap.exports.csv import table_csv
from roadmap.extensions import db
from roadmap.moderation import services as moderation
from tests.media.helpers import attach_document, attach_photo
from tests.proposals.helpers import count_statements


def _files(fresh, factory):
    from sqlalchemy import select

    from roadmap.proposals.models import Proposal

    first, second, third = db.session.scalars(select(Proposal).where(
        Proposal.consultation_id == fresh.id).order_by(Proposal.id)).all()
    author = factory.user()
    photos = [attach_photo("proposal_id", first.id, author, alt_text=f"Photo {n}")
              for n in range(2)]
    document = attach_document("proposal_id", first.id, author)
    hidden = attach_photo("proposal_id", second.id, author, alt_text="Hidden")
    moderation.hide(hidden, factory.user("moderator"), "A face")
    db.session.flush()
    return first, second, third, photos, document, hidden


def _csv_rows(consultation) -> list[dict]:
    body = table_csv(tables.build_table(consultation, "proposals", "public"))
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_proposals_table_lists_visible_attachments_as_absolute_urls(app, fresh, factory,
                                                                        english_request):
    first, second, third, photos, document, hidden = _files(fresh, factory)
    rows = {int(row["id"]): row for row in _csv_rows(fresh)}
    assert rows[first.id]["photos"].split() == [
        f"http://localhost/media/{p.token}/screen" for p in photos]
    assert rows[first.id]["documents"] == f"http://localhost/media/{document.token}/file"
    assert rows[second.id]["photos"] == "" and hidden.token not in json.dumps(rows)
    assert rows[third.id]["photos"] == rows[third.id]["documents"] == ""
    full = tables.build_table(fresh, "proposals", "full")
    assert {"photos", "documents"} <= set(full.headers)


def test_the_geojson_and_the_api_carry_the_same_urls(client, fresh, factory):
    first, second, _third, photos, document, hidden = _files(fresh, factory)
    db.session.commit()
    features = json.loads(client.get(f"/c/{fresh.slug}/exports/proposals.geojson").data)
    by_id = {f["properties"]["id"]: f["properties"] for f in features["features"]}
    assert by_id[first.id]["photos"].split() == [
        f"http://localhost/media/{p.token}/screen" for p in photos]
    assert by_id[first.id]["documents"] == f"http://localhost/media/{document.token}/file"
    assert by_id[second.id]["photos"] == ""
    listed = client.get(f"/api/v1/proposals?consultation={fresh.slug}").get_json()["data"]
    api = {p["id"]: p for p in listed}
    assert api[first.id]["photos"] == by_id[first.id]["photos"].split()
    assert api[first.id]["documents"] == [by_id[first.id]["documents"]]
    assert api[second.id]["photos"] == [] and api[second.id]["documents"] == []
    one = client.get(f"/api/v1/proposals/{first.id}").get_json()["data"]
    assert one["photos"] == api[first.id]["photos"]


def test_outside_a_request_the_urls_use_the_sites_address(app, fresh, factory):
    app.config["ROADMAP_BASE_URL"] = "https://roadmap.example.org"
    try:
        first, *_rest, photos, _document, _hidden = _files(fresh, factory)
        [row] = [r for r in _csv_rows(fresh) if int(r["id"]) == first.id]
        [feature] = [f for f in geo.proposals_features(fresh) if f["properties"]["id"] == first.id]
    finally:
        app.config.pop("ROADMAP_BASE_URL")
    assert row["photos"].split()[0] == f"https://roadmap.example.org/media/{photos[0].token}/screen"
    assert feature["properties"]["photos"] == row["photos"]


def test_the_exports_do_not_run_a_query_per_proposal(client, fresh, factory):
    from sqlalchemy import select

    from roadmap.proposals.models import Proposal

    _files(fresh, factory)
    db.session.commit()
    urls = [f"/c/{fresh.slug}/exports/proposals.csv", f"/c/{fresh.slug}/exports/proposals.geojson",
            f"/api/v1/proposals?consultation={fresh.slug}"]

    def counts():
        found = []
        for url in urls:
            client.get(url)
            with count_statements() as statements:
                assert client.get(url).status_code == 200
            found.append(len(statements))
        return found

    few = counts()
    commune = db.session.scalar(select(Proposal).where(Proposal.consultation_id == fresh.id)).commune
    author = factory.user()
    for _ in range(6):
        proposal = factory.proposal(fresh, commune, latitude=31.5, longitude=commune.centroid_lon)
        attach_photo("proposal_id", proposal.id, author)
        attach_document("proposal_id", proposal.id, author)
    db.session.commit()
    assert counts() == few


def test_the_open_data_zip_holds_the_visible_photos_thumbnails(app, fresh, factory,
                                                             english_request):
    import zipfile

    from roadmap.exports.services import build_export
    from roadmap.media import storage

    _first, _second, _third, photos, document, hidden = _files(fresh, factory)
    archive = zipfile.ZipFile(io.BytesIO(build_export(fresh, "csv").body))
    names = set(archive.namelist())
    assert {f"thumbnails/{p.token}.webp" for p in photos} <= names
    assert f"thumbnails/{hidden.token}.webp" not in names
    assert not any(document.token in name for name in names)
    assert archive.read(f"thumbnails/{photos[0].token}.webp") == storage.path_for(
        photos[0].token, "thumb", "webp").read_bytes()
    full = zipfile.ZipFile(io.BytesIO(build_export(fresh, "csv", variant="full").body))
    assert not any(name.startswith("thumbnails/") for name in full.namelist())
