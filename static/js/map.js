/* The consultation's map: communes coloured by the chosen measure, proposals as clustered
 * markers loaded for the visible area only, and the published roadmap's intervention areas.
 *
 * Everything comes from the data-* attributes of [data-consultation-map] (no inline script).
 * Popups are built from DOM text nodes (never innerHTML with user text). Without JavaScript
 * the map stays hidden and the page's legend and figures table say the same thing.
 */
(function () {
  "use strict";

  var NO_DATA = "#d9d9d9";

  function json(text, fallback) {
    try { return JSON.parse(text || ""); } catch (error) { return fallback; }
  }

  function escapeText(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.appendChild(document.createTextNode(String(text))); }
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  function formatter(lang) {
    var locale = lang === "ar" ? "ar-MA-u-nu-latn" : lang;
    var format;
    try { format = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }); } catch (e) { format = null; }
    return function (value) {
      if (value === null || value === undefined) { return "—"; }
      return format ? format.format(value) : String(value);
    };
  }

  function communeName(props, lang) {
    return (lang === "ar" ? props.name_ar : props.name_fr) || props.name_fr || props.code;
  }

  function communePopup(props, data, labels, number) {
    var box = el("div", null, { "class": "map-popup", dir: data.dir, lang: data.lang });
    box.appendChild(el("strong", communeName(props, data.lang)));
    var list = el("dl");
    ["proposals", "supports", "participants", "participants_per_1000", "no_running_water",
     "population_2024"].forEach(function (key) {
      list.appendChild(el("dt", labels[key] || key));
      list.appendChild(el("dd", number(props[key]), { "data-figure": key }));
    });
    box.appendChild(list);
    var link = el("a", labels.open_commune, { href: data.communeUrl.replace("CODE", encodeURIComponent(props.code)) });
    box.appendChild(el("p")).appendChild(link);
    return box;
  }

  function proposalPopup(props, data, labels, number) {
    var box = el("div", null, { "class": "map-popup", dir: data.dir, lang: data.lang });
    box.appendChild(el("a", props.title, { href: props.url }));
    var list = el("dl");
    list.appendChild(el("dt", labels.supports));
    list.appendChild(el("dd", number(props.supports)));
    box.appendChild(list);
    return box;
  }

  function itemPopup(props, data, labels) {
    var box = el("div", null, { "class": "map-popup", dir: data.dir, lang: data.lang });
    box.appendChild(el("strong", (props.rank ? props.rank + ". " : "") + (props.title || "")));
    box.appendChild(el("p", labels.progress + ": " + (props.progress || 0) + " %"));
    return box;
  }

  function addCommunes(map, data, labels, number, done) {
    var colours = json(data.colours, {});
    return fetch(data.communesUrl, { headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (geojson) {
        if (!geojson) { return; }
        var layer = L.geoJSON(geojson, {
          style: function (feature) {
            return { color: "#555", weight: 1, fillOpacity: 0.7,
                     fillColor: colours[feature.properties.code] || NO_DATA };
          },
          onEachFeature: function (feature, featureLayer) {
            var props = feature.properties;
            featureLayer.bindTooltip(communeName(props, data.lang), { sticky: true });
            featureLayer.bindPopup(function () { return communePopup(props, data, labels, number); });
            featureLayer.on("add", function () {
              var path = featureLayer.getElement && featureLayer.getElement();
              if (path) { path.setAttribute("data-commune", props.code); }
            });
          }
        }).addTo(map);
        done(layer);
      });
  }

  function proposalsLoader(map, data, labels, number, status) {
    var cluster = L.markerClusterGroup({ chunkedLoading: true });
    map.addLayer(cluster);
    var controls = document.getElementById("map-controls");
    var pending = null;

    function query() {
      var bounds = map.getBounds();
      var params = new URLSearchParams();
      params.set("bbox", [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
        .map(function (value) { return value.toFixed(5); }).join(","));
      ["axis", "status"].forEach(function (name) {
        var field = controls && controls.elements[name];
        if (field && field.value) { params.set(name, field.value); }
      });
      return data.proposalsUrl + "&" + params.toString();
    }

    function load() {
      if (pending) { pending.abort(); }
      pending = new AbortController();
      fetch(query(), { headers: { Accept: "application/geo+json" }, signal: pending.signal })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (geojson) {
          if (!geojson) { return; }
          cluster.clearLayers();
          var markers = geojson.features.map(function (feature) {
            var c = feature.geometry.coordinates;
            var marker = L.marker([c[1], c[0]], { title: feature.properties.title });
            marker.bindPopup(function () { return proposalPopup(feature.properties, data, labels, number); });
            return marker;
          });
          cluster.addLayers(markers);
          if (status) { status.textContent = geojson.truncated ? labels.truncated : ""; }
        })
        .catch(function () { /* aborted or offline: keep the markers shown */ });
    }

    map.on("moveend", load);
    if (controls) {
      ["axis", "status"].forEach(function (name) {
        var field = controls.elements[name];
        if (field) { field.addEventListener("change", load); }
      });
    }
    return load;
  }

  function addRoadmap(map, data, labels) {
    if (!data.roadmapUrl) { return; }
    var colours = json(data.axisColours, {});
    fetch(data.roadmapUrl, { headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (geojson) {
        if (!geojson) { return; }
        L.geoJSON(geojson, {
          style: function (feature) {
            var colour = colours[feature.properties.axis] || "#333";
            return { color: colour, weight: 3, fillColor: colour, fillOpacity: 0.25, dashArray: "6 4" };
          },
          pointToLayer: function (feature, latlng) {
            var colour = colours[feature.properties.axis] || "#333";
            return L.circleMarker(latlng, { radius: 8, color: colour, fillColor: colour, fillOpacity: 0.8 });
          },
          onEachFeature: function (feature, layer) {
            layer.bindPopup(function () { return itemPopup(feature.properties, data, labels); });
          }
        }).addTo(map);
      })
      .catch(function () { /* the communes and proposals stay shown */ });
  }

  function setup(element) {
    var data = element.dataset;
    var labels = json(data.labels, {});
    var number = formatter(data.lang);
    var status = document.getElementById("map-status");
    L.Icon.Default.imagePath = data.imagesPath;
    element.hidden = false;
    var map = L.map(element, { maxZoom: 18, zoomSnap: 0.5 });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(escapeText(data.credits));
    map.setView([31.63, -7.99], 10);
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { maxZoom: 18, attribution: data.tileAttribution || "" }).addTo(map);
    }
    var load = proposalsLoader(map, data, labels, number, status);
    addCommunes(map, data, labels, number, function (layer) {
      map.fitBounds(layer.getBounds());
      addRoadmap(map, data, labels);
      load();
    }).catch(function () { load(); });
    element.setAttribute("data-ready", "true");
  }

  function start() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll("[data-consultation-map]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
