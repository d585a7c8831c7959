"""The monitoring page and its figures (roadmap.exports.monitoring): participation by sex
against the census, the gap and the flag from hand-made figures, small cells for the public."""
from __future__ import annotations

import html as markup
import re

import pytest

from roadmap.consultations.models import Workshop
from roadmap.exports import monitoring
from roadmap.extensions import db
from roadmap.participation.models import Comment, Vote
from roadmap.territory.models import CommuneIndicator
from tests.conftest import login


def people(factory, gender, n):
    return [factory.user(gender=gender) for _ in range(n)]


@pytest.fixture
def known(factory):
    """A consultation (threshold 35 %) with two communes whose census women's share is 50 and
    48 %: in "north", 4 women, 16 men and 3 not declared support a proposal of a woman's; in
    "south", 2 women and 3 men comment. A workshop of "north" had 12 women and 8 men."""
    consultation = factory.consultation("voting")
    north = factory.commune("north", name_fr="Nord", name_ar="الشمال", population=30_000)
    south = factory.commune("south", name_fr="Sud", name_ar="الجنوب", population=10_000)
    for commune, share in ((north, 50.0), (south, 48.0)):
        commune.indicators.append(CommuneIndicator(key="women_share", year=2024, value=share,
                                                   unit="percent", source="HCP, RGPH 2024"))
    author = factory.user(gender="woman")
    proposal = factory.proposal(consultation, north, author=author, origin="online")
    supporters = (people(factory, "woman", 4) + people(factory, "man", 16)
                  + people(factory, "prefer_not_to_say", 2) + people(factory, None, 1))
    for user in supporters:
        db.session.add(Vote(user_id=user.id, proposal_id=proposal.id))
    other = factory.proposal(consultation, south, origin="workshop")
    for user in people(factory, "woman", 2) + people(factory, "man", 3):
        db.session.add(Comment(author_id=user.id, proposal_id=other.id, body="Un commentaire utile."))
    db.session.add(Workshop(consultation=consultation, title="Atelier", place="Nord",
                            held_on=consultation.phases[0].starts_on, communes=[north],
                            attendance_by_gender={"woman": 12, "man": 8, "not_recorded": 0}))
    db.session.flush()
    return consultation


def test_women_share_gap_and_flag_rules(app):
    assert monitoring.women_share(4, 16) == 20.0
    assert monitoring.women_share(0, 0) is None
    assert monitoring.share_gap(20.0, 50.0) == -30.0
    assert monitoring.share_gap(None, 50.0) is None
    assert monitoring.is_flagged(4, 16, 35)
    assert not monitoring.is_flagged(7, 13, 35)          # 35 % is not under 35 %
    assert not monitoring.is_flagged(1, 8, 35)           # fewer than 10 declared: no flag
    assert monitoring.is_flagged(1, 9, 35)


def test_participation_by_sex_from_known_figures(known):
    figures = monitoring.participation_by_sex(known, exact=True, language="fr")
    north, south = ({row.code: row for row in figures["communes"]}[c] for c in ("north", "south"))
    supporters = north.measures["supporters"]
    assert [(c.key, c.value) for c in supporters.cells] == [
        ("women", 4), ("men", 16), ("not_declared", 3)]
    assert supporters.share == 20.0 and supporters.census_share == 50.0
    assert supporters.gap == -30.0 and supporters.flagged
    participants = north.measures["participants"]   # the author is a woman too
    assert participants.cells[0].value == 5 and participants.share == pytest.approx(23.8)
    assert participants.flagged and north.flags == ["participants"]
    assert north.measures["authors"].cells[0].value == 1
    workshops = north.measures["workshops"]
    assert workshops.share == 60.0 and workshops.gap == 10.0 and not workshops.flagged
    commenters = south.measures["commenters"]
    assert commenters.share == 40.0 and commenters.gap == -8.0
    assert not commenters.flagged                    # 5 declared: too few to flag
    assert [row.code for row in figures["flagged"]] == ["north"]
    total = figures["total"]
    assert total.census_share == 49.5                # (50 × 30,000 + 48 × 10,000) / 40,000
    assert total.measures["participants"].total == 29
    assert total.measures["participants"].share == pytest.approx(round(7 * 100 / 26, 1))


def test_threshold_is_the_consultations(known):
    known.women_share_threshold = 20
    figures = monitoring.participation_by_sex(known, exact=True)
    assert figures["threshold"] == 20 and figures["flagged"] == []


def test_the_participation_sheet_suppresses_small_cells_unless_full(known):
    def north_supporters(exact):
        table = monitoring.participation_table(known, exact=exact, language="fr")
        rows = [dict(zip(table.headers, row)) for row in table.rows]
        return next(r for r in rows if r["commune_code"] == "north"
                    and r["measure"] == "supporters")

    public = north_supporters(False)
    assert (public["women"], public["men"], public["not_declared"]) == ("<5", 16, "<5")
    assert public["women_share_declared"] is None and public["gap_points"] is None
    full = north_supporters(True)
    assert (full["women"], full["men"], full["not_declared"]) == (4, 16, 3)
    assert full["women_share_declared"] == 20.0 and full["gap_points"] == -30.0


