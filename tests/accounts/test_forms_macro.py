"""The shared field macro (templates/core/_forms.html) for every kind of field."""
from __future__ import annotations

from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import (BooleanField, RadioField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

TEMPLATE = """{% from "core/_forms.html" import field, form_errors %}
{{ form_errors(form) }}{% for f in form %}{{ field(f, data_probe="x") }}{% endfor %}"""


class _Everything(FlaskForm):
    title = StringField("Title", validators=[DataRequired()], description="A short title")
    body = TextAreaField("Body")
    axis = SelectField("Axis", choices=[SelectChoice("a", "A"), SelectChoice("b", "B")])
    tags = SelectMultipleField("Tags", choices=[SelectChoice("x", "X"), SelectChoice("y", "Y")])
    agree = BooleanField("I agree", description="Required to continue")
    size = RadioField("Size", choices=[SelectChoice("s", "Small"),
                                        SelectChoice("l", "Large")], validators=[DataRequired()])


def _render(app, data=None):
    with app.test_request_context(method="POST" if data is not None else "GET", data=data):
        form = _Everything(meta={"csrf": False})
        if data is not None:
            form.validate()
            form.form_errors.append("Something is wrong overall")
        return render_template_string(TEMPLATE, form=form)


def test_every_field_has_its_label_and_hint(app):
    html = _render(app)
    for name in ("title", "body", "axis", "tags", "agree"):
        assert f'<label for="{name}">' in html
    assert '<textarea data-probe="x" id="body" name="body">' in html
    assert 'multiple' in html and 'type="checkbox"' in html
    assert "<legend>Size</legend>" in html and 'id="size-0"' in html and '<label for="size-0">' in html
    assert '<p class="hint" id="title-hint">A short title</p>' in html
    assert 'aria-describedby="title-hint"' in html and 'aria-describedby="agree-hint"' in html
    assert "aria-invalid" not in html and 'role="alert"' not in html


def test_errors_are_tied_to_their_fields(app):
    html = _render(app, data={})
    assert 'aria-describedby="title-hint title-error"' in html
    assert '<ul class="errors" id="title-error">' in html
    assert 'aria-invalid="true"' in html
    assert 'id="size-error"' in html and 'class="field field-choices field-error"' in html
    assert 'role="alert"' in html and "Something is wrong overall" in html
