"""Read-only GeoJSON layers (open data, cacheable with ETag and Last-Modified)."""
from __future__ import annotations

from flask import Blueprint, request

from roadmap.maps.layers import Layer, communes_layer

bp = Blueprint("maps", __name__)

GEOJSON = "application/geo+json"


def geojson_response(layer: Layer, max_age: int = 300):
    """Answer with ``layer``, or 304 when the client's copy is current."""
    from flask import make_response

    response = make_response(layer.body)
    response.mimetype = GEOJSON
    response.set_etag(layer.etag)
    if layer.last_modified is not None:
        response.last_modified = layer.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)


@bp.get("/api/v1/communes.geojson")
def communes_geojson():
    """Every commune's simplified boundary with its code, names and population."""
    return geojson_response(communes_layer())
