# Forward-auth: een extra stap voor een app achter de proxy, en terug ernaartoe.
step-up-title = Nog één stap voor deze app
step-up-intro = { $host } vraagt om meer dan je inlog gaf. Bevestig het met de factor waar het om vraagt; je blijft ingelogd.
step-up-this-app = deze app
step-up-use-passkey = Passkey gebruiken
step-up-no-second-factor = Het vraagt om tweestapsverificatie, en je hebt nog geen authenticator-app of passkey ingesteld.
step-up-no-passkey = Het vraagt om een passkey, en je hebt er nog geen.
step-up-set-up = Stel het in bij je beveiligingsinstellingen
step-up-cancel = Niet nu: terug naar Portcullis
step-up-return-title = Terug naar de app
step-up-return-to = Verder naar { $host }
problem-step-up-code-wrong = Die code klopt niet of is al gebruikt. Vul de code in die je app nu toont.
problem-step-up-wait = Te veel verkeerde codes. Wacht tot je app een nieuwe code toont en probeer het dan opnieuw.
problem-step-up-locked = Te veel mislukte pogingen voor je gebruikersnaam. Wacht even, of vraag het je beheerder.
forward-auth-denied = Geen toegang: de toegangsregels van Portcullis laten deze inlog hier niet binnen.
