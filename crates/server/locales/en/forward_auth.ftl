# Forward-auth: stepping up for an app behind the proxy, and going back to it.
step-up-title = One more step for this app
step-up-intro = { $host } asks for more than your login gave. Confirm it with the factor it asks for; you stay logged in.
step-up-this-app = this app
step-up-use-passkey = Use a passkey
step-up-no-second-factor = It asks for two-factor authentication, and you have not set up an authenticator app or a passkey yet.
step-up-no-passkey = It asks for a passkey, and you have none yet.
step-up-set-up = Set it up in your security settings
step-up-cancel = Not now: back to Portcullis
step-up-return-title = Back to the app
step-up-return-to = Continue to { $host }
problem-step-up-code-wrong = That code is not correct or was used already. Enter the code your app shows now.
problem-step-up-wait = Too many wrong codes. Wait until your app shows a new code, then try again.
problem-step-up-locked = Too many failed attempts for your username. Wait a while, or ask your administrator.
forward-auth-denied = Forbidden: Portcullis's access rules do not let this login in here.
