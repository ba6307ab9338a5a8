# Arabic: Latin digits with "." for decimals and "," for thousands (see portal.l10n); a 24-hour clock.
# Django's Arabic formats have no date-and-time patterns; these follow its date patterns.
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DATETIME_FORMAT = "j F، Y H:i"
SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y H:i"
TIME_FORMAT = "H:i"
TIMESTAMP_FORMAT = "d\u200f/m\u200f/Y H:i:s"
WEEKDAY_FORMAT = "D j F"
