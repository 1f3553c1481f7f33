"""Demo translations: German versions of demo articles (articles/translations.py), so the
translation panel, the side-by-side editor, the out-of-date note and the translators' queue have
something to show. One is left out of date (its source changed materially after it was
translated), and one is internal only although its source is public, which outside readers must
never see. Called by articles.demo.load; safe to run again."""

from __future__ import annotations

from django.db import transaction

from . import translations
from .models import Article, Audience

# source slug -> the German text. Rules: (action, notes) in the source's order. Slugs in ASCII, as
# German authors often write them (ae, oe, ue, ss).
GERMAN = {
    "toy-order-not-arrived": {
        "slug": "spielzeugbestellung-nicht-angekommen",
        "title": "Meine Spielzeugbestellung ist immer noch nicht angekommen",
        "issue": (
            "„Ich habe vor zwei Wochen ein Set bestellt und es ist immer noch nicht da. "
            "Die Sendungsverfolgung hat sich seit Tagen nicht bewegt.“"
        ),
        "environment": (
            "- Bricks & Toys Webshop, Standard- oder Expressversand\n"
            "- Status der Sendungsverfolgung hängt bei „Unterwegs“ oder „An Versanddienstleister übergeben“"
        ),
        "resolution": (
            "1. Öffnen Sie die Bestellung und prüfen Sie das zugesagte Lieferdatum. Der Standardversand dauert "
            "3–7 Werktage, der Expressversand 1–2.\n"
            "2. Ist das zugesagte Datum noch nicht erreicht, erklären wir den aktuellen Status und senden Ihnen den "
            "Link zur Sendungsverfolgung.\n"
            "3. Ist das Datum um 1–4 Werktage überschritten, bitten wir den Versanddienstleister, das Paket zu "
            "suchen. Er antwortet innerhalb von 2 Werktagen.\n"
            "4. Ist das Datum um 5 oder mehr Werktage überschritten oder ist das Paket verloren, senden wir Ihnen "
            "Ersatz. Ist das Set ausverkauft, erstatten wir Ihnen stattdessen den vollen Betrag.\n"
            "5. Kam eine Expressbestellung zu spät an, erstatten wir die Expressgebühr (6,95 EUR).\n\n"
            ":::internal\n"
            "- Nachforschungsauftrag: **Versand > Nachforschung**.\n"
            "- Verlorenes Paket: Ersatzbestellung mit Grund `LP-02 Lost parcel`, danach die Nachforschung stornieren.\n"
            ":::"
        ),
        "cause": (
            "Die meisten Verzögerungen entstehen in den Spitzenwochen (November und Dezember) im regionalen "
            "Verteilzentrum des Versanddienstleisters. Ein kleiner Teil der Pakete geht verloren oder wird falsch "
            "sortiert und erhält nie wieder einen Scan."
        ),
        "rules": [
            ("die Expressgebühr erstatten, wenn die Lieferung verspätet war", ""),
            ("Ersatz für ein verlorenes Paket senden", ""),
            ("Ersatz für ein verlorenes Paket mit höherem Warenwert senden", ""),
            ("ein zweites verlorenes Paket an dieselbe Adresse innerhalb von 6 Monaten bearbeiten", ""),
        ],
        "authority_note": (
            "Wiederholte Verluste an eine Adresse können Betrug oder ein Problem beim Versanddienstleister sein; "
            "der Order Desk prüft beides, bevor etwas erneut verschickt wird."
        ),
    },
    "billing-charged-twice": {
        "slug": "zweimal-abgebucht",
        "title": "Mir wurde diesen Monat zweimal abgebucht",
        "issue": "„Auf meinem Kontoauszug stehen zwei Zahlungen von 39,99 an Northwind am selben Tag.“",
        "environment": (
            "- Jedes Northwind-Abonnement, das per Karte oder Lastschrift bezahlt wird\n"
            "- Sie sehen zwei gleiche Beträge auf Ihrem Kontoauszug"
        ),
        "resolution": (
            "1. Wir prüfen den Status jeder Zahlung der letzten 30 Tage:\n"
            "   - **Autorisiert**: eine vorübergehende Reservierung, keine Zahlung. Sie verschwindet innerhalb "
            "von 7 Tagen.\n"
            "   - Zweimal **abgerechnet** mit derselben Rechnungsnummer: eine echte Doppelbuchung.\n"
            "2. Eine echte Doppelbuchung erstatten wir: 3–5 Werktage bei Karten, 1–2 bei Lastschrift. Die "
            "Referenz der Erstattung beginnt mit `RF-`.\n"
            "3. Gehören die beiden Zahlungen zu **verschiedenen** Rechnungen, betrifft jede Rechnung etwas "
            "anderes (oft eine einmalige Gebühr und der Monatsbeitrag).\n\n"
            ":::internal\n"
            "Öffnen Sie **Billing > Payments** und filtern Sie auf die letzten 30 Tage. Erstatten Sie die zweite "
            "Zahlung mit **Refund > Duplicate payment**.\n"
            ":::"
        ),
        "cause": (
            "Die meisten „Doppelabbuchungen“ sind eine vorübergehende Kartenautorisierung neben der echten "
            "Zahlung. Echte Doppelbuchungen entstehen, wenn ein erneuter Zahlungsversuch gelingt, obwohl der "
            "erste bereits angenommen war."
        ),
        "rules": [
            ("eine bestätigte Doppelbuchung erstatten", ""),
            ("eine Doppelbuchung über 200 EUR erstatten", ""),
            (
                "Doppelbuchungen bearbeiten, die mehrere Kunden gleichzeitig betreffen",
                "Das deutet auf eine Störung beim Zahlungsdienstleister hin.",
            ),
        ],
        "authority_note": (
            "Melden mehr als zwei Kunden in einer Schicht dieselbe Doppelbuchung, informieren Sie sofort "
            "Billing Escalations: Dann handelt es sich wahrscheinlich um eine Störung, nicht um einen Einzelfall."
        ),
    },
    "internet-down-red-light": {
        "slug": "internet-weg-router-leuchte-rot",
        "title": "Mein Internet geht nicht und die Leuchte am Router ist rot",
        "issue": "„Nichts geht, kein WLAN, kein Internet, und die kleine Leuchte „Internet“ ist rot.“",
        "environment": (
            "- Northwind Home Internet, Glasfaser oder VDSL\n"
            "- Router NW-Box 5 oder NW-Box 6 (Modell auf dem Aufkleber an der Unterseite)"
        ),
        "resolution": (
            "1. Gibt es in Ihrer Gegend eine bekannte Störung, nennen wir Ihnen die voraussichtliche Behebungszeit "
            "und können Sie per SMS auf dem Laufenden halten.\n"
            "2. Prüfen Sie das Kabel von der Wanddose zum Anschluss **WAN/Fibre** (grau oder grün). Es sollte "
            "hörbar einrasten.\n"
            "3. Starten Sie den Router neu: ausschalten, 30 Sekunden warten, einschalten. Warten Sie 3 Minuten.\n"
            "4. Ist die Leuchte weiter rot, testen wir die Leitung von unserer Seite und buchen bei Bedarf einen "
            "Techniker zum nächsten freien Termin. Tage ohne Dienst schreiben wir Ihnen gut.\n\n"
            ":::internal\n"
            "- Störungsprüfung: **Network > Outage map** für die Postleitzahl des Kunden. Bekannte Störung: hier "
            "aufhören.\n"
            "- **Leitungstest** im Agent-Tool:\n"
            "  - `LOS` (Signalverlust): Fehler an der Leitung oder der Glasfaserdose; Techniker buchen.\n"
            "  - `SYNC OK / PPP FAIL`: Zugangsdaten im Tool zurücksetzen (**Router > Push config**).\n"
            "  - `SYNC OK / PPP OK`: Die Leitung ist in Ordnung; stattdessen WLAN und Geräte prüfen.\n"
            ":::"
        ),
        "cause": (
            "Eine rote Internet-Leuchte bedeutet, dass der Router unser Netz nicht erreicht. Ursachen sind "
            "örtliche Störungen, lose Kabel, ein Fehler an der Leitung außerhalb der Wohnung oder beschädigte "
            "Router-Einstellungen."
        ),
        "rules": [
            ("Diensttage für eine bestätigte Störung gutschreiben", ""),
            ("längere Störungen gutschreiben", ""),
            ("einen Technikerbesuch buchen", ""),
            ("eine dringende Reparatur am selben Tag anfordern (medizinischer Bedarf, Homeoffice-Betrieb)", ""),
        ],
        "authority_note": (
            "Reparaturen am selben Tag und wiederholte Störungen innerhalb von 30 Tagen gehen an den "
            "NOC-Bereitschaftsdienst unter Durchwahl 4410. Halten Sie das Ergebnis des Leitungstests bereit."
        ),
    },
    "toy-instructions-missing": {
        "slug": "bauanleitung-fehlt-oder-beschaedigt",
        "title": "Die Bauanleitung fehlt oder ist beschädigt",
        "issue": (
            "„Im Karton war keine Bauanleitung“ oder „die Anleitung ist nass geworden und zerrissen – "
            "wie bauen wir das Set jetzt?“"
        ),
        "environment": "- Jedes Bricks & Toys Set\n- Sie haben ein Telefon, Tablet oder einen Computer",
        "resolution": (
            "1. Halten Sie die Setnummer bereit (5 Ziffern auf dem Karton oder auf dem ersten Beutel).\n"
            "2. Alle Anleitungen finden Sie online unter **bricksandtoys.example/build/SETNUMMER**, auch für "
            "ältere Sets, jeweils als PDF.\n"
            "3. Tipp: In der Mobile App finden Sie dieselben Anleitungen in 3D unter **Bauen > Karton scannen**; "
            "die Teile lassen sich drehen und vergrößern.\n"
            "4. Können Sie kein PDF öffnen, senden wir Ihnen kostenlos eine gedruckte Anleitung. Sie kommt in "
            "5–7 Werktagen an.\n\n"
            ":::internal\n"
            "Gedruckte Anleitung: mit Grundcode `IB-03` bestellen.\n"
            ":::"
        ),
        "cause": (
            "Bei großen Sets wird die Anleitung getrennt von den Beuteln verpackt und an der Packstation "
            "manchmal vergessen oder auf dem Transportweg geknickt."
        ),
        "rules": [],
        "authority_note": "",
    },
    "thermostat-display-blank": {
        "slug": "thermostat-display-leer",
        "title": "Das Display des Thermostats ist leer",
        "environment": "Smart Thermostat, Wandgerät mit Batterie oder am C-Draht.",
        "resolution": (
            "1. Prüfen Sie, ob die Heizung noch läuft: Ein leeres Display bei laufender Heizung ist der "
            "Bildschirmschoner.\n"
            "2. Tippen Sie einmal auf das Display und warten Sie fünf Sekunden.\n"
            "3. Bleibt es leer, nehmen Sie das Gerät von der Halterung und setzen Sie es wieder auf: Dadurch "
            "startet es neu.\n"
            "4. Immer noch leer: Tauschen Sie die Batterien (zwei AA, auf der Rückseite des Geräts)."
        ),
        "sections": {
            "symptom": "Das Thermostat an der Wand zeigt gar nichts an, nicht einmal die Uhrzeit.",
            "checklist": (
                "Heizung läuft wieder\nDisplay zeigt die Temperatur\nKunde kennt die Einstellung des Bildschirmschoners"
            ),
            "agent_tips": "Der Bildschirmschoner lässt sich in der App unter **Gerät > Anzeige** ausschalten.",
        },
        "rules": [],
        "authority_note": "",
    },
    # Internal only, although the source is public: staff read it, customers never see it.
    "hotel-confirmation-not-received": {
        "slug": "hotel-bezahlt-keine-bestaetigung",
        "audience": Audience.INTERNAL,
        "title": "Hotel bezahlt, aber keine Bestätigungs-E-Mail erhalten",
        "issue": "„Das Geld ist abgebucht, aber ich habe keine Bestätigung. Ist mein Zimmer gebucht oder nicht?“",
        "environment": "- Hotel Bookings Website oder Mobile App\n- Die Zahlung steht auf dem Kontoauszug des Kunden",
        "resolution": (
            "1. Suchen Sie die Buchung über die E-Mail-Adresse und die letzten 4 Ziffern der Karte.\n"
            "2. Ist die Buchung **Bestätigt**, senden Sie die Bestätigung erneut; der Kunde soll die Ordner "
            "Spam und „Werbung“ prüfen.\n"
            "3. Ist die E-Mail unzustellbar (roter Umschlag), korrigieren Sie die Adresse mit dem Kunden und "
            "senden Sie erneut.\n"
            "4. Steht die Buchung auf **Hotel ausstehend**, hat das Hotel noch nicht angenommen. Die meisten "
            "nehmen innerhalb von 30 Minuten an; ist sie älter als 2 Stunden, kontaktieren Sie das Hotel oder "
            "eskalieren Sie.\n"
            "5. Gibt es keine Buchung, aber eine Zahlung, ist es nur eine Kartenautorisierung. Sie wird innerhalb "
            "von 7 Tagen automatisch freigegeben; nennen Sie dem Kunden die Autorisierungsreferenz."
        ),
        "cause": (
            "Meist ist die Bestätigung im Spam gelandet oder an eine vertippte Adresse gegangen. Seltener nimmt "
            "das Hotel spät an oder die Buchung ist nach der Kartenautorisierung fehlgeschlagen."
        ),
        "rules": [
            ("Bestätigungen erneut senden und die E-Mail-Adresse korrigieren", ""),
            ("in einem anderen Hotel umbuchen, wenn das ursprüngliche Hotel nie angenommen hat", ""),
            ("bei Hotels nachhaken, deren Buchungen länger als 2 Stunden ausstehen", ""),
        ],
        "authority_note": (
            "Ist der Check-in in weniger als 24 Stunden und die Buchung noch ausstehend, eskalieren Sie sofort, statt zu warten."
        ),
    },
}

