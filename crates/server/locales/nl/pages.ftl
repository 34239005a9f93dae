## Shared words
skip-to-content = Naar de inhoud
or = of
save = Opslaan
cancel = Annuleren
confirm = Bevestigen
verify = Controleren
edit = Bewerken
rename = Naam wijzigen
delete = Verwijderen
search = Zoeken
filter = Filteren
show-all = Alles tonen
none = Geen
not-set = Niet ingesteld
created = Aangemaakt
action = Actie
first-page = Eerste pagina
next-page = Volgende pagina
status-on = Aan
status-off = Uit
copied = Gekopieerd
copy-key = Sleutel kopiëren
copy-code = Code kopiëren
copy-codes = Codes kopiëren
print = Afdrukken
start-again = Opnieuw beginnen
back-to-login = Terug naar de inlogpagina
go-to-login = Naar de inlogpagina
go-to-dashboard = Naar het dashboard
last-login = Laatste login
time-never = Nooit
error-request-id = Verzoek-id:
language-switch = Taal

## Fields
field-security-code = Beveiligingscode
field-username = Gebruikersnaam
field-new-username = Nieuwe gebruikersnaam
field-password = Wachtwoord
field-current-password = Huidig wachtwoord
field-new-password = Nieuw wachtwoord
field-repeat-password = Herhaal het nieuwe wachtwoord
field-authentication-code = Verificatiecode
field-recovery-code = Herstelcode
field-name = Naam
field-email = E-mailadres
field-role = Rol
field-status = Status
field-employment-ends = Einde dienstverband
fact-time = Tijdstip
fact-ip = IP-adres
fact-browser = Browser
password-rule = Minstens 12 tekens. Een paar losse woorden vormen een sterk wachtwoord dat makkelijk te onthouden is.
username-rule = 3 tot 64 tekens: letters, cijfers en . _ - @ — uniek binnen je account, hoofdletters tellen niet mee.

## Roles and methods
role-administrator = Beheerder
role-accountant = Accountant
role-employee = Medewerker
role-hint = Beheerders beheren gebruikers en beveiliging. Accountants en beheerders gebruiken elke administratie; medewerkers alleen de administraties die hieronder zijn aangevinkt.
method-password = Wachtwoord
method-password-app = Wachtwoord en app-code
method-password-recovery = Wachtwoord en herstelcode
method-passkey = Passkey

## Menu
menu-label = Hoofdmenu
menu-button = Menu
menu-dashboard = Dashboard
menu-employees = Medewerkers
menu-administrations = Administraties
menu-security-center = Beveiligingscentrum
menu-company-settings = Bedrijfsinstellingen
menu-audit = Logboek
menu-security = Beveiliging en inloggegevens
menu-ip-addresses = IP-adressen
menu-mailbox = Postvak (demo)
log-out = Uitloggen

