# Hindi: Indian digit grouping (12,34,567.50); Django's Hindi formats have no date-and-time patterns.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = (3, 2, 0)
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
TIME_FORMAT = "H:i"
TIMESTAMP_FORMAT = "d-m-Y H:i:s"
WEEKDAY_FORMAT = "D, j M"
