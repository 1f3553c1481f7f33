"""The site's own date formats per interface language (settings.FORMAT_MODULE_PATH); what a module
here leaves out comes from Django's locale formats.

Pages name formats, never patterns (`|date:"DATE_FORMAT"`), so each language writes dates its way:
"5 Dec 2026" in English, "05.12.2026" in German.
"""