## Login
login-title = Inloggen
login-button = Inloggen
login-with-passkey = Inloggen met een passkey
login-passkey-autofill = Je browser biedt je passkeys ook aan in het veld Gebruikersnaam.
login-passkey-hint = Met een passkey heb je geen beveiligingscode, gebruikersnaam of wachtwoord nodig: je apparaat ontgrendelt hem met je vingerafdruk, gezicht of pincode.
login-security-code-hint = De beveiligingscode is voor iedereen in je bedrijf hetzelfde. Je beheerder kan je vertellen wat hij is.
forgot-title = Wachtwoord vergeten?
forgot-sent = Als de beveiligingscode en gebruikersnaam bij een actieve gebruiker horen, is er een e-mail onderweg met een link om een nieuw wachtwoord te kiezen. De link werkt één keer, { $minutes } minuten lang.
forgot-no-mail = Na een paar minuten nog geen e-mail? Kijk in je map met ongewenste e-mail, of vraag het je beheerder.
forgot-intro = Vul de beveiligingscode van je bedrijf en je gebruikersnaam in. We mailen je een link om een nieuw wachtwoord te kiezen.
forgot-button = Mail mij een link
forgot-two-factor-applies = Tweestapsverificatie blijft gelden nadat je een nieuw wachtwoord hebt gekozen.
set-password-for = Voor { $username } bij { $account }.
set-password-button = Wachtwoord instellen
two-factor-title = Tweestapsverificatie
login-code-who = Je logt in als { $name } bij { $account }.
login-code-recovery-intro = Vul een van de herstelcodes in die je hebt bewaard toen je tweestapsverificatie instelde. Elke code werkt één keer.
login-code-app-intro = Open je authenticator-app en vul de code van 6 cijfers in die hij voor Portcullis toont.
login-code-remember = Niet meer vragen op dit IP-adres gedurende 30 dagen
login-code-use-app = Toch de authenticator-app gebruiken
login-code-use-recovery = Een herstelcode gebruiken
login-code-lost-phone = Telefoon kwijt? Gebruik een herstelcode, of vraag je beheerder of de helpdesk je tweestapsverificatie te resetten.
new-ip-wait-title = Bevestig je nieuwe IP-adres
new-ip-wait-sent = Je logt in vanaf een IP-adres dat je gebruiker nog niet eerder heeft gebruikt. We hebben een e-mail gestuurd naar { $email }.
new-ip-wait-how = Open de link in die e-mail en kies "Ja, dit was ik". Daarna gaat de login vanzelf verder: deze pagina kijkt om de paar seconden. De link werkt 30 minuten.
new-ip-wait-resend = E-mail opnieuw sturen
new-ip-wait-check-now = Nu kijken
new-ip-wait-no-mail = Geen e-mail? Kijk in je map met ongewenste e-mail. Het adres is het adres in je gebruikersinstellingen; je beheerder kan het wijzigen.
new-ip-block-title = Dit IP-adres blokkeren
new-ip-confirm-title = Een nieuw IP-adres bevestigen
new-ip-waiting-login = Een login als { $username } wacht:
new-ip-block-explain = Was jij dit niet? Blokkeer dan het adres: de login stopt, het adres wordt voortaan geweigerd voor je gebruiker, en je beheerders krijgen bericht.
new-ip-confirm-explain = Was jij dit wel? Bevestig dan het adres: de login gaat verder, en volgende logins vanaf dit adres gaan direct door.
new-ip-wasnt-me = Dit was ik niet
new-ip-was-me = Ja, dit was ik
new-ip-was-me-after-all = Toch wel: ja, dit was ik
reauth-title = Bevestig dat jij het bent
reauth-intro = Voor deze wijziging is je wachtwoord (of een passkey) opnieuw nodig. Daarna kun je 10 minuten lang gevoelige wijzigingen doen zonder dat het opnieuw wordt gevraagd.
reauth-use-passkey = Een passkey gebruiken
reauth-cancel = Annuleren en naar het dashboard

## Passkeys (browser messages)
passkey-js-unsupported = Deze browser ondersteunt geen passkeys.
passkey-js-failed = Er ging iets mis. Laad de pagina opnieuw en probeer het nog eens.
passkey-js-not-created = Er is geen passkey aangemaakt. Probeer het opnieuw als je er klaar voor bent.
passkey-js-exists = Dit apparaat heeft al een passkey voor je.

## Dashboard
dashboard-welcome = Welkom, { $name }
dashboard-administrations = Je administraties
dashboard-no-access = Je hebt nog geen toegang tot een administratie. Vraag je beheerder je toegang te geven.
dashboard-none-yet = Dit account heeft nog geen administraties.

