"""Maps: GeoJSON layers and map pages. The one domain that may import geopandas at run time."""
