/* The map picker of the proposal form.
 *
 * Reads everything from the data-* attributes of [data-map-picker] (no inline script):
 * a click or a tap places a draggable marker; its point goes into the hidden latitude and
 * longitude fields and the commune select is set from GET data-locate-url?lat=&lon=
 * (JSON {id, code, name}, or 422 {error} for a point outside the prefecture, which is then
 * removed). The select stays usable by keyboard and without JavaScript; the server checks
 * the point again when the form is sent.
 */
(function () {
  "use strict";

  var OUTLINE = { color: "#0b5d3b", weight: 1.5, fillColor: "#0b5d3b", fillOpacity: 0.06 };
  var DECIMALS = 6;

  function byId(id) { return id ? document.getElementById(id) : null; }

  function communeName(feature, lang) {
    var props = feature.properties || {};
    return (lang === "ar" ? props.name_ar : props.name_fr) || props.name_fr || props.code;
  }

  function drawCommunes(map, url, lang, done) {
    fetch(url, { headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (geojson) {
        if (!geojson) { return; }
        var layer = L.geoJSON(geojson, {
          style: OUTLINE,
          interactive: false,
          onEachFeature: function (feature, featureLayer) {
            featureLayer.bindTooltip(communeName(feature, lang), { sticky: true });
          }
        }).addTo(map);
        if (done) { done(layer); }
      })
      .catch(function () { /* the select still works without the outlines */ });
  }

  function addTiles(map, data) {
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { maxZoom: 18, attribution: data.tileAttribution || "" })
        .addTo(map);
    }
  }

  function setupPicker(element) {
    var data = element.dataset;
    var latInput = byId(data.latInput);
    var lonInput = byId(data.lonInput);
    var select = byId(data.communeSelect);
    var status = byId(data.status);
    var clearButton = byId(data.clear);
    var marker = null;

    L.Icon.Default.imagePath = data.imagesPath;
    element.hidden = false;
    var map = L.map(element, { maxZoom: 18, zoomSnap: 0.5 });
    map.setView([31.63, -7.99], 11);
    addTiles(map, data);

    function say(message) { if (status) { status.textContent = message; } }

    function removePoint(message) {
      if (marker) { map.removeLayer(marker); marker = null; }
      latInput.value = "";
      lonInput.value = "";
      if (clearButton) { clearButton.hidden = true; }
      say(message || "");
    }

    function chooseCommune(id) {
      if (!select) { return; }
      select.value = String(id);
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function locate(latlng) {
      latInput.value = latlng.lat.toFixed(DECIMALS);
      lonInput.value = latlng.lng.toFixed(DECIMALS);
      if (clearButton) { clearButton.hidden = false; }
      var url = data.locateUrl + "?lat=" + encodeURIComponent(latInput.value) +
        "&lon=" + encodeURIComponent(lonInput.value);
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (result) {
          if (result.ok) {
            chooseCommune(result.body.id);
            say(data.msgLocated.replace("{name}", result.body.name));
          } else {
            removePoint(result.body.error);
          }
        })
        .catch(function () { say(data.msgFailed); });
    }

    function place(latlng) {
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.marker(latlng, { draggable: true, autoPan: true }).addTo(map);
        marker.on("dragend", function () { locate(marker.getLatLng()); });
      }
      locate(latlng);
    }

    map.on("click", function (event) { place(event.latlng); });
    if (clearButton) {
      clearButton.addEventListener("click", function () { removePoint(data.msgCleared); });
    }

    var lat = parseFloat(latInput.value);
    var lon = parseFloat(lonInput.value);
    var hasPoint = isFinite(lat) && isFinite(lon);
    if (hasPoint) {
      marker = L.marker([lat, lon], { draggable: true, autoPan: true }).addTo(map);
      marker.on("dragend", function () { locate(marker.getLatLng()); });
      if (clearButton) { clearButton.hidden = false; }
    }
    drawCommunes(map, data.geojsonUrl, data.lang, function (layer) {
      if (hasPoint) {
        map.setView([lat, lon], 15);
      } else {
        map.fitBounds(layer.getBounds());
      }
    });
  }

  function start() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll("[data-map-picker]").forEach(setupPicker);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