## Security and login details
security-required-notice = { $account } verplicht tweestapsverificatie voor elke gebruiker. Tot je het hier hebt ingesteld, kom je steeds op deze pagina terug en kun je de rest van het systeem niet gebruiken.
security-recovery-left = { $count ->
    [one] Nog 1 herstelcode over.
   *[other] Nog { $count } herstelcodes over.
}
security-manage-two-factor = Tweestapsverificatie beheren
security-two-factor-off-me = Voeg bij elke login een code uit een authenticator-app (zoals Google Authenticator) toe.
security-two-factor-off-other = { $name } heeft geen tweestapsverificatie ingesteld.
security-two-factor-on-me = Bij elke login wordt om de code van de authenticator-app op je telefoon gevraagd.
security-two-factor-on-other = Bij elke login wordt om de code van de authenticator-app gevraagd.
two-factor-turn-on = Tweestapsverificatie aanzetten
passkeys-title = Passkeys
security-passkey-count = { $count ->
    [0] Nog geen passkeys.
    [one] 1 passkey.
   *[other] { $count } passkeys.
}
security-manage-passkeys = Passkeys beheren
security-see-passkeys = Passkeys bekijken
password-title = Wachtwoord
security-password-changed = Laatst gewijzigd: { $when }.
password-change-button = Wachtwoord wijzigen
password-change-ends-sessions = Na het wijzigen ben je overal elders uitgelogd.
security-you-log-in-as = Je logt in als { $username }.
username-change-button = Gebruikersnaam wijzigen
sessions-title = Actieve sessies
security-session-count = { $count ->
    [0] Nergens ingelogd.
    [one] 1 actieve sessie.
   *[other] { $count } actieve sessies.
}
security-see-sessions = Sessies bekijken
ip-security-title = IP-adresbeveiliging
security-ip-blocked-by-account = Elk nieuw IP-adres wacht op bevestiging per e-mail (je bedrijf verplicht dat).
security-ip-auto = Nieuwe IP-adressen worden automatisch gevalideerd; je krijgt over elk adres een e-mail.
security-ip-confirm = Een login vanaf een nieuw IP-adres wacht tot je die per e-mail bevestigt.
security-ip-settings = Instellingen voor IP-adressen
language-title = Taal
language-automatic = Automatisch (de taal van je browser)
language-change = Taal wijzigen
language-legend = De taal van je pagina's en e-mails
language-hint = Automatisch volgt je browser; vraagt die om een taal die Portcullis niet spreekt, dan geldt de standaardtaal van je bedrijf.
recovery-codes-title = Herstelcodes
recovery-codes-new = Nieuwe herstelcodes maken
security-remember-title = Bekende IP-adressen
security-remember-option = Op een bekend IP-adres maar eens per 30 dagen om tweestapsverificatie vragen
security-remember-limited = Je account vraagt bij elke login om tweestapsverificatie, dus deze optie geldt niet.
security-turn-off-title = Uitzetten
security-turn-off-enforced = { $account } verplicht tweestapsverificatie, dus je kunt het niet uitzetten. Heb je een nieuwe telefoon? Vraag een beheerder het te resetten en stel het daarna opnieuw in.
security-turn-off-button = Tweestapsverificatie uitzetten
two-factor-reset-button = Tweestapsverificatie resetten
two-factor-reset-hint = Voor een gebruiker die zijn telefoon kwijt is: de oude app en herstelcodes werken dan niet meer, en de gebruiker krijgt bericht per e-mail.
security-no-passkeys-me = Nog geen passkeys. Met een passkey log je in zonder beveiligingscode, gebruikersnaam of wachtwoord, en zonder tweede stap: je apparaat ontgrendelt hem met je vingerafdruk, gezicht of pincode.
security-no-passkeys-other = { $name } heeft geen passkeys.
passkey-synced = Gesynchroniseerd tussen apparaten
passkey-one-device = Alleen op één apparaat
passkey-created = Aangemaakt { $when }
passkey-last-used = Laatst gebruikt { $when }
passkey-new-name-for = Nieuwe naam voor { $name }
passkey-delete-label = { $name } verwijderen
security-one-passkey = Je hebt één passkey. Maak er een tweede aan op een ander apparaat (bijvoorbeeld je telefoon, of een beveiligingssleutel), zodat je niet wordt buitengesloten als je dit apparaat kwijtraakt.
passkey-new-title = Een nieuwe passkey aanmaken
passkeys-unavailable = Passkeys zijn niet beschikbaar op deze server: de openbare URL moet een domeinnaam gebruiken.
security-ip-explain = Log je met je wachtwoord in vanaf een IP-adres dat je nog niet eerder hebt gebruikt, dan wacht de login tot je die bevestigt met de link die we je mailen.
security-ip-see = Bekijk je IP-adressen.
security-ip-auto-option = Nieuwe IP-adressen automatisch valideren
security-ip-auto-blocked = { $account } blokkeert nieuwe IP-adressen: elk nieuw adres wacht op bevestiging per e-mail, dus deze optie geldt niet.
security-ip-auto-hint = Nieuwe adressen worden meteen gevalideerd en je krijgt over elk nieuw adres een e-mail, in plaats van het eerst te bevestigen.
sessions-table = Lijst met sessies
sessions-none = Geen sessies.
sessions-none-other = { $name } is nergens ingelogd.
sessions-method = Inlogmethode
sessions-started = Begonnen
sessions-last-active = Laatst actief
sessions-this-browser = Deze browser
sessions-end = Beëindigen
sessions-end-label = De sessie van { $browser } vanaf { $ip } beëindigen
sessions-end-others = Alle andere sessies beëindigen
sessions-sign-out-everywhere = Overal uitloggen
sessions-sign-out-everywhere-hint = "Overal uitloggen" beëindigt al je sessies, ook de sessie die je nu gebruikt: doe dit als je denkt dat iemand anders als jou is ingelogd.
sessions-end-all = Alle sessies beëindigen

