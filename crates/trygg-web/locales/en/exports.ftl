# Export of the incident list's selection.
incidents-export-heading = Export the selection
incidents-export-hint = Every incident of the selection above, not only this page. Exports are logged.
incidents-export-csv = Download CSV (Excel)
incidents-export-geojson = Download GeoJSON (GIS)
