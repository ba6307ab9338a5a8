"""Invoices a client can legally receive: the reseller's legal profile and its clients' billing profiles
(``profiles``), VAT treatment (``vat``), the numbered series (``numbering``), the document as issued
(``document``), its UBL 2.1 form (``ubl``) and sending and reminding (``sending``)."""
