// Trygg: maps and conveniences of the EST reporting pages (report form, incident list,
// incident page), as progressive enhancement. Every page works without this file: the
// report form has a place list, coordinate fields and an address field; every map has
// the same information in text or a table beside it. Loaded as an external file because
// the CSP allows no inline script.
//
// Report form, per incident block N:
//   [data-report-map=N]    a map; a click fills #iN-lat/#iN-lon and chooses WGS84
//   [data-locate=N]        "use my position" (shown only where geolocation exists)
//   [data-crs-choice=N]    the coordinate-system radios: only the chosen pair is shown
// Incident list and page:
//   [data-incident-map]    data-geojson-url (points of the table's incidents) and/or
//                          data-marker ("lat,lon" of one incident)
// Every map: data-areas-url (district outlines, for orientation without tiles),
// data-tile-url, data-attribution, data-labels (JSON of texts).
'use strict';

(function () {
  var SWEDEN = [
    [55.0, 10.5],
    [69.1, 24.2],
  ];

  function labelsOf(element) {
    try {
      return JSON.parse((element && element.dataset.labels) || '{}');
    } catch (error) {
      return {};
    }
  }

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

  function showError(container, text) {
    var message = document.createElement('p');
    message.className = 'map-error';
    message.setAttribute('role', 'status');
    message.textContent = text || 'The map data could not be loaded.';
    container.parentNode.insertBefore(message, container.nextSibling);
  }

  function baseMap(container, labels) {
    var fallback = container.querySelector('.map-fallback');
    if (fallback) {
      fallback.remove();
    }
    var map = L.map(container, { zoomControl: false, zoomSnap: 0.5 });
    L.control
      .zoom({ zoomInTitle: labels.zoom_in || 'Zoom in', zoomOutTitle: labels.zoom_out || 'Zoom out' })
      .addTo(map);
    map.fitBounds(SWEDEN);
    if (container.dataset.tileUrl) {
      L.tileLayer(container.dataset.tileUrl, {
        attribution: container.dataset.attribution || '',
        maxZoom: 19,
      }).addTo(map);
    }
    return map;
  }

  /** Draws the district outlines (not clickable) and resolves to their bounds. */
  function outlines(map, url) {
    if (!url) {
      return Promise.resolve(null);
    }
    return getJson(url).then(function (collection) {
      var layer = L.geoJSON(collection, {
        interactive: false,
        style: function () {
          return { color: '#6a2c8c', weight: 2, fillOpacity: 0.04 };
        },
      }).addTo(map);
      layer.bringToBack();
      var bounds = layer.getBounds();
      return bounds.isValid() ? bounds : null;
    });
  }

  function pointMarker(lat, lon, colour) {
    return L.circleMarker([lat, lon], {
      radius: 8,
      color: '#1a1d21',
      weight: 2,
      fillColor: colour,
      fillOpacity: 1,
    });
  }

  /** A number typed the Swedish way ("58,41") or not. */
  function number(text) {
    var value = parseFloat(String(text || '').replace(/\s/g, '').replace(',', '.'));
    return isFinite(value) ? value : null;
  }

  // ------------------------------------------------------------------ report form

  var fillers = {};

  function initReportMap(container) {
    var block = container.dataset.reportMap;
    var labels = labelsOf(container);
    var map = baseMap(container, labels);
    var lat = document.getElementById('i' + block + '-lat');
    var lon = document.getElementById('i' + block + '-lon');
    var wgs84 = document.getElementById('i' + block + '-crs-wgs84');
    var status = document.getElementById('i' + block + '-map-status');
    var marker = null;

    function mark(la, lo) {
      if (marker) {
        marker.setLatLng([la, lo]);
      } else {
        marker = pointMarker(la, lo, '#b3261e').addTo(map);
      }
    }

    function fill(la, lo, message) {
      if (lat && lon) {
        lat.value = la;
        lon.value = lo;
      }
      if (wgs84 && !wgs84.checked) {
        wgs84.checked = true;
        wgs84.dispatchEvent(new Event('change', { bubbles: true }));
      }
      mark(Number(la), Number(lo));
      if (status && message) {
        status.textContent = message.replace('{lat}', la).replace('{lon}', lo);
      }
    }
    fillers[block] = function (la, lo, message) {
      fill(la, lo, message);
      map.setView([Number(la), Number(lo)], 16);
    };

    var startLat = lat ? number(lat.value) : null;
    var startLon = lon ? number(lon.value) : null;
    var hasStart = startLat !== null && startLon !== null && (!wgs84 || wgs84.checked);
    if (hasStart) {
      mark(startLat, startLon);
    }
    map.on('click', function (event) {
      fill(event.latlng.lat.toFixed(6), event.latlng.lng.toFixed(6), labels.picked);
    });
    outlines(map, container.dataset.areasUrl)
      .then(function (bounds) {
        if (hasStart) {
          map.setView([startLat, startLon], 15);
        } else if (bounds) {
          map.fitBounds(bounds, { padding: [8, 8] });
        }
      })
      .catch(function () {
        showError(container, labels.load_failed);
      });
  }

  function initLocate(button) {
    if (!('geolocation' in navigator)) {
      return;
    }
    var block = button.dataset.locate;
    var container = document.querySelector('[data-report-map="' + block + '"]');
    var labels = labelsOf(container);
    var status = document.getElementById('i' + block + '-map-status');
    button.hidden = false;
    button.addEventListener('click', function () {
      if (status) {
        status.textContent = labels.locating || '';
      }
      navigator.geolocation.getCurrentPosition(
        function (position) {
          var la = position.coords.latitude.toFixed(6);
          var lo = position.coords.longitude.toFixed(6);
          if (fillers[block]) {
            fillers[block](la, lo, labels.located);
          } else {
            var lat = document.getElementById('i' + block + '-lat');
            var lon = document.getElementById('i' + block + '-lon');
            if (lat && lon) {
              lat.value = la;
              lon.value = lo;
            }
            if (status && labels.located) {
              status.textContent = labels.located.replace('{lat}', la).replace('{lon}', lo);
            }
          }
        },
        function () {
          if (status) {
            status.textContent = labels.locate_failed || '';
          }
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
      );
    });
  }

  // The coordinate-system choice of each block: show only the chosen pair. Without
  // JavaScript both pairs stay visible and the radio button decides.
  function initCrsChoices() {
    var blocks = {};
    document.querySelectorAll('[data-crs-choice]').forEach(function (radio) {
      var block = radio.getAttribute('data-crs-choice');
      (blocks[block] = blocks[block] || []).push(radio);
    });
    Object.keys(blocks).forEach(function (block) {
      var radios = blocks[block];
      function update() {
        var chosen = null;
        radios.forEach(function (radio) {
          if (radio.checked) {
            chosen = radio.value;
          }
        });
        document.querySelectorAll('[data-crs-fields][data-block="' + block + '"]').forEach(function (pair) {
          pair.hidden = chosen !== null && pair.getAttribute('data-crs-fields') !== chosen;
        });
      }
      radios.forEach(function (radio) {
        radio.addEventListener('change', update);
      });
      update();
    });
  }

  // ------------------------------------------------------------------ incident maps

  function popup(properties, labels) {
    var box = document.createElement('div');
    var strong = document.createElement('strong');
    var a = document.createElement('a');
    a.href = '/incidenter/' + properties.id;
    a.textContent = (labels.incident || 'Incident') + ' ' + properties.id + ': ' + properties.category_name;
    strong.appendChild(a);
    box.appendChild(strong);
    [properties.occurred, properties.status, properties.organisation].forEach(function (line) {
      if (line) {
        box.appendChild(document.createElement('br'));
        box.appendChild(document.createTextNode(line));
      }
    });
    return box;
  }

  function initIncidentMap(container) {
    var labels = labelsOf(container);
    var map = baseMap(container, labels);
    var data = container.dataset;
    var at = (data.marker || '').split(',').map(Number);
    var hasMarker = data.marker && at.length === 2 && at.every(isFinite);
    if (hasMarker) {
      pointMarker(at[0], at[1], '#b3261e').addTo(map);
    }
    var work = [outlines(map, data.areasUrl)];
    if (data.geojsonUrl) {
      work.push(
        getJson(data.geojsonUrl).then(function (collection) {
          var layer = L.geoJSON(collection, {
            pointToLayer: function (feature, latlng) {
              return pointMarker(latlng.lat, latlng.lng, '#ffd24d');
            },
            onEachFeature: function (feature, shape) {
              shape.bindPopup(popup(feature.properties, labels));
            },
          }).addTo(map);
          var bounds = layer.getBounds();
          return bounds.isValid() ? bounds : null;
        }),
      );
    }
    Promise.all(work)
      .then(function (results) {
        if (hasMarker) {
          map.setView(at, 15);
        } else if (results[1]) {
          map.fitBounds(results[1], { padding: [16, 16], maxZoom: 15 });
        } else if (results[0]) {
          map.fitBounds(results[0], { padding: [8, 8] });
        }
      })
      .catch(function () {
        showError(container, labels.load_failed);
      });
  }

  initCrsChoices();
  if (typeof L !== 'undefined') {
    document.querySelectorAll('[data-report-map]').forEach(initReportMap);
    document.querySelectorAll('[data-incident-map]').forEach(initIncidentMap);
  }
  document.querySelectorAll('[data-locate]').forEach(initLocate);
})();
