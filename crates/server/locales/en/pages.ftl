## Shared words
skip-to-content = Skip to the content
or = or
save = Save
cancel = Cancel
confirm = Confirm
verify = Verify
edit = Edit
rename = Rename
delete = Delete
search = Search
filter = Filter
show-all = Show all
none = None
not-set = Not set
created = Created
action = Action
first-page = First page
next-page = Next page
status-on = On
status-off = Off
copied = Copied
copy-key = Copy the key
copy-code = Copy the code
copy-codes = Copy the codes
print = Print
start-again = Start again
back-to-login = Back to the login page
go-to-login = Go to the login page
go-to-dashboard = Go to the dashboard
last-login = Last login
time-never = Never
error-request-id = Request id:
language-switch = Language

## Fields
field-security-code = Security code
field-username = Username
field-new-username = New username
field-password = Password
field-current-password = Current password
field-new-password = New password
field-repeat-password = Repeat the new password
field-authentication-code = Authentication code
field-recovery-code = Recovery code
field-name = Name
field-email = Email
field-role = Role
field-status = Status
field-employment-ends = End of employment
fact-time = Time
fact-ip = IP address
fact-browser = Browser
password-rule = At least 12 characters. A few unrelated words make a strong password that is easy to remember.
username-rule = 3 to 64 characters: letters, digits and . _ - @ — unique within your account, without regard to case.

## Roles and methods
role-administrator = Administrator
role-accountant = Accountant
role-employee = Employee
role-hint = Administrators manage users and security. Accountants and administrators use every administration; employees only the ones ticked below.
method-password = Password
method-password-app = Password and app code
method-password-recovery = Password and recovery code
method-passkey = Passkey

## Menu
menu-label = Main menu
menu-button = Menu
menu-dashboard = Dashboard
menu-employees = Employees
menu-administrations = Administrations
menu-security-center = Security center
menu-company-settings = Company settings
menu-audit = Audit log
menu-security = Security and login details
menu-ip-addresses = IP addresses
menu-mailbox = Mailbox (demo)
log-out = Log out

## Login
login-title = Log in
login-button = Log in
login-with-passkey = Log in with a passkey
login-passkey-autofill = Your browser also offers your passkeys in the Username field.
login-passkey-hint = With a passkey you need no security code, username or password: your device unlocks it with your fingerprint, face or PIN.
login-security-code-hint = The security code is the same for everyone in your company. Your administrator can tell you what it is.
forgot-title = Forgot your password?
forgot-sent = If the security code and username belong to an active user, an email with a link to choose a new password is on its way. The link works once, for { $minutes } minutes.
forgot-no-mail = No email after a few minutes? Check your spam folder, or ask your administrator.
forgot-intro = Enter your company's security code and your username. We will email you a link to choose a new password.
forgot-button = Email me a link
forgot-two-factor-applies = Two-factor authentication still applies after you choose a new password.
set-password-for = For { $username } at { $account }.
set-password-button = Set password
two-factor-title = Two-factor authentication
login-code-who = Logging in as { $name } at { $account }.
login-code-recovery-intro = Enter one of the recovery codes you saved when you set up two-factor authentication. Each code works once.
login-code-app-intro = Open your authenticator app and enter the 6-digit code it shows for Portcullis.
login-code-remember = Don't ask again on this IP address for 30 days
login-code-use-app = Use the authenticator app instead
login-code-use-recovery = Use a recovery code
login-code-lost-phone = Lost your phone? Use a recovery code, or ask your administrator or the helpdesk to reset your two-factor authentication.
new-ip-wait-title = Confirm your new IP address
new-ip-wait-sent = You are logging in from an IP address that your user has not used before. We sent an email to { $email }.
new-ip-wait-how = Open the link in that email and choose "Yes, this was me". The login continues by itself once you have: this page checks every few seconds. The link works for 30 minutes.
new-ip-wait-resend = Send the email again
new-ip-wait-check-now = Check now
new-ip-wait-no-mail = No email? Check your spam folder. The address is the one in your user settings; your administrator can change it.
new-ip-block-title = Block this IP address
new-ip-confirm-title = Confirm a new IP address
new-ip-waiting-login = A login as { $username } is waiting:
new-ip-block-explain = If this was not you, block the address: the login ends, the address is refused for your user from now on, and your administrators are told.
new-ip-confirm-explain = If this was you, confirm the address: the login continues, and future logins from this address go straight in.
new-ip-wasnt-me = This wasn't me
new-ip-was-me = Yes, this was me
new-ip-was-me-after-all = It was me after all: yes, this was me
reauth-title = Confirm it's you
reauth-intro = This change needs your password (or a passkey) again. After that you can make sensitive changes for 10 minutes without being asked.
reauth-use-passkey = Use a passkey
reauth-cancel = Cancel and go to the dashboard