## Two-factor setup and recovery codes
two-factor-setup-step-1 = Open Google Authenticator (of een andere authenticator-app) op je telefoon en tik op +.
two-factor-setup-step-2 = Scan deze QR-code, of kies voor het invoeren van een instelsleutel en typ de sleutel hieronder over.
two-factor-setup-step-3 = Typ de code van 6 cijfers die de app toont, en druk op Controleren.
two-factor-qr-label = QR-code
two-factor-manual-key = Sleutel om zelf in te voeren
two-factor-setup-key = Instelsleutel
two-factor-setup-details = Op tijd gebaseerd, 6 cijfers, elke 30 seconden. Account: { $username }.
two-factor-setup-only-after-verify = Tweestapsverificatie gaat pas aan als de code is gecontroleerd.
recovery-codes-yours = Je herstelcodes
recovery-codes-first-time = Tweestapsverificatie staat aan. Vanaf nu wordt bij elke login om de code uit je app gevraagd.
recovery-codes-explain = Is je telefoon kwijt of kapot? Log dan in met een van deze codes in plaats van de code uit de app. Elke code werkt één keer. Bewaar ze op een veilige plek, niet bij je telefoon: druk ze af of sla het bestand op.
recovery-codes-only-now = Ze worden alleen nu getoond.
recovery-codes-print-heading = Herstelcodes van Portcullis voor { $username } bij { $account }
recovery-codes-download = Downloaden als tekst
recovery-codes-saved = Ik heb ze bewaard

## Passkey creation
passkey-new-intro = Met een passkey log je in zonder beveiligingscode, gebruikersnaam of wachtwoord: je telefoon, computer, wachtwoordbeheerder of beveiligingssleutel (zoals een YubiKey) ontgrendelt hem met je vingerafdruk, gezicht of pincode. Hij kan niet worden gephisht en werkt alleen op deze site.
passkey-name-optional = Naam (optioneel)
passkey-name-placeholder = Leeg gelaten krijgt hij de naam van je apparaat
passkey-create-button = Passkey aanmaken
passkey-needs-javascript = Voor het aanmaken van een passkey is JavaScript in je browser nodig.
passkeys-unavailable-long = Passkeys zijn niet beschikbaar op deze server: de openbare URL moet een domeinnaam gebruiken (zoals localhost), geen IP-adres. Vraag het je beheerder.
passkey-back = Terug naar Beveiliging en inloggegevens

## Confirmation
confirm-are-you-sure = Weet je het zeker?
confirm-cancel = Annuleren: er verandert niets

