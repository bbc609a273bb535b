"""Page benchmark of the portal at provincial scale (not part of the test suite): bench/run.py."""
