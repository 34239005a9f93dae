# OpenID Connect: apps die via Portcullis inloggen.
oidc-error-title = Het inloggen bij deze app kan niet verder
oidc-error-no-client = De app die je hierheen stuurde is niet bij Portcullis geregistreerd. Ga terug naar de app en probeer het opnieuw, of meld het bij de makers.
oidc-error-redirect-uri = De app die je hierheen stuurde vroeg je terug te sturen naar een adres dat hij niet heeft geregistreerd, dus Portcullis stuurt je daar niet heen. Meld het bij de makers van de app.
oidc-error-too-long = Het verzoek van de app is te lang.
oidc-wrong-account-title = Deze app is niet voor jouw account
oidc-wrong-account = { $app } is alleen voor de gebruikers van één ander bedrijf. Je bent ingelogd voor { $account }.
oidc-consent-title = { $app } toestaan?
oidc-consent-intro = { $app } vraagt je in te loggen, { $name }, en wil weten:
oidc-consent-hint = Je kunt dit altijd intrekken onder Beveiliging en inloggegevens → Apps met toegang.
oidc-consent-allow = { $app } toestaan
oidc-consent-deny = Niet toestaan
oidc-scope-openid = wie je bent (een id dat hetzelfde blijft)
oidc-scope-profile = je naam en gebruikersnaam
oidc-scope-email = je e-mailadres
oidc-scope-account = je bedrijf, je rol en de administraties die je mag gebruiken
oidc-scope-offline = ingelogd te blijven terwijl je weg bent, tot je uitlogt

audit-oidc-authorized = Ingelogd bij een app
audit-oidc-consent-granted = App toegestaan
audit-oidc-app-revoked = Toegang van app ingetrokken
audit-label-app = App
audit-label-scope = Mag weten

apps-title = Apps met toegang
apps-count = { $count ->
    [0] Geen app laat je via dit account inloggen.
    [one] 1 app laat je via dit account inloggen.
   *[other] { $count } apps laten je via dit account inloggen.
}
apps-see = Bekijken en intrekken
apps-intro = Apps die je toestond je met dit account in te laten loggen. Intrekken beëindigt meteen wat ze mogen: ze moeten het je opnieuw vragen.
apps-none = Je hebt geen app toegestaan. Apps van je eigen bedrijf mogen je zonder vragen laten inloggen.
apps-since = toegestaan { $at }
apps-may-know = Mag weten: { $scopes }
apps-revoke = { $app } intrekken
flash-app-revoked = De toegang van de app is ingetrokken.