## Employees
employees-search-label = Zoeken op naam, gebruikersnaam of e-mailadres
employees-show-everyone = Iedereen tonen
employees-count = { $count ->
    [one] 1 gebruiker
   *[other] { $count } gebruikers
}
employees-count-matching = { $count ->
    [one] 1 gebruiker gevonden voor “{ $search }”
   *[other] { $count } gebruikers gevonden voor “{ $search }”
}
employees-none = Nog geen gebruikers.
employees-no-match = Niemand voldoet aan deze zoekopdracht.
employees-table = Gebruikers
user-new-title = Nieuwe gebruiker
user-new-intro = De nieuwe gebruiker krijgt een e-mail met de beveiligingscode, de gebruikersnaam en een link om een wachtwoord te kiezen. De link werkt één keer, { $hours } uur lang.
user-create-button = Gebruiker aanmaken
user-tabs = Gebruiker
user-tab-details = Gegevens
employee-manage = Beheren
employee-new-invitation = Nieuwe uitnodiging sturen
employee-unlock = Gebruikersnaam deblokkeren
employee-reactivate = Weer activeren
employee-deactivate = Deactiveren
employee-deactivate-hint = Deactiveren logt de gebruiker overal uit en weigert zijn logins tot je hem weer activeert. Er wordt niets van hem verwijderd.
employee-edit-title = { $name } bewerken
employee-email-change-hint = Als het adres verandert, krijgen zowel het oude als het nieuwe adres bericht.
employee-employment-ends-hint = Vanaf het begin van deze dag ({ $zone }) kan de gebruiker niet meer inloggen en eindigen al zijn sessies. Laat leeg als er geen einde is.

## Company settings
account-name-title = Bedrijfsnaam
account-save-name = Naam opslaan
account-code-explain = Iedereen bij { $account } logt in met deze code, zijn gebruikersnaam en zijn wachtwoord.
account-current-code = Huidige beveiligingscode
account-new-code = Nieuwe beveiligingscode
account-new-code-placeholder = Laat leeg om er een te laten maken
account-new-code-hint = Na het wijzigen krijgt elke actieve gebruiker de nieuwe code per e-mail. Open sessies blijven open.
account-change-code = Beveiligingscode wijzigen
account-locale-title = Taal en tijdzone
account-default-language = Standaardtaal
account-default-language-hint = Voor mensen die zelf geen taal hebben gekozen en van wie de browser niet om een taal vraagt die Portcullis spreekt, en voor hun e-mails.
account-time-zone = Tijdzone
account-time-zone-hint = Alle tijden op de pagina's en in de e-mails van dit account worden in deze tijdzone getoond.

## Administrations
administration-you-have-access = Je hebt toegang tot deze administratie.
administration-with-access = Medewerkers met toegang
administration-no-employee = Nog geen medewerker heeft toegang. Beheerders en accountants hebben altijd toegang.
administration-always-access = Beheerders en accountants hebben ook altijd toegang.
administration-fields-legend = Administraties die deze gebruiker mag gebruiken
administration-fields-none = Dit account heeft nog geen administraties.
administration-create-one = Maak er een aan.
administration-fields-hint = Geldt alleen voor medewerkers: beheerders en accountants gebruiken elke administratie.
administrations-intro = Beheerders en accountants gebruiken elke administratie; medewerkers alleen de administraties die je ze op hun gebruikerspagina geeft.
administrations-none = Nog geen administraties. Maak hieronder de eerste aan.
administrations-new = Nieuwe administratie
administrations-create = Administratie aanmaken

## Audit log
audit-intro = Elke inlogpoging en elke beveiligingswijziging bij { $account }, de nieuwste eerst. Tijden zijn in { $zone }.
audit-empty = Er is nog niets gebeurd.
audit-table = Gebeurtenissen in het logboek
audit-what = Wat er gebeurde
audit-user = Gebruiker
audit-by = Door
audit-details = Details
audit-where = IP-adres en browser
audit-older = Oudere gebeurtenissen

## IP addresses
ip-address-title = IP-adres { $ip }
ip-first-seen = Eerst gezien
ip-last-seen = Laatst gezien
ip-two-factor-last-passed = Laatste tweestapsverificatie
ip-blocked-for-you = Dit adres is voor jou geblokkeerd. Alleen een beheerder kan het deblokkeren.
ip-blocked-for-user = Dit adres is voor deze gebruiker geblokkeerd. Alleen een beheerder kan het deblokkeren.
ip-blocked = Geblokkeerd
ip-blocked-hint-own = Geblokkeerd: elke login vanaf dit adres wordt voor jou geweigerd, ook met een passkey, en je sessies vanaf dit adres eindigen nu. Niet geblokkeerd: het adres is gevalideerd en logins vanaf dit adres gaan direct door.
ip-blocked-hint-other = Geblokkeerd: elke login vanaf dit adres wordt voor deze gebruiker geweigerd, ook met een passkey, en zijn sessies vanaf dit adres eindigen nu. Niet geblokkeerd: het adres is gevalideerd en logins vanaf dit adres gaan direct door.
ip-list-intro-admin = Alle IP-adressen waarvandaan de gebruikers van dit account hebben ingelogd.
ip-list-intro-own = De IP-adressen waarvandaan je hebt ingelogd.
ip-list-intro = Een login met een wachtwoord vanaf een adres dat niet is gevalideerd, wacht tot de gebruiker het per e-mail bevestigt. Open een adres om het te blokkeren of te valideren.
ip-filter-all = Alle
ip-status-validated = Gevalideerd
ip-status-pending = Niet gevalideerd
ip-status-blocked = Geblokkeerd
ip-none-match = Geen IP-adressen voldoen aan dit filter.
ip-none-yet = Nog geen IP-adressen.