## Passkeys (browser messages)
passkey-js-unsupported = This browser does not support passkeys.
passkey-js-failed = Something went wrong. Reload the page and try again.
passkey-js-not-created = No passkey was created. Try again when you are ready.
passkey-js-exists = This device already has a passkey for you.

## Dashboard
dashboard-welcome = Welcome, { $name }
dashboard-administrations = Your administrations
dashboard-no-access = You do not have access to any administration yet. Ask your administrator to give you access.
dashboard-none-yet = This account has no administrations yet.

## Security and login details
security-required-notice = { $account } requires two-factor authentication for every user. Until you set it up here, you are brought back to this page and cannot use the rest of the system.
security-recovery-left = { $count ->
    [one] 1 recovery code left.
   *[other] { $count } recovery codes left.
}
security-manage-two-factor = Manage two-factor authentication
security-two-factor-off-me = Add a code from an authenticator app (such as Google Authenticator) to every login.
security-two-factor-off-other = { $name } has not set up two-factor authentication.
security-two-factor-on-me = Every login asks for the code of the authenticator app on your phone.
security-two-factor-on-other = Every login asks for the code of the authenticator app.
two-factor-turn-on = Turn on two-factor authentication
passkeys-title = Passkeys
security-passkey-count = { $count ->
    [0] No passkeys yet.
    [one] 1 passkey.
   *[other] { $count } passkeys.
}
security-manage-passkeys = Manage passkeys
security-see-passkeys = See passkeys
password-title = Password
security-password-changed = Last changed: { $when }.
password-change-button = Change password
password-change-ends-sessions = Changing it logs you out everywhere else.
security-you-log-in-as = You log in as { $username }.
username-change-button = Change username
sessions-title = Active sessions
security-session-count = { $count ->
    [0] Not logged in anywhere.
    [one] 1 active session.
   *[other] { $count } active sessions.
}
security-see-sessions = See sessions
ip-security-title = IP address security
security-ip-blocked-by-account = Every new IP address waits for confirmation by email (your company requires it).
security-ip-auto = New IP addresses are validated automatically; you get an email about each one.
security-ip-confirm = A login from a new IP address waits until you confirm it by email.
security-ip-settings = IP address settings
language-title = Language
language-automatic = Automatic (your browser's language)
language-change = Change language
language-legend = The language of your pages and emails
language-hint = Automatic follows your browser; if it asks for a language Portcullis does not speak, your company's default applies.
recovery-codes-title = Recovery codes
recovery-codes-new = Make new recovery codes
security-remember-title = Remembered IP addresses
security-remember-option = Only ask for two-factor authentication once every 30 days on a known IP address
security-remember-limited = Your account asks for two-factor authentication at every login, so this option does not apply.
security-turn-off-title = Turn off
security-turn-off-enforced = { $account } requires two-factor authentication, so it cannot be turned off. If you have a new phone, ask an administrator to reset it, then set it up again.
security-turn-off-button = Turn off two-factor authentication
two-factor-reset-button = Reset two-factor authentication
two-factor-reset-hint = For a user who lost their phone: the old app and recovery codes stop working, and they are told by email.
security-no-passkeys-me = No passkeys yet. A passkey logs you in without a security code, username or password, and needs no second factor: your device unlocks it with your fingerprint, face or PIN.
security-no-passkeys-other = { $name } has no passkeys.
passkey-synced = Synced across devices
passkey-one-device = On one device only
passkey-created = Created { $when }
passkey-last-used = Last used { $when }
passkey-new-name-for = New name for { $name }
passkey-delete-label = Delete { $name }
security-one-passkey = You have one passkey. Create a second one on another device (for example your phone, or a security key), so that losing this device does not lock you out.
passkey-new-title = Create a new passkey
passkeys-unavailable = Passkeys are not available on this server: its public URL must use a domain name.
security-ip-explain = When you log in with your password from an IP address you have not used before, the login waits until you confirm it with the link we email you.
security-ip-see = See your IP addresses.
security-ip-auto-option = Automatically validate new IP addresses
security-ip-auto-blocked = { $account } blocks new IP addresses: every new address waits for confirmation by email, so this option does not apply.
security-ip-auto-hint = New addresses are validated at once and you get an email about each new one, instead of confirming it first.
sessions-table = List of sessions
sessions-none = No sessions.
sessions-none-other = { $name } is not logged in anywhere.
sessions-method = Login method
sessions-started = Started
sessions-last-active = Last active
sessions-this-browser = This browser
sessions-end = End
sessions-end-label = End the session of { $browser } from { $ip }
sessions-end-others = End all other sessions
sessions-sign-out-everywhere = Sign out everywhere
sessions-sign-out-everywhere-hint = "Sign out everywhere" ends every session of yours, including the one you are using now: do it when you think someone else may be logged in as you.
sessions-end-all = End all sessions

## Two-factor setup and recovery codes
two-factor-setup-step-1 = Open Google Authenticator (or another authenticator app) on your phone and tap +.
two-factor-setup-step-2 = Scan this QR code, or choose to enter a setup key and type the key below.
two-factor-setup-step-3 = Type the 6-digit code the app shows, and press Verify.
two-factor-qr-label = QR code
two-factor-manual-key = Key for manual entry
two-factor-setup-key = Setup key
two-factor-setup-details = Time-based, 6 digits, every 30 seconds. Account: { $username }.
two-factor-setup-only-after-verify = Two-factor authentication is only turned on once the code is verified.
recovery-codes-yours = Your recovery codes
recovery-codes-first-time = Two-factor authentication is on. From now on every login asks for your app's code.
recovery-codes-explain = If your phone is lost or broken, log in with one of these codes instead of the app's code. Each code works once. Keep them somewhere safe, away from your phone: print them or save the file.
recovery-codes-only-now = They are shown only now.
recovery-codes-print-heading = Portcullis recovery codes for { $username } at { $account }
recovery-codes-download = Download as text
recovery-codes-saved = I have saved them

## Passkey creation
passkey-new-intro = A passkey lets you log in without a security code, username or password: your phone, computer, password manager or security key (such as a YubiKey) unlocks it with your fingerprint, face or PIN. It cannot be phished and works only on this site.
passkey-name-optional = Name (optional)
passkey-name-placeholder = Named after your device if left empty
passkey-create-button = Create passkey
passkey-needs-javascript = Creating a passkey needs JavaScript in your browser.
passkeys-unavailable-long = Passkeys are not available on this server: its public URL must use a domain name (such as localhost), not an IP address. Ask your administrator.
passkey-back = Back to Security and login details

## Confirmation
confirm-are-you-sure = Are you sure?
confirm-cancel = Cancel: nothing is changed

## Employees
employees-search-label = Search by name, username or email
employees-show-everyone = Show everyone
employees-count = { $count ->
    [one] 1 user
   *[other] { $count } users
}
employees-count-matching = { $count ->
    [one] 1 user matching “{ $search }”
   *[other] { $count } users matching “{ $search }”
}
employees-none = No users yet.
employees-no-match = Nobody matches this search.
employees-table = Users
user-new-title = New user
user-new-intro = The new user gets an email with the security code, their username and a link to choose a password. The link works once, for { $hours } hours.
user-create-button = Create user
user-tabs = User
user-tab-details = Details
employee-manage = Manage
employee-new-invitation = Send a new invitation
employee-unlock = Unlock username
employee-reactivate = Reactivate
employee-deactivate = Deactivate
employee-deactivate-hint = Deactivating logs the user out everywhere and refuses their logins until you reactivate them. Nothing of theirs is deleted.
employee-edit-title = Edit { $name }
employee-email-change-hint = When the address changes, both the old and the new address are told.
employee-employment-ends-hint = From the start of this day ({ $zone }) the user can no longer log in and every session of theirs ends. Leave empty for no end.

## Company settings
account-name-title = Account name
account-save-name = Save name
account-code-explain = Everyone in { $account } logs in with this code, their username and their password.
account-current-code = Current security code
account-new-code = New security code
account-new-code-placeholder = Leave empty to generate one
account-new-code-hint = Changing the code emails the new one to every active user. Sessions that are open stay open.
account-change-code = Change security code
account-locale-title = Language and time zone
account-default-language = Default language
account-default-language-hint = For people who chose no language and whose browser asks for none Portcullis speaks, and for their emails.
account-time-zone = Time zone
account-time-zone-hint = Every time on the pages and in the emails of this account is shown in this time zone.

## Administrations
administration-you-have-access = You have access to this administration.
administration-with-access = Employees with access
administration-no-employee = No employee has access yet. Administrators and accountants always have access.
administration-always-access = Administrators and accountants always have access too.
administration-fields-legend = Administrations this user may use
administration-fields-none = This account has no administrations yet.
administration-create-one = Create one.
administration-fields-hint = Only applies to employees: administrators and accountants use every administration.
administrations-intro = Administrators and accountants use every administration; employees only those you give them on their user page.
administrations-none = No administrations yet. Create the first one below.
administrations-new = New administration
administrations-create = Create administration

## Audit log
audit-intro = Every login attempt and every security change in { $account }, newest first. Times are in { $zone }.
audit-empty = Nothing has happened yet.
audit-table = Audit log events
audit-what = What happened
audit-user = User
audit-by = By
audit-details = Details
audit-where = IP address and browser
audit-older = Older events

## IP addresses
ip-address-title = IP address { $ip }
ip-first-seen = First seen
ip-last-seen = Last seen
ip-two-factor-last-passed = Two-factor last passed
ip-blocked-for-you = This address is blocked for you. Only an administrator can unblock it.
ip-blocked-for-user = This address is blocked for this user. Only an administrator can unblock it.
ip-blocked = Blocked
ip-blocked-hint-own = Blocked: every login from this address is refused for you, also with a passkey, and your sessions from it end now. Not blocked: the address is validated, and logins from it go straight in.
ip-blocked-hint-other = Blocked: every login from this address is refused for this user, also with a passkey, and their sessions from it end now. Not blocked: the address is validated, and logins from it go straight in.
ip-list-intro-admin = Every IP address the users of this account logged in from.
ip-list-intro-own = The IP addresses you logged in from.
ip-list-intro = A login with a password from an address that is not validated waits until the user confirms it by email. Open an address to block or validate it.
ip-filter-all = All
ip-status-validated = Validated
ip-status-pending = Not validated
ip-status-blocked = Blocked
ip-none-match = No IP addresses match this filter.
ip-none-yet = No IP addresses yet.

## Security center
center-login-security = Login security
center-enforce = Require two-factor authentication for every user
center-enforce-hint = Every user must set up an authenticator app (or a passkey). Until they do, every page brings them to their Security and login details and they cannot use the system.
center-limit = Limit validity of two-factor authentication
center-limit-hint = Two-factor authentication is asked at every login: the users' option to be asked once every 30 days on a known IP address stops applying.
center-block-new-ips = Block new IP addresses
center-block-new-ips-hint = Users can no longer validate new IP addresses automatically: every login with a password from a new address waits until the user confirms it by email. This does not apply to logins with a passkey, which cannot be phished.
center-see-every-ip = See every IP address.
center-users = Users
center-users-table = Users and their two-factor authentication
center-confirm-title = Require two-factor authentication?
center-confirm-not-yourself = You have not set it up yourself
center-confirm-explain = Once it is required, every page leads you to your Security and login details until you set up an authenticator app or a passkey. Everyone without it is told by email.
center-confirm-set-up-first = Set up two-factor authentication first
center-confirm-anyway = Require it now anyway

## Demo mailbox
mailbox-title = Mailbox
mailbox-intro = Demo mode: every email Portcullis sends lands here instead of a mail server.
mailbox-empty = No mail yet.
mailbox-messages = Messages
mailbox-received = Received
mailbox-to = To
mailbox-subject = Subject

## The Security center's overview
yes = Yes
no = No
overview-filters = Filter the users
overview-figure-without-two-factor = { $count } of { $users } users without two-factor authentication
overview-figure-without-passkey = { $count } of { $users } users without a passkey
overview-figure-breached = { $count ->
    [one] 1 email address in a known data breach
   *[other] { $count } email addresses in known data breaches
}
overview-figure-checks-off = Email addresses are not checked against data breaches (no Have I Been Pwned API key is configured).
overview-figure-logged-in = { $count } logged in now
overview-passkeys-some = At least one
overview-passkeys-none = None
overview-new-ips = New IP addresses
overview-new-ips-confirm = Confirmed by email
overview-new-ips-automatic = Validated automatically
overview-email-check = Email check
overview-email-breached = In a data breach
email-check-off = Not checked
email-check-not-yet = Not checked yet
email-check-clean = In no known breach
email-check-breached = { $count ->
    [one] In 1 breach
   *[other] In { $count } breaches
}
email-check-failed = Check failed
email-check-failed-since = Check failed (last good answer { $when })
overview-logged-in = Logged in now
overview-sessions = { $count ->
    [one] Yes, 1 session
   *[other] Yes, { $count } sessions
}
overview-end-sessions-of = End all sessions of { $name }
overview-sort = Order
overview-sort-username = By username
overview-sort-last-login = Last login first
overview-download = Download as CSV
activity-title = Recent security activity
activity-hint-me = Logins, changes to your factors, passwords and IP addresses: if you see something you did not do, change your password and tell your administrator.
activity-hint-other = The newest security events about this user.
activity-table = Recent security activity, newest first

## Helpdesk access
helpdesk-access-title = Helpdesk access
helpdesk-access-until = The helpdesk can help your users until { $until }.
helpdesk-access-none = The helpdesk cannot see this account.
helpdesk-access-give = Give helpdesk access for one month
helpdesk-access-renew = Renew for one month from now
helpdesk-access-revoke = Revoke helpdesk access
helpdesk-access-hint = With access, the helpdesk can see your users' security state and help someone who lost their phone or passkey back in: reset their second factors, unlock their username or send a new invitation. It can never see or set a password. Everything it does is in the audit log and emailed to the user and the administrators; access ends by itself after a month.

## The helpdesk console
helpdesk-title = Helpdesk
helpdesk-login-title = Helpdesk login
helpdesk-login-hint = For the platform's helpdesk staff. Customers log in at the usual login page.
helpdesk-setup-required = The helpdesk requires a second factor. Set one up now: an authenticator app or a passkey.
helpdesk-setup-app = With an authenticator app
helpdesk-setup-app-intro = Scan this QR code with your authenticator app (or type the key), then enter the code it shows.
helpdesk-setup-passkey = Or with a passkey
helpdesk-setup-passkey-intro = Create a passkey on this device or on a security key. From then on the helpdesk asks for it after your password.
helpdesk-passkey-intro = Confirm it's you with your passkey.
helpdesk-passkey-added = Your passkey is set up. The helpdesk will ask for it after your password.
helpdesk-passkey-setup-only = Only an operator without a second factor can set up a passkey here. Use the factor you have.
helpdesk-already-in = This login is already complete. Reload the page.
helpdesk-accounts-title = Accounts you may help
helpdesk-accounts-intro = Only accounts whose administrators gave the helpdesk access, for as long as that lasts. Search by name or security code.
helpdesk-search-label = Account name or security code
helpdesk-no-accounts = No account has given the helpdesk access (or none matches).
helpdesk-access-ends = Access ends
helpdesk-account-intro = Everything you see and do here is in this account's audit log, under your name. You can never see or set a password.
helpdesk-help = Help { $name }
helpdesk-reset-which = Reset
helpdesk-reason = How you verified who you are talking to
helpdesk-reason-hint = Required: kept in the account's audit log (for example "called back on the number in the personnel file").
helpdesk-reset-button = Reset the lost factors
helpdesk-done-reset = The factors are reset and every session of the user ended. The user and the administrators are told by email.