def test_the_dashboard_reads_only_the_flagging_measures(known):
    figures = monitoring.participation_by_sex(known, exact=True,
                                              measures=monitoring.FLAGGING_MEASURES)
    north = {row.code: row for row in figures["communes"]}["north"]
    assert set(north.measures) == set(monitoring.FLAGGING_MEASURES)
    assert [row.code for row in figures["flagged"]] == ["north"]  # 4 women of 20 declared
    assert figures["chart_threshold"] == 35
    assert monitoring.participation_by_sex(known)["chart_threshold"] is None


def test_public_figures_suppress_small_cells_and_hide_flags(known):
    figures = monitoring.participation_by_sex(known, exact=False)
    north = {row.code: row for row in figures["communes"]}["north"]
    supporters = north.measures["supporters"]
    shown = {c.key: c.shown for c in supporters.cells}
    # women 4 and not declared 3 are small; the share would give the 4 away: not shown
    assert shown == {"women": "<5", "men": "16", "not_declared": "<5"}
    assert supporters.share is None and supporters.gap is None and not supporters.flagged
    assert figures["flagged"] == [] and north.flags == []
    south = {row.code: row for row in figures["communes"]}["south"]
    commenters = south.measures["commenters"]
    assert {c.key: c.shown for c in commenters.cells} == {
        "women": "<5", "men": "<5", "not_declared": "0"}
    assert commenters.total_shown == "5"
    workshops = north.measures["workshops"]
    assert [c.shown for c in workshops.cells] == ["12", "8", "0"] and workshops.share == 60.0


def _cell(html, table_id, key, attribute):
    table = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S).group(1)
    row = re.search(rf'<tr data-key="{re.escape(key)}"[^>]*>(.*?)</tr>', table, re.S).group(1)
    found = re.search(rf'<td class="num" data-{attribute}>(.*?)</td>', row, re.S).group(1)
    return markup.unescape(re.sub(r"<[^>]+>", "", found)).strip()


def test_page_for_the_public_in_arabic(client, known):
    response = client.get(f"/c/{known.slug}/monitoring?lang=ar")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="ar" dir="rtl">' in html
    assert '<section id="participation"' in html and 'id="suppression-rule"' in html
    assert _cell(html, "chart-women-supporters-table", "north", 'sex="women"') == "<5"
    assert _cell(html, "chart-women-supporters-table", "north", 'key="share"') == "—"
    assert _cell(html, "chart-women-workshops-table", "north", 'key="share"') == "60,0%"
    assert "gender-flags" not in html and "/helpdesk" not in html
    dashboard = client.get(f"/c/{known.slug}/dashboard?lang=ar").get_data(as_text=True)
    assert "gender-flags" not in dashboard and f"/c/{known.slug}/monitoring" in dashboard


def test_page_for_organisers_shows_exact_figures_and_flags(client, factory, known):
    login(client, factory.user("organiser"))
    html = client.get(f"/c/{known.slug}/monitoring?lang=en").get_data(as_text=True)
    assert 'id="exact-figures"' in html and 'id="gender-flags"' in html
    assert _cell(html, "chart-women-supporters-table", "north", 'sex="women"') == "4"
    assert _cell(html, "chart-women-supporters-table", "north", 'key="gap"').startswith("-30.0")
    flags = re.search(r'id="gender-flags">(.*?)</div>', html, re.S).group(1)
    assert 'data-commune="north"' in flags and 'data-commune="south"' not in flags
    assert f"/c/{known.slug}/workshops/new" in flags and "/helpdesk?consultation=" in flags
    assert "women are fewer than 35 % of the people who declared their gender" in flags
    dashboard = client.get(f"/c/{known.slug}/dashboard?lang=en").get_data(as_text=True)
    assert 'id="gender-flags"' in dashboard and f"/c/{known.slug}/monitoring" in dashboard


def test_page_in_french_and_the_links_to_it(client, known):
    html = client.get(f"/c/{known.slug}/monitoring?lang=fr").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in html and "Nord" in html
    for page in ("", "/dashboard", "/exports"):
        assert f"/c/{known.slug}/monitoring" in client.get(
            f"/c/{known.slug}{page}").get_data(as_text=True)


def test_demo_page_renders(client, demo):
    response = client.get(f"/c/{demo.slug}/monitoring")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # one chart per measure of participation, then the roadmap's two (markers, goals)
    assert html.count("<svg") == len(monitoring.MEASURES) + 2
    assert 'id="outcomes-overall"' in html and 'id="sdg-targets"' in html

