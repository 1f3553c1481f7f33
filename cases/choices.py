from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    # The system of record a case lives in; (source, external_id) names a case.
    ZENDESK = "zendesk", "Zendesk"
    FRESHDESK = "freshdesk", "Freshdesk"
    SERVICENOW = "servicenow", "ServiceNow"
    SALESFORCE = "salesforce", "Salesforce"
    EMAIL = "email", _("Email")
    HELP_CENTRE = "help-centre", _("Help centre")
    MANUAL = "manual", _("Typed by an agent")


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


class RequesterKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PARTNER = "partner", _("Partner")


class LinkKind(models.TextChoices):
    SOLVED = "solved", _("Solved it")
    REFERENCE = "reference", _("Reference")
    CREATED = "created", _("Created from this case")


# Links that count as reuse of an article (KCS "reuse"); `created` is the create side.
REUSE_KINDS = (LinkKind.SOLVED, LinkKind.REFERENCE)


class Outcome(models.TextChoices):
    # Recorded when a case is solved or closed: the base of the link rate and "known vs new".
    KNOWN = "known", _("Known — solved with an existing article")
    NEW = "new", _("New — an article was created from it")
    NO_LINK = "none", _("No link")


# --- process adherence reviews (PAR): a coach's answers about one decided case ---------------


class SearchedFirst(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    # The case shows no search either way (searches are recorded when an article is written from
    # the panel): not counted in the search-first rate, in neither part of it.
    UNKNOWN = "unknown", _("Can't tell")


class LinkAccuracy(models.TextChoices):
    YES = "yes", _("Yes, the right article")
    NO = "no", _("No, a wrong or weak article")
    NOT_APPLICABLE = "na", _("Not applicable (no link)")
