"""The shape of admin input for a territory import: the file, then the fields to read."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Optional, Regexp

from roadmap.territory.services import DEFAULT_FIELDS, PREFECTURE_CODE

ARABIC_INDIC = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
#: The attributes an admin maps to the file's columns, with the CLI's defaults.
MAPPED = ("code", "name_ar", "name_fr", "population_2024", "population_2014", "hcp_code")
REQUIRED = ("code", "name_ar", "name_fr")
NONE = ""


def _digits(value):
    """Arabic-Indic digits as ASCII digits; surrounding spaces removed."""
    return value.translate(ARABIC_INDIC).strip() if isinstance(value, str) else value


class UploadForm(FlaskForm):
    """The boundaries file: GeoJSON, GeoPackage or zipped Shapefile."""

    source = FileField(_l("Boundaries file"), validators=[
        FileRequired(message=_l("Choose a file to upload."))])


def _column(label, required: bool):
    validators = [InputRequired(message=_l("Choose a column."))] if required else [Optional()]
    return SelectField(label, validators=validators, validate_choice=True)


class FieldsForm(FlaskForm):
    """Which of the file's columns holds each commune attribute (and the prefecture code).

    Sent by GET to preview (no CSRF: nothing is written) and by POST to confirm.
    """

    code = _column(_l("Commune code (unique)"), True)
    name_ar = _column(_l("Arabic name"), True)
    name_fr = _column(_l("French name"), True)
    population_2024 = _column(_l("Population 2024"), False)
    population_2014 = _column(_l("Population 2014"), False)
    hcp_code = _column(_l("HCP code (07.351.01.03)"), False)
    prefecture_code = StringField(
        _l("Prefecture or province code"), filters=[_digits],
        description=_l("Only when the file has no HCP codes: the HCP code of the prefecture or "
                       "province, such as 07.351."),
        validators=[Optional(), Regexp(PREFECTURE_CODE.pattern + "$",
                                       message=_l("Enter an HCP code such as 07.351."))])

    def set_columns(self, columns: list[str]) -> None:
        """Offer the file's ``columns`` in every select, and preselect the defaults."""
        for name in MAPPED:
            options = [(column, column) for column in columns]
            if name not in REQUIRED:
                options.insert(0, (NONE, _l("(none)")))
            self[name].choices = options
            if self[name].data is None:
                default = DEFAULT_FIELDS[name]
                self[name].data = default if default in columns else (
                    NONE if name not in REQUIRED else None)

    def fields(self) -> dict[str, str | None]:
        """The attributes mapped to columns (``None``: not read), for ``check_communes``."""
        return {name: self[name].data or None for name in MAPPED}