# The source changed materially after its German translation was made: the translation shows as
# out of date, with the source's changes since.
OUTDATED_SOURCE = "internet-down-red-light"
OUTDATED_CHANGE = (
    "3. Restart the router: power off, wait 30 seconds, power on. Wait 3 minutes.",
    "3. Restart the router: power off, wait 30 seconds, power on. Wait 5 minutes: since the firmware "
    "update of March the NW-Box 6 takes longer to connect.",
)


def load(users: dict) -> None:
    translator = users["publisher"]
    for slug, text in GERMAN.items():
        source = Article.objects.filter(slug=slug, translation_of=None).first()
        if source is None or source.translations.filter(language="de").exists():
            continue
        with transaction.atomic():
            _translate(source, text, translator)
            if slug == OUTDATED_SOURCE:
                _change_source(source, users["contributor"])


def _translate(source: Article, text: dict, translator) -> Article:
    texts = {name: text[name] for name in ("issue", "environment", "resolution", "cause", "authority_note") if name in text}
    if "sections" in text:
        texts["sections"] = text["sections"]
    german = translations.create(
        source,
        by=translator,
        language="de",
        title=text["title"],
        texts=texts,
        rule_words=[{"action": action, "notes": notes} for action, notes in text["rules"]],
        audience=text.get("audience", source.audience),
        note="Übersetzung ins Deutsche",
        slug=text["slug"],
    )
    german.validate(by=translator, note="Übersetzung geprüft")
    return german


def _change_source(source: Article, editor) -> None:
    source.refresh_from_db()
    old, new = OUTDATED_CHANGE
    if old not in source.resolution:
        return
    source.edit(
        by=editor,
        base_version=source.version,
        changes={"resolution": source.resolution.replace(old, new)},
        note="The NW-Box 6 needs 5 minutes to connect after a restart",
        material=True,
    )