## Security center
center-login-security = Inlogbeveiliging
center-enforce = Tweestapsverificatie verplichten voor elke gebruiker
center-enforce-hint = Elke gebruiker moet een authenticator-app (of een passkey) instellen. Tot dat is gebeurd, brengt elke pagina hem naar Beveiliging en inloggegevens en kan hij het systeem niet gebruiken.
center-limit = Geldigheid van tweestapsverificatie beperken
center-limit-hint = Bij elke login wordt om tweestapsverificatie gevraagd: de optie van gebruikers om op een bekend IP-adres maar eens per 30 dagen te worden gevraagd, vervalt.
center-block-new-ips = Nieuwe IP-adressen blokkeren
center-block-new-ips-hint = Gebruikers kunnen nieuwe IP-adressen niet meer automatisch valideren: elke login met een wachtwoord vanaf een nieuw adres wacht tot de gebruiker het per e-mail bevestigt. Dit geldt niet voor logins met een passkey, die niet kunnen worden gephisht.
center-see-every-ip = Bekijk alle IP-adressen.
center-users = Gebruikers
center-users-table = Gebruikers en hun tweestapsverificatie
center-confirm-title = Tweestapsverificatie verplichten?
center-confirm-not-yourself = Je hebt het zelf nog niet ingesteld
center-confirm-explain = Zodra het verplicht is, brengt elke pagina je naar Beveiliging en inloggegevens tot je een authenticator-app of een passkey hebt ingesteld. Iedereen zonder tweestapsverificatie krijgt bericht per e-mail.
center-confirm-set-up-first = Eerst tweestapsverificatie instellen
center-confirm-anyway = Toch nu verplichten

## Demo mailbox
mailbox-title = Postvak
mailbox-intro = Demomodus: elke e-mail die Portcullis verstuurt, komt hier terecht in plaats van bij een mailserver.
mailbox-empty = Nog geen e-mail.
mailbox-messages = Berichten
mailbox-received = Ontvangen
mailbox-to = Aan
mailbox-subject = Onderwerp

## The Security center's overview
yes = Ja
no = Nee
overview-filters = De gebruikers filteren
overview-figure-without-two-factor = { $count } van { $users } gebruikers zonder tweestapsverificatie
overview-figure-without-passkey = { $count } van { $users } gebruikers zonder passkey
overview-figure-breached = { $count ->
    [one] 1 e-mailadres in een bekend datalek
   *[other] { $count } e-mailadressen in bekende datalekken
}
overview-figure-checks-off = E-mailadressen worden niet tegen datalekken gecontroleerd (er is geen API-sleutel van Have I Been Pwned ingesteld).
overview-figure-logged-in = { $count } nu ingelogd
overview-passkeys-some = Minstens één
overview-passkeys-none = Geen
overview-new-ips = Nieuwe IP-adressen
overview-new-ips-confirm = Bevestigd per e-mail
overview-new-ips-automatic = Automatisch gevalideerd
overview-email-check = E-mailcontrole
overview-email-breached = In een datalek
email-check-off = Niet gecontroleerd
email-check-not-yet = Nog niet gecontroleerd
email-check-clean = In geen bekend datalek
email-check-breached = { $count ->
    [one] In 1 datalek
   *[other] In { $count } datalekken
}
email-check-failed = Controle mislukt
email-check-failed-since = Controle mislukt (laatste goede antwoord { $when })
overview-logged-in = Nu ingelogd
overview-sessions = { $count ->
    [one] Ja, 1 sessie
   *[other] Ja, { $count } sessies
}
overview-end-sessions-of = Alle sessies beëindigen: { $name }
overview-sort = Volgorde
overview-sort-username = Op gebruikersnaam
overview-sort-last-login = Laatste login eerst
overview-download = Downloaden als CSV
activity-title = Recente beveiligingsactiviteit
activity-hint-me = Logins en wijzigingen van je inlogmethoden, wachtwoorden en IP-adressen: zie je iets wat je niet zelf hebt gedaan, wijzig dan je wachtwoord en meld het aan je beheerder.
activity-hint-other = De nieuwste beveiligingsgebeurtenissen over deze gebruiker.
activity-table = Recente beveiligingsactiviteit, nieuwste eerst

