"""Synthetic pictures for the demo consultation: drawn here, never photographs, and saying so
in the picture itself and in its description."""
from __future__ import annotations

import io
import random
from functools import lru_cache

from PIL import Image, ImageDraw

# Colours of a scene per axis: (sky, ground, object).
SCENES = {
    "water": ((150, 196, 230), (170, 140, 95), (40, 110, 190)),
    "social-services": ((170, 205, 235), (190, 170, 120), (235, 225, 200)),
    "employment": ((185, 210, 230), (160, 150, 110), (200, 120, 60)),
    "territorial-upgrading": ((160, 190, 220), (120, 120, 120), (90, 90, 90)),
}
LABEL = "DEMO - SYNTHETIC IMAGE"
ALT_TEXT = {
    "ar": "صورة اصطناعية للعرض التجريبي، وليست صورة حقيقية",
    "fr": "Image de synthèse de la démonstration, pas une vraie photo",
}


def synthetic_picture(axis_code: str, seed: int) -> bytes:
    """A JPEG drawn for the demo: a sky, a ground, a shape for the axis, and the label."""
    rng = random.Random(seed)
    sky, ground, thing = SCENES.get(axis_code, SCENES["territorial-upgrading"])
    image = Image.new("RGB", (1200, 900), sky)
    draw = ImageDraw.Draw(image)
    horizon = rng.randint(430, 560)
    draw.rectangle((0, horizon, 1200, 900), fill=ground)
    for _ in range(40):  # stones and shrubs, so the picture is not flat
        x, y = rng.randint(0, 1200), rng.randint(horizon, 900)
        r = rng.randint(4, 18)
        shade = tuple(max(0, c - rng.randint(10, 50)) for c in ground)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    left = rng.randint(150, 650)
    if axis_code == "water":
        draw.polygon([(left, horizon + 40), (left + 420, horizon + 20), (left + 480, 900),
                      (left - 80, 900)], fill=thing)
    else:
        draw.rectangle((left, horizon - 220, left + 380, horizon + 10), fill=thing,
                       outline=(60, 60, 60), width=4)
        for window in range(3):
            x = left + 40 + window * 115
            draw.rectangle((x, horizon - 170, x + 70, horizon - 100), fill=(70, 90, 120))
    draw.rectangle((0, 0, 1200, 70), fill=(20, 20, 20))
    draw.text((24, 18), LABEL, fill=(255, 255, 255), font_size=34)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


@lru_cache(maxsize=64)
def demo_photo(axis_code: str, seed: int):
    """The synthetic picture re-encoded as an upload is (:func:`process_photo`), drawn and
    encoded once per process: the demo is loaded again and again by the tests."""
    from roadmap.media.images import process_photo

    return process_photo(synthetic_picture(axis_code, seed))
