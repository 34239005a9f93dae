## Confirmations after a change
flash-saved = Je wijzigingen zijn opgeslagen.
flash-user-created = De gebruiker is aangemaakt. Er is een e-mail met de inloggegevens onderweg.
flash-user-created-no-mail = De gebruiker is aangemaakt, maar de e-mail met de inloggegevens kon niet worden verstuurd. Gebruik "Nieuwe uitnodiging sturen" zodra de e-mail weer werkt.
flash-invited = Er is een nieuwe uitnodiging onderweg. Eerdere uitnodigingslinks werken niet meer.
flash-invite-failed = De uitnodiging kon niet worden verstuurd. Probeer het later opnieuw.
flash-sessions-ended = De sessies zijn beëindigd.
flash-session-ended = De sessie is beëindigd.
flash-unlocked = De gebruikersnaam is gedeblokkeerd.
flash-deactivated = De gebruiker is gedeactiveerd en overal uitgelogd.
flash-reactivated = De gebruiker is weer actief.
flash-password-changed = Je wachtwoord is gewijzigd. Je andere sessies zijn beëindigd.
flash-username-changed = Je gebruikersnaam is gewijzigd. Gebruik de nieuwe als je de volgende keer inlogt.
flash-code-changed = De beveiligingscode is gewijzigd. Elke actieve gebruiker krijgt bericht per e-mail.
flash-administration-created = De administratie is aangemaakt.
flash-administration-renamed = De naam van de administratie is gewijzigd.
flash-two-factor-off = Tweestapsverificatie staat uit.
flash-passkey-added = De passkey is toegevoegd. Voeg er een tweede toe op een ander apparaat, zodat je niet wordt buitengesloten als je een apparaat kwijtraakt.
flash-passkey-deleted = De passkey is verwijderd. Daarmee kan niet meer worden ingelogd.
flash-two-factor-reset = Tweestapsverificatie is gereset. De gebruiker krijgt bericht per e-mail.
flash-language-saved = Je taal is opgeslagen.

## Problems with what was typed
problem-password-too-short = Het wachtwoord moet minstens { $min } tekens hebben.
problem-password-too-long = Het wachtwoord mag hoogstens { $max } tekens hebben.
problem-password-common = Dit wachtwoord is een van de meest gebruikte wachtwoorden. Kies er een dat moeilijker te raden is.
problem-password-username = Het wachtwoord mag je gebruikersnaam niet bevatten.
problem-password-email = Het wachtwoord mag je e-mailadres niet bevatten.
problem-password-account = Het wachtwoord mag de naam van het account niet bevatten.
problem-passwords-differ = De twee nieuwe wachtwoorden zijn niet gelijk.
problem-username-too-short = Een gebruikersnaam heeft minstens { $min } tekens nodig.
problem-username-too-long = Een gebruikersnaam mag hoogstens { $max } tekens hebben.
problem-username-character = Een gebruikersnaam mag alleen letters, cijfers en de tekens . _ - @ bevatten
problem-username-taken = De gebruikersnaam '{ $username }' is al in gebruik bij { $account }. Kies een andere.
problem-email = Vul een e-mailadres in zoals naam@voorbeeld.nl.
problem-name-empty = Vul een naam in.
problem-name-too-long = Een naam mag hoogstens 200 tekens hebben.
problem-name-control = Een naam mag geen regeleinden of stuurtekens bevatten.
problem-passkey-name-empty = Geef de passkey een naam, bijvoorbeeld het apparaat waarop hij staat.
problem-passkey-name-too-long = Gebruik hoogstens 60 tekens voor de naam.
problem-passkey-name-control = De naam mag geen regeleinden of andere stuurtekens bevatten.
problem-code-too-short = Een beveiligingscode heeft minstens { $min } letters of cijfers nodig.
problem-code-too-long = Een beveiligingscode mag hoogstens { $max } letters of cijfers hebben.
problem-code-character = Een beveiligingscode mag alleen de letters A–Z, cijfers, streepjes en spaties bevatten.
problem-code-unavailable = Deze beveiligingscode kan niet worden gebruikt. Kies een andere, of laat het veld leeg om er een te laten maken.
problem-date = Vul een datum in als JJJJ-MM-DD, bijvoorbeeld 2027-03-31.
problem-language = Kies een van de aangeboden talen.
problem-time-zone = Kies een tijdzone uit de lijst.
problem-last-administrator = { $username } is de laatste actieve beheerder van het account zonder einde dienstverband. Maak eerst een andere gebruiker beheerder.
problem-role = Kies een van de aangeboden rollen.
problem-already-has-password = { $username } heeft al een wachtwoord gekozen. Is het vergeten? Dan kan { $username } "Wachtwoord vergeten?" op de inlogpagina gebruiken.

