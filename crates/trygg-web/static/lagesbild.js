// Trygg: the weekly lägesbild's hot-spot map, as progressive enhancement. The page
// lists the same cells in a table; this only draws them. Loaded as an external file
// because the CSP allows no inline script.
//
//   [data-hot-map]  data-cells (JSON: [{corners: [[lat, lon] x4], bin, label}]),
//                   data-bounds ("south,west,north,east" of the area)
'use strict';

(function () {
  // Hot (red) and cold (blue) by confidence; the table and the tooltip say the same
  // in words, so colour is never the only carrier.
  var COLOURS = {
    3: '#b3261e',
    2: '#d8584f',
    1: '#f0a39d',
    '-1': '#9ec3ec',
    '-2': '#4f8fd8',
    '-3': '#0b4f8a',
  };

  function init(container) {
    var cells = [];
    var bounds = null;
    try {
      cells = JSON.parse(container.dataset.cells || '[]');
      var b = (container.dataset.bounds || '').split(',').map(Number);
      if (b.length === 4 && b.every(isFinite)) {
        bounds = [
          [b[0], b[1]],
          [b[2], b[3]],
        ];
      }
    } catch (error) {
      return;
    }
    var fallback = container.querySelector('.map-fallback');
    if (fallback) {
      fallback.remove();
    }
    var map = L.map(container, { zoomSnap: 0.5 });
    if (bounds) {
      map.fitBounds(bounds);
      L.rectangle(bounds, { color: '#6a2c8c', weight: 2, fillOpacity: 0.02, interactive: false }).addTo(map);
    } else {
      map.setView([58.41, 15.62], 11);
    }
    cells.forEach(function (cell) {
      var colour = COLOURS[String(cell.bin)] || '#777777';
      L.polygon(cell.corners, {
        color: colour,
        weight: 1,
        fillColor: colour,
        fillOpacity: 0.55,
      })
        .bindTooltip(cell.label)
        .addTo(map);
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (typeof L === 'undefined') {
      return;
    }
    document.querySelectorAll('[data-hot-map]').forEach(init);
  });
})();
