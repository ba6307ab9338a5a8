"""Regulatory compliance: profiles, documents, staff decisions and the hold sweep."""
