"""Spanish date and time formats: the same names as formats/en/formats.py."""

LONG_DATE_FORMAT = r"l, j \d\e F \d\e Y"  # martes, 22 de diciembre de 2026
DAY_DATE_FORMAT = r"l, j \d\e F"  # martes, 22 de diciembre
CARD_DATE_FORMAT = "D j b"  # mar 22 dic
PLAIN_DATE_FORMAT = r"j \d\e F \d\e Y"  # 22 de diciembre de 2026
SHORT_PLAIN_DATE_FORMAT = "j b Y"  # 22 dic 2026
CLOCK_FORMAT = "G:i"  # 9:00
CLOCK_ZONE_FORMAT = "G:i T"  # 9:00 CST
STAMP_FORMAT = r"j \d\e F \d\e Y, G:i T"  # 22 de diciembre de 2026, 9:00 CST
