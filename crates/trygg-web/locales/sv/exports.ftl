# Export av incidentlistans urval.
incidents-export-heading = Exportera urvalet
incidents-export-hint = Alla händelser i urvalet ovan, inte bara den här sidan. Exporten loggas.
incidents-export-csv = Ladda ner CSV (Excel)
incidents-export-geojson = Ladda ner GeoJSON (GIS)
