/* The mini-map of a located proposal: its point among the communes' outlines.
 *
 * Reads data-lat, data-lon, data-code (the proposal's commune, drawn stronger),
 * data-geojson-url, data-images-path, data-tile-url and data-tile-attribution from
 * [data-proposal-map]. The map shows the commune, the point in it, and its neighbours' outlines.
 * No inline script; without JavaScript the map simply stays hidden.
 */
(function () {
  "use strict";

  function style(code) {
    return function (feature) {
      var own = feature.properties && feature.properties.code === code;
      return { color: "#0b5d3b", weight: own ? 2.5 : 1, fillColor: "#0b5d3b",
               fillOpacity: own ? 0.12 : 0.03 };
    };
  }

  function setup(element) {
    var data = element.dataset;
    var point = [parseFloat(data.lat), parseFloat(data.lon)];
    if (!isFinite(point[0]) || !isFinite(point[1])) { return; }
    L.Icon.Default.imagePath = data.imagesPath;
    element.hidden = false;
    var map = L.map(element, { maxZoom: 18, scrollWheelZoom: false });
    map.setView(point, 15);
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { maxZoom: 18, attribution: data.tileAttribution || "" })
        .addTo(map);
    }
    fetch(data.geojsonUrl, { headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (geojson) {
        if (!geojson) { return; }
        var own = null;
        L.geoJSON(geojson, {
          style: style(data.code),
          interactive: false,
          onEachFeature: function (feature, layer) {
            if (feature.properties && feature.properties.code === data.code) { own = layer; }
          }
        }).addTo(map);
        if (own) {
          map.fitBounds(own.getBounds().extend(point), { maxZoom: 15, padding: [12, 12] });
        }
      })
      .catch(function () { /* the marker alone is still shown */ });
    L.marker(point, { keyboard: false }).addTo(map);
  }

  function start() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll("[data-proposal-map]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
