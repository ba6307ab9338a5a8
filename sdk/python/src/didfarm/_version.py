# The API version this library speaks; it follows the portal's (SPECTACULAR_SETTINGS["VERSION"]), and a
# test in the portal's suite fails when the two differ.
__version__ = "1.0.0"
