// Trygg's maps (Leaflet), as progressive enhancement: every map container also holds a
// text saying that the same information is in the tables beside it, and pages work
// without this file. Loaded as an external file because the CSP allows no inline script.
//
// A map container is <div data-map …> with:
//   data-areas-url      GeoJSON FeatureCollection of areas: one layer per area kind
//   data-area-url       one area from /api/v1/areas/{id}: its polygon and its places
//   data-places-url     places from /api/v1/places
//   data-marker         "lat,lon" of a point to mark (a place)
//   data-tile-url       tile URL template; none: our polygons on a plain background
//   data-attribution    the tiles' attribution
//   data-layer-names    JSON: area kind / "places" → layer name, and control labels
//   data-layers-control offer the layer switcher
//   data-pick           a click fills #place-lat/#place-lon and chooses #place-crs-wgs84
//   data-pick-status    id of a live region told what was filled in (data-pick-message,
//                       with {lat} and {lon})
//   data-error-message  shown when the data cannot be loaded
'use strict';

(function () {
  // Outline colours have at least 3:1 contrast against the plain map background
  // (#eef1f4) and OpenStreetMap's light tiles (WCAG 1.4.11).
  var STYLES = {
    kommun: { color: '#0b2f4f', weight: 3, fill: false },
    district: { color: '#6a2c8c', weight: 2.5, fillOpacity: 0.08 },
    regso: { color: '#0b4f8a', weight: 1.5, fillOpacity: 0.05 },
    deso: { color: '#4d535b', weight: 1, fillOpacity: 0.04 },
    permit_area: { color: '#b3261e', weight: 2.5, dashArray: '8 5', fillOpacity: 0.08 },
    bf_area: { color: '#1d6b37', weight: 2.5, fillOpacity: 0.08 },
    custom: { color: '#7a4b00', weight: 2.5, fillOpacity: 0.08 },
  };
  var ORDER = ['kommun', 'district', 'regso', 'deso', 'permit_area', 'bf_area', 'custom'];
  // Layers shown at first on the overview map; the rest are one click away.
  var SHOWN = { kommun: true, district: true, permit_area: true, bf_area: true, custom: true };
  var SWEDEN = [
    [55.0, 10.5],
    [69.1, 24.2],
  ];

  function getJson(url) {
    return fetch(url, {
      credentials: 'same-origin',
      headers: { Accept: 'application/json, application/geo+json' },
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(url + ' answered ' + response.status);
      }
      return response.json();
    });
  }

  /** Popup content built from nodes (never HTML strings): a link and a detail line. */
  function popup(href, name, detail) {
    var box = document.createElement('div');
    var strong = document.createElement('strong');
    var a = document.createElement('a');
    a.href = href;
    a.textContent = name;
    strong.appendChild(a);
    box.appendChild(strong);
    if (detail) {
      box.appendChild(document.createElement('br'));
      box.appendChild(document.createTextNode(detail));
    }
    return box;
  }

  function style(kind, emphasised) {
    var base = STYLES[kind] || STYLES.custom;
    var s = {};
    for (var key in base) {
      s[key] = base[key];
    }
    if (emphasised) {
      s.weight = 3;
      s.fill = true;
      s.fillOpacity = 0.15;
    }
    return s;
  }

  function placeMarker(place, names) {
    var marker = L.circleMarker([place.lat, place.lon], {
      radius: 6,
      color: '#1a1d21',
      weight: 2,
      fillColor: '#ffd24d',
      fillOpacity: 1,
    });
    marker.bindPopup(popup('/places/' + place.id, place.name, place.kind));
    return marker;
  }

  function init(container) {
    if (typeof L === 'undefined') {
      return;
    }
    var data = container.dataset;
    var names = {};
    try {
      names = JSON.parse(data.layerNames || '{}');
    } catch (error) {
      names = {};
    }
    var fallback = container.querySelector('.map-fallback');
    if (fallback) {
      fallback.remove();
    }

    var map = L.map(container, { zoomControl: false, zoomSnap: 0.5 });
    L.control
      .zoom({ zoomInTitle: names.zoom_in || 'Zoom in', zoomOutTitle: names.zoom_out || 'Zoom out' })
      .addTo(map);
    map.fitBounds(SWEDEN);
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { attribution: data.attribution || '', maxZoom: 19 }).addTo(map);
    }

    var overlays = [];
    var fit = null;
    var work = [];

    if (data.areasUrl) {
      work.push(
        getJson(data.areasUrl).then(function (collection) {
          var byKind = {};
          (collection.features || []).forEach(function (feature) {
            var kind = feature.properties.kind;
            (byKind[kind] = byKind[kind] || []).push(feature);
          });
          var all = L.latLngBounds([]);
          ORDER.forEach(function (kind) {
            if (!byKind[kind]) {
              return;
            }
            var layer = L.geoJSON(
              { type: 'FeatureCollection', features: byKind[kind] },
              {
                style: function () {
                  return style(kind, false);
                },
                onEachFeature: function (feature, shape) {
                  var p = feature.properties;
                  shape.bindPopup(popup('/areas/' + p.id, p.name, (names[kind] || kind) + ' ' + p.code));
                },
              },
            );
            all.extend(layer.getBounds());
            var shown = !data.layersControl || SHOWN[kind];
            overlays.push({ name: names[kind] || kind, layer: layer, shown: shown });
          });
          if (!fit && all.isValid()) {
            fit = all;
          }
        }),
      );
    }

    if (data.areaUrl) {
      work.push(
        getJson(data.areaUrl).then(function (area) {
          var layer = L.geoJSON(
            { type: 'Feature', geometry: area.geometry, properties: {} },
            {
              style: function () {
                return style(area.kind, true);
              },
            },
          );
          layer.bindPopup(popup('/areas/' + area.id, area.name, area.code));
          overlays.unshift({ name: area.name, layer: layer, shown: true });
          fit = layer.getBounds();
          var places = L.layerGroup((area.places || []).map(function (p) {
            return placeMarker(p, names);
          }));
          overlays.push({ name: names.places || 'Places', layer: places, shown: true });
        }),
      );
    }

    if (data.placesUrl) {
      work.push(
        getJson(data.placesUrl).then(function (places) {
          var layer = L.layerGroup(places.map(function (p) {
            return placeMarker(p, names);
          }));
          overlays.push({ name: names.places || 'Places', layer: layer, shown: true });
        }),
      );
    }

    var pickMarker = null;
    function mark(lat, lon) {
      if (pickMarker) {
        pickMarker.setLatLng([lat, lon]);
      } else {
        pickMarker = L.circleMarker([lat, lon], {
          radius: 8,
          color: '#1a1d21',
          weight: 3,
          fillColor: '#b3261e',
          fillOpacity: 1,
        }).addTo(map);
        if (names.place) {
          pickMarker.bindTooltip(names.place);
        }
      }
    }
    var markerAt = (data.marker || '').split(',').map(Number);
    var hasMarker = markerAt.length === 2 && markerAt.every(isFinite) && data.marker !== '';
    if (hasMarker) {
      mark(markerAt[0], markerAt[1]);
    }

    if (data.pick !== undefined) {
      var lat = document.getElementById('place-lat');
      var lon = document.getElementById('place-lon');
      var wgs84 = document.getElementById('place-crs-wgs84');
      var status = data.pickStatus ? document.getElementById(data.pickStatus) : null;
      map.on('click', function (event) {
        var la = event.latlng.lat.toFixed(6);
        var lo = event.latlng.lng.toFixed(6);
        if (lat && lon) {
          lat.value = la;
          lon.value = lo;
        }
        if (wgs84 && !wgs84.checked) {
          wgs84.checked = true;
          wgs84.dispatchEvent(new Event('change', { bubbles: true }));
        }
        mark(Number(la), Number(lo));
        if (status) {
          status.textContent = (data.pickMessage || '').replace('{lat}', la).replace('{lon}', lo);
        }
      });
    }

    Promise.all(work)
      .then(function () {
        var control = data.layersControl !== undefined ? L.control.layers(null, null, { collapsed: true }) : null;
        overlays.forEach(function (o) {
          if (o.shown) {
            o.layer.addTo(map);
          }
          if (control) {
            control.addOverlay(o.layer, o.name);
          }
        });
        if (control) {
          control.addTo(map);
          var toggle = control.getContainer().querySelector('.leaflet-control-layers-toggle');
          if (toggle && names.layers) {
            toggle.title = names.layers;
            toggle.setAttribute('aria-label', names.layers);
          }
        }
        if (pickMarker) {
          pickMarker.bringToFront();
        }
        if (hasMarker) {
          map.setView(markerAt, 15);
        } else if (fit && fit.isValid()) {
          map.fitBounds(fit, { padding: [12, 12] });
        }
      })
      .catch(function () {
        var message = document.createElement('p');
        message.className = 'map-error';
        message.setAttribute('role', 'status');
        message.textContent = data.errorMessage || 'The map data could not be loaded.';
        container.parentNode.insertBefore(message, container.nextSibling);
      });
  }

  // Coordinate-system choice in the place form: show only the chosen pair of fields.
  // Without JavaScript both pairs stay visible and the radio button decides.
  function initCrsChoice() {
    var radios = document.querySelectorAll('[data-crs-choice]');
    if (radios.length === 0) {
      return;
    }
    function update() {
      var chosen = null;
      radios.forEach(function (radio) {
        if (radio.checked) {
          chosen = radio.value;
        }
      });
      document.querySelectorAll('[data-crs-fields]').forEach(function (fieldset) {
        fieldset.hidden = chosen !== null && fieldset.getAttribute('data-crs-fields') !== chosen;
      });
    }
    radios.forEach(function (radio) {
      radio.addEventListener('change', update);
    });
    update();
  }

  initCrsChoice();
  document.querySelectorAll('[data-map]').forEach(init);
})();