## Confirmations before a destructive action
confirm-deactivate-title = { $name } deactiveren?
confirm-deactivate = { $username } kan niet meer inloggen, en al zijn sessies eindigen meteen. Je kunt de gebruiker later weer activeren.
problem-search-too-long = Zoek op hoogstens { $max } tekens.

## A user's status
status-deactivated = Gedeactiveerd
status-employment-ended = Dienstverband beëindigd
status-locked = Geblokkeerd
status-invited = Uitgenodigd
status-active = Actief
status-active-until = Actief tot { $date }
problem-two-factor-already-on = Tweestapsverificatie staat al aan. Zet het eerst uit om een andere app of telefoon te gebruiken.
problem-setup-code-wrong = Die code klopt niet. Vul de code van 6 cijfers in die je app nu toont.
problem-recovery-codes-off = Herstelcodes horen bij tweestapsverificatie, en die staat uit.
problem-two-factor-enforced = { $account } verplicht tweestapsverificatie voor elke gebruiker, dus je kunt het niet uitzetten. Stel in plaats daarvan een nieuwe telefoon in, voeg eerst een passkey toe, of vraag het een beheerder.
problem-turn-off-code-wrong = Die code klopt niet of is al gebruikt. Tweestapsverificatie staat nog aan; vul de code in die je app nu toont.
problem-turn-off-wait = Te veel verkeerde codes. Tweestapsverificatie staat nog aan; wacht tot je app een nieuwe code toont en probeer het dan opnieuw.
problem-turn-off-locked = Te veel mislukte pogingen voor je gebruikersnaam. Tweestapsverificatie staat nog aan; wacht even, of vraag het je beheerder.
problem-auto-validate-blocked = { $account } blokkeert nieuwe IP-adressen: elk nieuw adres wacht op bevestiging per e-mail, dus deze optie kan niet aan.
recovery-codes-file-hint = Elke code werkt één keer, in plaats van de code uit de authenticator-app.
confirm-recovery-codes-title = Nieuwe herstelcodes maken?
confirm-recovery-codes = Je huidige herstelcodes werken meteen niet meer, ook de codes die je hebt afgedrukt of opgeslagen. Je krijgt er tien nieuwe voor terug.
confirm-reset-two-factor-title = De tweestapsverificatie van { $name } resetten?
confirm-reset-two-factor = De authenticator-app en herstelcodes van { $username } werken meteen niet meer. Doe dit als de telefoon kwijt is: na de volgende login wordt het opnieuw ingesteld, en de gebruiker krijgt bericht per e-mail.
confirm-delete-passkey-title = De passkey "{ $name }" verwijderen?
confirm-delete-passkey = Er kan dan niet meer mee worden ingelogd, op geen enkel apparaat. Dit kan niet ongedaan worden gemaakt; je kunt later een nieuwe passkey aanmaken.
confirm-delete-passkey-button = Passkey verwijderen
problem-last-passkey = { $account } verplicht tweestapsverificatie, en deze passkey is je laatste manier om die te geven. Voeg eerst een andere passkey of een authenticator-app toe.

