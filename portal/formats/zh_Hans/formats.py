# Chinese: thousands grouped by three with "," (as prices are written in mainland China).
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
TIMESTAMP_FORMAT = "Y/m/d H:i:s"
WEEKDAY_FORMAT = "n月j日 D"
