# A date with its time, as the site's pages have always written it: 5 Dec 2026 14:30.
SHORT_DATETIME_FORMAT = "j M Y H:i"
