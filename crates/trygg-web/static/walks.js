// The safety-walk route map (Leaflet), as progressive enhancement: the route is in the
// table (or the text box) beside the map, and every page works without this file.
// Loaded as an external file because the CSP allows no inline script.
//
// A map container is <div data-walk-map …> with:
//   data-stops-table   id of the route table: rows with data-lat, data-lon, data-name
//   data-stops-input   id of the planning form's route box ("Name; lat, lon" per line):
//                      the map shows what is typed, and a click adds a stop at the end
//   data-stop-name     the name a clicked stop gets (followed by its number)
//   data-pick-status   id of a live region told what a click added (data-pick-message)
//   data-tile-url      tile URL template; none: the route on a plain background
//   data-attribution   the tiles' attribution
'use strict';

(function () {
  // Linköping, when there is nothing to show yet.
  var HOME = [58.4108, 15.6214];

  function fromTable(table) {
    var stops = [];
    table.querySelectorAll('tr[data-lat]').forEach(function (row) {
      stops.push({
        name: row.getAttribute('data-name') || '',
        lat: Number(row.getAttribute('data-lat')),
        lon: Number(row.getAttribute('data-lon')),
      });
    });
    return stops;
  }

  function fromInput(input) {
    var stops = [];
    input.value.split('\n').forEach(function (line, n) {
      var parts = line.split(';');
      if (parts.length < 2) {
        return;
      }
      var c = parts[1].split(',').map(Number);
      if (c.length === 2 && c.every(isFinite)) {
        stops.push({ name: n + 1 + '. ' + parts[0].trim(), lat: c[0], lon: c[1] });
      }
    });
    return stops;
  }

  function init(container) {
    if (typeof L === 'undefined') {
      return;
    }
    var data = container.dataset;
    var table = data.stopsTable ? document.getElementById(data.stopsTable) : null;
    var input = data.stopsInput ? document.getElementById(data.stopsInput) : null;
    var status = data.pickStatus ? document.getElementById(data.pickStatus) : null;
    container.textContent = '';
    var map = L.map(container, { scrollWheelZoom: false });
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { attribution: data.attribution || '', maxZoom: 19 }).addTo(map);
    }
    var layer = L.layerGroup().addTo(map);

    function draw(stops, fit) {
      layer.clearLayers();
      var points = [];
      stops.forEach(function (s) {
        var p = [s.lat, s.lon];
        points.push(p);
        L.circleMarker(p, {
          radius: 9,
          color: '#0b2f4f',
          weight: 3,
          fillColor: '#ffffff',
          fillOpacity: 1,
        })
          .bindTooltip(s.name)
          .addTo(layer);
      });
      if (points.length > 1) {
        // Outline contrast at least 3:1 against the plain background and light tiles.
        L.polyline(points, { color: '#6a2c8c', weight: 3, dashArray: '8 6' }).addTo(layer);
      }
      if (!fit) {
        return;
      }
      if (points.length > 1) {
        map.fitBounds(points, { padding: [24, 24] });
      } else if (points.length === 1) {
        map.setView(points[0], 16);
      } else {
        map.setView(HOME, 13);
      }
    }

    if (table) {
      draw(fromTable(table), true);
    }
    if (input) {
      draw(fromInput(input), true);
      input.addEventListener('input', function () {
        draw(fromInput(input), false);
      });
      map.on('click', function (event) {
        var la = event.latlng.lat.toFixed(5);
        var lo = event.latlng.lng.toFixed(5);
        var lines = input.value.replace(/\s+$/, '');
        var count = lines === '' ? 0 : lines.split('\n').length;
        var name = (data.stopName || 'Stop') + ' ' + (count + 1);
        input.value = (lines === '' ? '' : lines + '\n') + name + '; ' + la + ', ' + lo;
        draw(fromInput(input), false);
        if (status) {
          status.textContent = (data.pickMessage || '') + ' ' + name + ', ' + la + ', ' + lo;
        }
      });
    }
  }

  document.querySelectorAll('[data-walk-map]').forEach(init);
})();
