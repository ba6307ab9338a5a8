"""SIP trunks and where numbers route: services, API and pages."""
