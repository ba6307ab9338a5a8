"""Signing in safely: login lockouts and password-reset limits (``login``), two-factor authentication
(``two_factor``), the sessions a person has open (``sessions``), the pages for all of it (``views``) and
the middleware that holds people to the two-factor rules (``middleware``)."""
