from django.db import models


class Source(models.TextChoices):
    # The system of record a case lives in; (source, external_id) names a case.
    ZENDESK = "zendesk", "Zendesk"
    FRESHDESK = "freshdesk", "Freshdesk"
    SERVICENOW = "servicenow", "ServiceNow"
    SALESFORCE = "salesforce", "Salesforce"
    EMAIL = "email", "Email"
    HELP_CENTRE = "help-centre", "Help centre"
    MANUAL = "manual", "Typed by an agent"


class Status(models.TextChoices):
    OPEN = "open", "Open"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


class RequesterKind(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    PARTNER = "partner", "Partner"


class LinkKind(models.TextChoices):
    SOLVED = "solved", "Solved it"
    REFERENCE = "reference", "Reference"
    CREATED = "created", "Created from this case"


# Links that count as reuse of an article (KCS "reuse"); `created` is the create side.
REUSE_KINDS = (LinkKind.SOLVED, LinkKind.REFERENCE)


class Outcome(models.TextChoices):
    # Recorded when a case is solved or closed: the base of the link rate and "known vs new".
    KNOWN = "known", "Known — solved with an existing article"
    NEW = "new", "New — an article was created from it"
    NO_LINK = "none", "No link"


# --- process adherence reviews (PAR): a coach's answers about one decided case ---------------


class SearchedFirst(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    # The case shows no search either way (searches are recorded when an article is written from
    # the panel): not counted in the search-first rate, in neither part of it.
    UNKNOWN = "unknown", "Can't tell"


class LinkAccuracy(models.TextChoices):
    YES = "yes", "Yes, the right article"
    NO = "no", "No, a wrong or weak article"
    NOT_APPLICABLE = "na", "Not applicable (no link)"
