"""``flask territory import`` and ``flask territory list`` through the real command line."""
from __future__ import annotations

from roadmap.extensions import db
from tests.territory.conftest import commune, row_counts


def test_import_without_path_imports_the_bundled_communes(runner):
    result = runner.invoke(args=["territory", "import"])
    assert result.exit_code == 0, result.output
    assert "19 created, 0 updated, 0 unchanged" in result.output
    assert "1 prefectures created" in result.output
    assert "census indicators stored" in result.output
    assert row_counts()["commune"] == 19
    assert commune("marrakech-medina").population_2024 == 81103
    again = runner.invoke(args=["territory", "import"])
    assert "0 created, 0 updated, 19 unchanged" in again.output


def test_import_with_field_options(runner, communes_frame, tmp_path):
    path = tmp_path / "renamed.gpkg"
    communes_frame.rename(columns={"code": "slug", "name_ar": "nom_ar", "name_fr": "nom",
                                   "population_2024": "pop24", "hcp_code": "ref"}).to_file(path)
    result = runner.invoke(args=[
        "territory", "import", str(path), "--code-field", "slug", "--name-ar-field", "nom_ar",
        "--name-fr-field", "nom", "--population-field", "pop24", "--hcp-code-field", "ref"])
    assert result.exit_code == 0, result.output
    assert commune("harbil").population_2024 == 105790


def test_import_with_a_prefecture_code(runner, communes_frame, tmp_path):
    path = tmp_path / "no_hcp.geojson"
    communes_frame.drop(columns=["hcp_code"]).to_file(path, driver="GeoJSON")
    result = runner.invoke(args=["territory", "import", str(path), "--prefecture-code", "07.351"])
    assert result.exit_code == 0, result.output
    assert commune("saada").prefecture.name_ar == "عمالة مراكش"
    assert "no census indicators" in result.output


def test_import_errors_exit_non_zero_with_the_message_only(runner, tmp_path):
    before = row_counts()
    missing = runner.invoke(args=["territory", "import", str(tmp_path / "none.geojson")])
    assert missing.exit_code == 1
    assert "file not found" in missing.output and "Traceback" not in missing.output
    unknown = runner.invoke(args=["territory", "import", "--code-field", "nope"])
    assert unknown.exit_code == 1
    assert "unknown field 'nope' (for code)" in unknown.output
    assert "Traceback" not in unknown.output
    assert row_counts() == before


def test_list_prints_every_commune(runner):
    runner.invoke(args=["territory", "import"])
    db.session.expire_all()
    result = runner.invoke(args=["territory", "list"])
    assert result.exit_code == 0, result.output
    assert "marrakech-medina" in result.output and "81,103" in result.output
    assert result.output.strip().endswith("19 communes")
