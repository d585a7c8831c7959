/* Draw a roadmap item's intervention area on a map by clicking points.
 *
 * [data-area-input] names the GeoJSON textarea the drawing is written to (and read from), so
 * the form posts the same field with or without JavaScript. Choose Point, Line or Polygon,
 * then click the map: a point takes one click, a line two or more, a polygon three or more.
 * "Clear" empties the area (the communes' boundaries then stand for it). The server validates
 * the shape (type, validity, inside the prefecture). Without JavaScript the map stays hidden.
 */
(function () {
  "use strict";

  function toGeoJSON(kind, points) {
    var coords = points.map(function (p) { return [round(p.lng), round(p.lat)]; });
    if (kind === "Point" && coords.length) { return { type: "Point", coordinates: coords[coords.length - 1] }; }
    if (kind === "LineString" && coords.length >= 2) { return { type: "LineString", coordinates: coords }; }
    if (kind === "Polygon" && coords.length >= 3) {
      return { type: "Polygon", coordinates: [coords.concat([coords[0]])] };
    }
    return null;
  }

  function round(value) { return Math.round(value * 1e6) / 1e6; }

  function button(label, onClick) {
    var element = document.createElement("button");
    element.type = "button";
    element.textContent = label;
    element.addEventListener("click", onClick);
    return element;
  }

  function setup(element) {
    var data = element.dataset;
    var input = document.getElementById(data.areaInput);
    if (!input) { return; }
    L.Icon.Default.imagePath = data.imagesPath;
    element.hidden = false;
    var map = L.map(element, { maxZoom: 18 });
    map.setView([31.63, -7.99], 9);
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { maxZoom: 18, attribution: data.tileAttribution || "" }).addTo(map);
    }
    var kind = "Point";
    var points = [];
    var drawn = L.layerGroup().addTo(map);

    function redraw() {
      drawn.clearLayers();
      var shape = toGeoJSON(kind, points);
      points.forEach(function (p) { L.circleMarker(p, { radius: 4 }).addTo(drawn); });
      if (shape) { L.geoJSON(shape).addTo(drawn); }
      input.value = shape ? JSON.stringify(shape) : "";
    }

    var tools = document.createElement("div");
    tools.className = "roadmap-area-tools";
    [["Point", data.labelPoint], ["LineString", data.labelLine], ["Polygon", data.labelPolygon]]
      .forEach(function (pair) {
        var b = button(pair[1], function () {
          kind = pair[0];
          points = kind === "Point" ? points.slice(-1) : points;
          tools.querySelectorAll("button").forEach(function (x) { x.removeAttribute("aria-pressed"); });
          b.setAttribute("aria-pressed", "true");
          redraw();
        });
        if (pair[0] === kind) { b.setAttribute("aria-pressed", "true"); }
        tools.appendChild(b);
      });
    tools.appendChild(button(data.labelClear, function () { points = []; redraw(); }));
    element.parentNode.insertBefore(tools, element);

    map.on("click", function (event) {
      points = kind === "Point" ? [event.latlng] : points.concat([event.latlng]);
      redraw();
    });

    fetch(data.geojsonUrl, { headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (geojson) {
        if (!geojson) { return; }
        var outlines = L.geoJSON(geojson, {
          interactive: false, style: { color: "#0b5d3b", weight: 1, fillOpacity: 0.03 }
        }).addTo(map);
        var bounds = outlines.getBounds();
        if (bounds.isValid()) { map.fitBounds(bounds); }
        showExisting();
      })
      .catch(function () { showExisting(); });

    function showExisting() {
      try {
        var existing = input.value ? JSON.parse(input.value) : null;
        if (existing) {
          var layer = L.geoJSON(existing, { style: { color: "#b34700" } }).addTo(drawn);
          if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { maxZoom: 15 }); }
        }
      } catch (error) { /* the server tells what is wrong with the typed text */ }
    }
  }

  function start() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll("[data-area-input]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
