"""A starter set of support-language synonyms, loaded by a migration; KB owners edit them in the UI."""

STARTER_SYNONYMS = [
    "2fa, two-factor authentication, two factor authentication, mfa, multi-factor authentication",
    "repo, repository",
    "pr, pull request",
    "login, log in, sign in, signin",
    "logout, log out, sign out",
    "delete, remove",
    "refund, money back, reimbursement",
    "invoice, bill",
    "wifi, wi-fi, wireless",
    "org, organization, organisation",
    "email, e-mail",
    "ci, continuous integration",
]
