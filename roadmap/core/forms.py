"""Form fields every domain shares."""
from __future__ import annotations

from wtforms import IntegerField
from wtforms.widgets import TextInput

# Characters people type inside numbers: spaces, thin spaces, separators of thousands.
_NUMBER_NOISE = str.maketrans("", "", " \u00a0\u202f,.'\u066c\u066b")
# Arabic-Indic (٠..٩) and extended Arabic-Indic (۰..۹) digits, read as 0..9.
_DIGITS = str.maketrans({**{chr(0x0660 + n): str(n) for n in range(10)},
                         **{chr(0x06F0 + n): str(n) for n in range(10)}})


class AmountField(IntegerField):
    """A whole number typed as text: Arabic-Indic digits and thousands separators accepted.

    Rendered as a text input (``inputmode="numeric"`` is up to the form), because a browser's
    number input refuses the Arabic-Indic digits a phone keyboard types.
    """

    widget = TextInput()

    def process_formdata(self, valuelist):
        """Read ``12 500``, ``12,500`` or ``١٢٥٠٠`` as 12500."""
        if valuelist and valuelist[0].strip():
            valuelist = [valuelist[0].translate(_NUMBER_NOISE).translate(_DIGITS)]
        super().process_formdata(valuelist)


try:  # WTForms 3.3 deprecates choices given as tuples
    from wtforms import SelectChoice
except ImportError:  # pragma: no cover - WTForms 3.2
    SelectChoice = None


def choices(pairs) -> list:
    """``(value, label)`` pairs as the choices of a select field."""
    if SelectChoice is None:
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]