## Helpdesk access
helpdesk-access-title = Toegang voor de helpdesk
helpdesk-access-until = De helpdesk kan je gebruikers helpen tot { $until }.
helpdesk-access-none = De helpdesk kan dit account niet zien.
helpdesk-access-give = De helpdesk één maand toegang geven
helpdesk-access-renew = Verlengen tot een maand vanaf nu
helpdesk-access-revoke = Toegang van de helpdesk intrekken
helpdesk-access-hint = Met toegang kan de helpdesk de beveiliging van je gebruikers zien en iemand die zijn telefoon of passkey kwijt is weer binnen helpen: de tweede stap resetten, de gebruikersnaam deblokkeren of een nieuwe uitnodiging sturen. Een wachtwoord kan de helpdesk nooit zien of instellen. Alles wat de helpdesk doet, staat in het logboek en wordt gemaild aan de gebruiker en de beheerders; de toegang stopt vanzelf na een maand.

## The helpdesk console
helpdesk-title = Helpdesk
helpdesk-login-title = Inloggen voor de helpdesk
helpdesk-login-hint = Voor de medewerkers van de helpdesk van het platform. Klanten loggen in op de gewone inlogpagina.
helpdesk-setup-required = De helpdesk vereist een tweede stap. Stel er nu een in: een authenticator-app of een passkey.
helpdesk-setup-app = Met een authenticator-app
helpdesk-setup-app-intro = Scan deze QR-code met je authenticator-app (of typ de sleutel over) en vul de code in die de app toont.
helpdesk-setup-passkey = Of met een passkey
helpdesk-setup-passkey-intro = Maak een passkey aan op dit apparaat of op een beveiligingssleutel. Daarna vraagt de helpdesk er na je wachtwoord om.
helpdesk-passkey-intro = Bevestig met je passkey dat jij het bent.
helpdesk-passkey-added = Je passkey is ingesteld. De helpdesk vraagt er voortaan na je wachtwoord om.
helpdesk-passkey-setup-only = Alleen een medewerker zonder tweede stap kan hier een passkey instellen. Gebruik de stap die je hebt.
helpdesk-already-in = Deze login is al voltooid. Laad de pagina opnieuw.
helpdesk-accounts-title = Accounts die je mag helpen
helpdesk-accounts-intro = Alleen accounts waarvan de beheerders de helpdesk toegang hebben gegeven, zolang die toegang duurt. Zoek op naam of beveiligingscode.
helpdesk-search-label = Accountnaam of beveiligingscode
helpdesk-no-accounts = Geen account heeft de helpdesk toegang gegeven (of geen enkel account komt overeen).
helpdesk-access-ends = Toegang eindigt
helpdesk-account-intro = Alles wat je hier ziet en doet, staat onder jouw naam in het logboek van dit account. Een wachtwoord kun je nooit zien of instellen.
helpdesk-help = { $name } helpen
helpdesk-reset-which = Resetten
helpdesk-reason = Hoe je hebt gecontroleerd met wie je spreekt
helpdesk-reason-hint = Verplicht: komt in het logboek van het account (bijvoorbeeld "teruggebeld op het nummer uit het personeelsdossier").
helpdesk-reset-button = De kwijtgeraakte inlogmethoden resetten
helpdesk-done-reset = De inlogmethoden zijn gereset en alle sessies van de gebruiker beëindigd. De gebruiker en de beheerders krijgen bericht per e-mail.
