# OpenID Connect: apps that log in through Portcullis.
oidc-error-title = This app's login cannot go on
oidc-error-no-client = The app that sent you here is not registered with Portcullis. Go back to the app and try again, or tell its makers.
oidc-error-redirect-uri = The app that sent you here asked to send you back to an address it did not register, so Portcullis will not send you there. Tell the app's makers.
oidc-error-too-long = The app's request is too long.
oidc-wrong-account-title = This app is not for your account
oidc-wrong-account = { $app } is only for the users of one other company. You are logged in for { $account }.
oidc-consent-title = Allow { $app }?
oidc-consent-intro = { $app } asks to log you in, { $name }, and to know:
oidc-consent-hint = You can take this back at any time under Security and login details → Apps with access.
oidc-consent-allow = Allow { $app }
oidc-consent-deny = Don't allow
oidc-scope-openid = who you are (an id that stays the same)
oidc-scope-profile = your name and username
oidc-scope-email = your email address
oidc-scope-account = your company, your role and the administrations you may use
oidc-scope-offline = to stay logged in while you are away, until you log out

audit-oidc-authorized = Logged in to an app
audit-oidc-consent-granted = App allowed
audit-oidc-app-revoked = App's access taken back
audit-label-app = App
audit-label-scope = May know

apps-title = Apps with access
apps-count = { $count ->
    [0] No app logs you in through this account.
    [one] 1 app logs you in through this account.
   *[other] { $count } apps log you in through this account.
}
apps-see = See and take back
apps-intro = Apps you allowed to log you in with this account. Taking one back ends what it may do at once: it must ask you again.
apps-none = You have not allowed any app. Apps of your own company may log you in without asking.
apps-since = allowed { $at }
apps-may-know = May know: { $scopes }
apps-revoke = Take back { $app }
flash-app-revoked = The app's access is taken back.

example-app-title = Example app
example-app-intro = A small app that logs its users in through Portcullis with OpenID Connect, as your app would: the authorization code flow with PKCE, the code exchanged at the token endpoint, the ID token's signature checked against the JWKS, and userinfo called with the access token. Demo mode only.
example-app-login = Log in with Portcullis
example-app-hint = The first time, Portcullis asks whether you allow the app. Take it back under Security and login details → Apps with access.
example-app-done = Logged in. This is what the app received.
example-app-id-token = ID token
example-app-id-token-header = ID token header
example-app-id-token-claims = ID token claims
example-app-userinfo = Userinfo
example-app-access-token = Access token (its claims)
example-app-no-flow = This browser did not start a login here: start again with the button.
example-app-bad-state = The answer's state is not the one this login sent: start again.
example-app-userinfo-claims = Userinfo claims
example-app-access-token-claims = Access token claims
oidc-back-title = Back to { $app }
oidc-back-intro = You are logged in. Taking you back to the app…
oidc-continue = Continue to { $app }
