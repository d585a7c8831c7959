/* The map of a commune page: the commune's outline (its neighbours faint) and its located
 * proposals, clustered, each with a popup linking to it (built from text nodes).
 * Reads the data-* attributes of [data-commune-map]; no inline script.
 */
(function () {
  "use strict";

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.appendChild(document.createTextNode(String(text))); }
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  function escapeText(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.ok ? response.json() : null; });
  }

  function popup(props, data) {
    var box = el("div", null, { "class": "map-popup", dir: data.dir, lang: data.lang });
    box.appendChild(el("a", props.title, { href: props.url }));
    box.appendChild(el("p", data.supportsLabel + ": " + props.supports));
    return box;
  }

  function setup(element) {
    var data = element.dataset;
    L.Icon.Default.imagePath = data.imagesPath;
    element.hidden = false;
    var map = L.map(element, { maxZoom: 18, scrollWheelZoom: false });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(escapeText(data.credits));
    map.setView([31.63, -7.99], 10);
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { maxZoom: 18, attribution: data.tileAttribution || "" }).addTo(map);
    }
    var cluster = L.markerClusterGroup ? L.markerClusterGroup() : L.layerGroup();
    map.addLayer(cluster);
    getJSON(data.communesUrl).then(function (geojson) {
      if (!geojson) { return; }
      var own = null;
      L.geoJSON(geojson, {
        interactive: false,
        style: function (feature) {
          var mine = feature.properties.code === data.code;
          return { color: "#0b5d3b", weight: mine ? 2.5 : 0.8, fillColor: "#0b5d3b",
                   fillOpacity: mine ? 0.12 : 0.02 };
        },
        onEachFeature: function (feature, layer) {
          if (feature.properties.code === data.code) { own = layer; }
        }
      }).addTo(map);
      if (own) { map.fitBounds(own.getBounds(), { padding: [8, 8] }); }
    }).catch(function () {});
    getJSON(data.proposalsUrl).then(function (geojson) {
      if (!geojson) { return; }
      geojson.features.forEach(function (feature) {
        var c = feature.geometry.coordinates;
        var marker = L.marker([c[1], c[0]], { title: feature.properties.title });
        marker.bindPopup(function () { return popup(feature.properties, data); });
        cluster.addLayer(marker);
      });
    }).catch(function () {});
  }

  function start() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll("[data-commune-map]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
