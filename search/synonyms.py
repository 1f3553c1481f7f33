"""Starter sets of support-language synonyms, loaded by migrations; KB owners edit them in the UI.

Each list is loaded once, by the migration named above it. New groups go in a new list with a
new migration (so sites that ran the earlier ones get them too), never into a list already
loaded. A query word is looked up as typed (lowercased, not stemmed): list the forms people
type, plurals and short forms included.
"""

# search/migrations/0002_starter_synonyms.py
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
    "pat, personal access token, access token",
    "sso, single sign-on, saml",
    "env, environment",
    "vars, variables",
    "credit card, payment method, card",
    "2sv, two-step verification",
    "vpn, virtual private network",
    "sms, text message",
    "cc, credit card",
    "acct, account",
    "pw, pwd, password",
    "dm, direct message",
    "faq, frequently asked questions",
    "ssl, tls, https certificate",
]

# search/migrations/0004_support_synonyms.py: common short forms and plain-language phrasings of
# software-support words. A group is skipped where one of its words is already in a group.
SUPPORT_SYNONYMS = [
    "auth, authentication, authenticate",
    "authz, authorization, authorisation, authorize",
    "config, configs, conf, configuration, configure",
    "perm, perms, permission, permissions",
    "notif, notifs, notification, notifications",
    "dep, deps, dependency, dependencies",
    "vuln, vulns, vulnerability, vulnerabilities",
    "admin, admins, administrator, administrators",
    "app, apps, application, applications",
    "docs, documentation",
    "dir, dirs, directory, directories, folder, folders",
    "info, information",
    "msg, msgs, message, messages",
    "pkg, pkgs, package, packages",
    "db, database",
    "cert, certs, certificate, certificates",
    "creds, credential, credentials",
    "sig, signature",
    "err, error",
    "perf, performance",
    "mgmt, management",
    "cli, command line, command-line",
    "ui, user interface",
    "yml, yaml",
    "js, javascript",
    "py, python",
    "k8s, kubernetes",
    "turn off, switch off, disable, deactivate",
    "turn on, switch on, enable, activate",
    "sign up, signup, register, create account",
    "unsubscribe, opt out",
    "bug, defect",
    "slow, sluggish, laggy",
]

# search/migrations/0012_searchlang_german_synonyms.py: a German starter set (language "de"). As
# for English, list the forms people type: plurals and inflected forms are stemmed by the index,
# but a synonym is looked up as typed.
GERMAN_SYNONYMS = [
    "2fa, zwei-faktor-authentifizierung, zwei-faktor-authentisierung, mfa, zweistufige anmeldung",
    "passwort, kennwort, pw",
    "anmelden, einloggen, login, log-in",
    "abmelden, ausloggen, logout",
    "löschen, entfernen",
    "erstattung, rückerstattung, geld zurück, rückzahlung",
    "rechnung, faktura, beleg",
    "wlan, wi-fi, wifi, drahtlosnetzwerk",
    "e-mail, email, mail",
    "vpn, virtuelles privates netzwerk",
    "drucker, druckgerät",
    "konto, benutzerkonto, account",
    "einstellungen, optionen, konfiguration",
    "fehler, störung, problem",
    "herunterladen, download, runterladen",
    "sms, textnachricht",
    "kreditkarte, zahlungsmethode, zahlungsart",
]


def restore_starter_synonyms() -> None:
    """The shipped groups, as the migrations above add them, when the table is empty: a database
    emptied after its migrations ran (a transactional test's flush); the migrations seed them
    otherwise. The first set is taken whole; a later group sharing a word with an earlier one of
    its language is left out, as there."""
    from .models import Synonym

    if Synonym.objects.exists():
        return
    rows = [Synonym(terms=terms, language="en") for terms in STARTER_SYNONYMS]
    for language, groups in (("en", SUPPORT_SYNONYMS), ("de", GERMAN_SYNONYMS)):
        taken = {m.strip().lower() for row in rows if row.language == language for m in row.terms.split(",") if m.strip()}
        for terms in groups:
            members = {m.strip().lower() for m in terms.split(",") if m.strip()}
            if not members & taken:
                rows.append(Synonym(terms=terms, language=language))
                taken |= members
    Synonym.objects.bulk_create(rows)
