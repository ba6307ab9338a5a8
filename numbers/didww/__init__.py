"""The DIDWW-compatible JSON:API at /api/v3: how our numbers read as DIDWW resources, and its views."""
