/* The preview map of a territory import: the polygons of the uploaded file, before anything is
 * written. Reads the data-* attributes of [data-territory-preview] (the GeoJSON is in
 * data-geojson); no inline script. Without JavaScript the table below the map says it all.
 */
(function () {
  "use strict";

  function popup(props, data) {
    var box = document.createElement("div");
    box.className = "map-popup";
    box.setAttribute("dir", data.dir);
    box.setAttribute("lang", data.lang);
    var title = document.createElement("strong");
    title.textContent = data.lang === "ar" ? props.name_ar : props.name_fr;
    box.appendChild(title);
    var code = document.createElement("p");
    code.textContent = props.code + " · " + (props.matched ? data.matchedLabel : data.unmatchedLabel);
    box.appendChild(code);
    return box;
  }

  function setup(element) {
    var data = element.dataset;
    var geojson;
    try { geojson = JSON.parse(data.geojson); } catch (error) { return; }
    element.hidden = false;
    var map = L.map(element, { maxZoom: 18, scrollWheelZoom: false });
    map.attributionControl.setPrefix(false);
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { maxZoom: 18, attribution: data.tileAttribution || "" }).addTo(map);
    }
    var layer = L.geoJSON(geojson, {
      style: function (feature) {
        var matched = feature.properties.matched;
        return { color: matched ? "#0b5d3b" : "#a33", weight: 1.5,
                 fillColor: matched ? "#0b5d3b" : "#a33", fillOpacity: 0.15 };
      },
      onEachFeature: function (feature, polygon) {
        polygon.bindPopup(function () { return popup(feature.properties, data); });
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [8, 8] }); } else { map.setView([31.63, -7.99], 8); }
  }

  function start() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll("[data-territory-preview]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
