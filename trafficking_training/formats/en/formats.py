"""English date and time formats (Django's date-filter letters).

The names beyond Django's own are this project's: templates and documents ask for a
named format (`|date:"LONG_DATE_FORMAT"`), and each language says how it reads, so that
word order follows the language and not only the day and month names.
"""

LONG_DATE_FORMAT = "l, F j, Y"  # Tuesday, December 22, 2026
DAY_DATE_FORMAT = "l, F j"  # Tuesday, December 22
CARD_DATE_FORMAT = "D, M j"  # Tue, Dec 22
PLAIN_DATE_FORMAT = "F j, Y"  # December 22, 2026
SHORT_PLAIN_DATE_FORMAT = "M j, Y"  # Dec 22, 2026
CLOCK_FORMAT = "g:i A"  # 9:00 AM
CLOCK_ZONE_FORMAT = "g:i A T"  # 9:00 AM CST
STAMP_FORMAT = "F j, Y g:i A T"  # December 22, 2026 9:00 AM CST