## Errors
error-not-found-title = Pagina niet gevonden
error-not-found = Hier is niets. Controleer het adres, of ga terug naar het dashboard.
error-bad-request-title = Er klopt iets niet aan het verzoek
error-forbidden-title = Verzoek geweigerd
error-conflict-title = Deze wijziging kan niet worden gedaan
error-too-many-title = Te veel pogingen
error-busy-title = Het is nu erg druk
error-busy = Er worden op dit moment te veel logins verwerkt. Probeer het over een paar seconden opnieuw.
error-internal-title = Er ging iets mis
error-internal = Dit ligt aan ons, niet aan jou. Probeer het opnieuw; blijft het gebeuren, geef support dan het verzoek-id hieronder.
api-login-required = Niet ingelogd, of de sessie is beëindigd.
api-set-up-two-factor = Je account verplicht tweestapsverificatie: stel het eerst in bij Beveiliging en inloggegevens.
api-reauth-required = Het is meer dan 10 minuten geleden dat je bevestigde dat jij het bent. Laad de pagina opnieuw om dat nog eens te doen.
api-not-found = Niet gevonden.
api-internal = Er ging bij ons iets mis. Probeer het opnieuw; blijft het gebeuren, geef support dan het verzoek-id.
passkey-error-expired = Dat duurde te lang of is al gebruikt. Probeer het opnieuw.
passkey-error-rejected = De passkey kon niet worden gecontroleerd. Probeer het opnieuw, of gebruik een andere passkey.
passkey-error-counter = Deze passkey kan niet worden gebruikt: de authenticator is mogelijk gekopieerd. Gebruik een andere passkey of je wachtwoord, en meld het aan je beheerder.
passkey-error-registered = Deze passkey is al geregistreerd.
passkey-error-none = Je hebt nog geen passkey. Bevestig met je wachtwoord.
passkey-error-too-many = Er zijn te veel logins met een passkey begonnen. Wacht even en probeer het dan opnieuw.

