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

example-app-title = Voorbeeldapp
example-app-intro = Een kleine app die zijn gebruikers via Portcullis laat inloggen met OpenID Connect, zoals jouw app dat zou doen: de authorization code flow met PKCE, de code ingewisseld bij het token-endpoint, de handtekening van het ID-token gecontroleerd met de JWKS, en userinfo opgevraagd met het access token. Alleen in demomodus.
example-app-login = Inloggen met Portcullis
example-app-hint = De eerste keer vraagt Portcullis of je de app toestaat. Trek dat in onder Beveiliging en inloggegevens → Apps met toegang.
example-app-done = Ingelogd. Dit is wat de app ontving.
example-app-id-token = ID-token
example-app-id-token-header = Header van het ID-token
example-app-id-token-claims = Claims van het ID-token
example-app-userinfo = Userinfo
example-app-access-token = Access token (de claims)
example-app-no-flow = Deze browser is hier geen login begonnen: begin opnieuw met de knop.
example-app-bad-state = De state van het antwoord is niet die van deze login: begin opnieuw.
example-app-userinfo-claims = Claims van userinfo
example-app-access-token-claims = Claims van het access token
oidc-back-title = Terug naar { $app }
oidc-back-intro = Je bent ingelogd. We brengen je terug naar de app…
oidc-continue = Verder naar { $app }
