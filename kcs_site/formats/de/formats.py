# German dates as German support pages write them: numeric day, month and year.
DATE_FORMAT = "d.m.Y"  # 05.12.2026
SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i"  # 05.12.2026 14:30
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