## Login messages
login-generic-failure = De beveiligingscode, gebruikersnaam of het wachtwoord klopt niet.
login-no-longer = Deze gebruiker kan niet meer inloggen. Neem contact op met je beheerder als je denkt dat dit een vergissing is.
login-ip-blocked = Logins vanaf dit IP-adres zijn voor je gebruiker geblokkeerd. Is het jouw adres? Vraag je beheerder het te deblokkeren op de pagina IP-adressen.
login-locked = Deze gebruikersnaam is geblokkeerd na te veel mislukte inlogpogingen. Vraag je beheerder hem te deblokkeren.
login-try-later = Te veel mislukte inlogpogingen. Wacht { $wait } en probeer het opnieuw.
login-notice-password-set = Je wachtwoord is ingesteld. Je kunt nu inloggen.
login-notice-logged-out = Je bent uitgelogd.
login-notice-logged-out-everywhere = Je bent overal uitgelogd: al je sessies zijn beëindigd.
login-notice-expired = Die login duurde te lang of had te veel verkeerde codes. Log opnieuw in.
login-notice-ip-expired = Die login heeft te lang gewacht op bevestiging van het IP-adres, of de link is op een ander apparaat geopend. Log opnieuw in.
wait-seconds = { $count ->
    [one] een seconde
   *[other] { $count } seconden
}
wait-minutes = { $count ->
    [one] een minuut
   *[other] { $count } minuten
}
problem-password-wrong = Het wachtwoord klopt niet.
problem-password-try-later = Te veel verkeerde wachtwoorden. Wacht { $wait } en probeer het opnieuw.
problem-password-locked = Je gebruikersnaam is geblokkeerd na te veel verkeerde wachtwoorden. Vraag je beheerder hem te deblokkeren.
problem-login-code-wrong = Die code klopt niet, of is al gebruikt. Vul de code in die je app nu toont.
problem-login-recovery-wrong = Die herstelcode klopt niet, of is al gebruikt.
problem-login-code-wait = Te veel verkeerde codes. Wacht tot je app een nieuwe code toont en probeer het dan opnieuw.
problem-login-code-locked = Te veel mislukte pogingen voor deze gebruikersnaam. Wacht even, of vraag je beheerder hem te deblokkeren.
recovery-codes-left = { $count ->
    [0] Je hebt geen herstelcodes meer: maak nieuwe bij Beveiliging en inloggegevens.
    [one] Je hebt nog 1 herstelcode.
   *[other] Je hebt nog { $count } herstelcodes.
}
flash-recovery-login = Je bent ingelogd met een herstelcode; die code werkt nu niet meer.
link-unusable-title = Deze link kan niet meer worden gebruikt
link-unusable-invitation = Hij is verlopen of al gebruikt. Vraag je beheerder een nieuwe uitnodiging te sturen.
link-unusable-reset = Hij is verlopen of al gebruikt. Kies op de inlogpagina "Wachtwoord vergeten?" om een nieuwe te krijgen.
new-ip-notice-sent = Er is een nieuwe e-mail onderweg. Links in eerdere e-mails werken niet meer.
new-ip-notice-wait = Er is minder dan een minuut geleden een e-mail verstuurd. Je kunt over { $wait } om een nieuwe vragen.
link-unusable-new-ip = Hij is verlopen, al gebruikt, of vervangen door een nieuwere e-mail. Log opnieuw in om een nieuwe te krijgen; wacht er een login die je niet zelf bent begonnen, dan gebeurt er niets zolang niemand hem bevestigt.
problem-new-ip-answer = Kies "Ja, dit was ik" of "Dit was ik niet".
new-ip-confirmed-title = IP-adres bevestigd
new-ip-confirmed = Het adres is gevalideerd. De login die wachtte, gaat vanzelf verder op het apparaat waar hij begon; volgende logins vanaf dit adres gaan direct door.
new-ip-blocked-title = IP-adres geblokkeerd
new-ip-blocked = Het adres is voor je gebruiker geblokkeerd en die login is beëindigd. Je beheerders hebben bericht gekregen. Iemand kent je wachtwoord: log in en kies nu een nieuw wachtwoord.
new-ip-already-blocked-title = Dit IP-adres is geblokkeerd
new-ip-already-blocked = Een beheerder heeft dit adres voor je gebruiker geblokkeerd, dus de login kan niet verder. Vraag het hem als je denkt dat dit een vergissing is.
problem-form-expected = Er werd een formulier verwacht.
problem-form-too-large = Het formulier is te groot of niet helemaal ontvangen.
problem-form-unreadable = Het formulier kon niet worden gelezen.
problem-form-csrf = Dit formulier is verlopen of kwam niet van deze site. Ga terug, laad de pagina opnieuw en probeer het nog eens.
problem-form-incomplete = Het formulier is onvolledig: { $why }.
problem-json-csrf = Deze pagina is verlopen of het verzoek kwam niet van deze site. Laad de pagina opnieuw en probeer het nog eens.
problem-json-expected = Er werd JSON verwacht.
problem-json-too-large = Het verzoek is te groot of niet helemaal ontvangen.
problem-json-unreadable = Het verzoek kon niet worden gelezen.
problem-other-site = Dit formulier is vanaf een andere site verstuurd. Open Portcullis op zijn eigen adres en probeer het opnieuw.
problem-control-character = Het verzoek bevat een onzichtbaar stuurteken (zoals een NUL-byte), dat geen enkel veld accepteert. Haal het weg en probeer het opnieuw.
problem-request-too-large = Het verzoek is te groot.
problem-no-such-username = Er is geen gebruiker met de naam { $username } in dit account.
problem-only-administrator-unblocks = Alleen een beheerder kan een IP-adres deblokkeren.
problem-no-outbox = E-mail gaat via SMTP, dus er is geen postvak om te tonen.
error-wrong-method-title = Dit adres hoort bij een formulier
error-wrong-method = Het werkt als het formulier op de bijbehorende pagina wordt verstuurd, niet als het los wordt geopend. Ga terug naar de pagina met het formulier, of naar het dashboard.
problem-password-breached = Dit wachtwoord komt voor in bekende datalekken, dus aanvallers proberen het. Kies een ander wachtwoord.
problem-overview-filter = Een filter heeft een waarde die de pagina niet aanbiedt. Kies de filters op de pagina.
problem-audit-filter = Een filter heeft een waarde die de pagina niet aanbiedt, of een datum is geen datum. Kies de filters op de pagina.
flash-helpdesk-granted = De helpdesk heeft een maand toegang.
flash-helpdesk-revoked = De helpdesk heeft geen toegang meer.
helpdesk-login-refused = De gebruikersnaam of het wachtwoord klopt niet, of deze helpdeskgebruiker kan niet inloggen.
problem-helpdesk-reason = Geef aan hoe je de persoon hebt gecontroleerd (hoogstens { $max } tekens).
