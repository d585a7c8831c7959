"""Fill the English catalogue: message ids are English, so each translation is its id.

Run by `make extract-messages` after merging new ids, so the en catalogue is always complete.
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

path = Path(sys.argv[1] if len(sys.argv) > 1 else "roadmap/translations/en/LC_MESSAGES/messages.po")
with path.open("rb") as handle:
    catalog = read_po(handle, locale="en")
for message in catalog:
    if not message.id:
        continue
    if isinstance(message.id, (tuple, list)):
        message.string = (message.id[0], message.id[1])
    else:
        message.string = message.id
    message.flags.discard("fuzzy")
with path.open("wb") as handle:
    write_po(handle, catalog, width=100)
