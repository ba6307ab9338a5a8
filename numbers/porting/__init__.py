"""Port-in requests: numbers moved here from another carrier, and their completion."""
