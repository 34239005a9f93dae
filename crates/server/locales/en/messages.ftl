## Confirmations after a change
flash-saved = Your changes are saved.
flash-user-created = The user is created. An email with their login details is on its way.
flash-user-created-no-mail = The user is created, but the email with their login details could not be sent. Use "Send a new invitation" once mail works.
flash-invited = A new invitation email is on its way. Earlier invitation links no longer work.
flash-invite-failed = The invitation email could not be sent. Try again later.
flash-sessions-ended = The sessions are ended.
flash-session-ended = The session is ended.
flash-unlocked = The username is unlocked.
flash-deactivated = The user is deactivated and logged out everywhere.
flash-reactivated = The user is active again.
flash-password-changed = Your password is changed. Your other sessions are ended.
flash-username-changed = Your username is changed. Use the new one next time you log in.
flash-code-changed = The security code is changed. Every active user is told by email.
flash-administration-created = The administration is created.
flash-administration-renamed = The administration is renamed.
flash-two-factor-off = Two-factor authentication is off.
flash-passkey-added = The passkey is added. Add a second one on another device, so that losing one device does not lock you out.
flash-passkey-deleted = The passkey is deleted. It can no longer log in.
flash-two-factor-reset = Two-factor authentication is reset. The user is told by email.
flash-language-saved = Your language is saved.

## Problems with what was typed
problem-password-too-short = The password must have at least { $min } characters.
problem-password-too-long = The password may have at most { $max } characters.
problem-password-common = This password is one of the most common passwords. Choose one that is harder to guess.
problem-password-username = The password must not contain your username.
problem-password-email = The password must not contain your email address.
problem-password-account = The password must not contain the account name.
problem-passwords-differ = The two new passwords are not the same.
problem-username-too-short = A username needs at least { $min } characters.
problem-username-too-long = A username may have at most { $max } characters.
problem-username-character = A username may contain only letters, digits and the characters . _ - @
problem-username-taken = The username '{ $username }' is already taken in { $account }. Choose another.
problem-email = Enter an email address like name@example.com.
problem-name-empty = Enter a name.
problem-name-too-long = A name can have at most 200 characters.
problem-name-control = A name cannot contain line breaks or control characters.
problem-passkey-name-empty = Give the passkey a name, such as the device it is on.
problem-passkey-name-too-long = Use at most 60 characters for the name.
problem-passkey-name-control = The name cannot contain line breaks or other control characters.
problem-code-too-short = A security code needs at least { $min } letters or digits.
problem-code-too-long = A security code may have at most { $max } letters or digits.
problem-code-character = A security code may contain only letters A–Z, digits, dashes and spaces.
problem-code-unavailable = This security code cannot be used. Choose another, or leave the field empty for a generated one.
problem-date = Enter a date as YYYY-MM-DD, for example 2027-03-31.
problem-language = Choose one of the languages offered.
problem-time-zone = Choose a time zone from the list.
problem-last-administrator = { $username } is the account's last active administrator without an end of employment. Make another user an administrator first.
problem-role = Choose one of the roles offered.
problem-already-has-password = { $username } has already chosen a password. If they forgot it, they can use "Forgot your password?" on the login page.

## Confirmations before a destructive action
confirm-deactivate-title = Deactivate { $name }?
confirm-deactivate = { $username } can no longer log in, and every session of theirs ends at once. You can reactivate them later.
problem-search-too-long = Search for at most { $max } characters.

## A user's status
status-deactivated = Deactivated
status-employment-ended = Employment ended
status-locked = Locked
status-invited = Invited
status-active = Active
status-active-until = Active until { $date }
problem-two-factor-already-on = Two-factor authentication is already on. Turn it off first to use another app or phone.
problem-setup-code-wrong = That code is not correct. Enter the 6-digit code your app shows now.
problem-recovery-codes-off = Recovery codes belong to two-factor authentication, which is off.
problem-two-factor-enforced = { $account } requires two-factor authentication for every user, so it cannot be turned off. Set up a new phone instead, add a passkey first, or ask an administrator.
problem-turn-off-code-wrong = That code is not correct or was used already. Two-factor authentication is still on; enter the code your app shows now.
problem-turn-off-wait = Too many wrong codes. Two-factor authentication is still on; wait until your app shows a new code, then try again.
problem-turn-off-locked = Too many failed attempts for your username. Two-factor authentication is still on; wait a while, or ask your administrator.
problem-auto-validate-blocked = { $account } blocks new IP addresses: every new address waits for confirmation by email, so this option cannot be switched on.
recovery-codes-file-hint = Each code works once, instead of the authenticator app's code.
confirm-recovery-codes-title = Make new recovery codes?
confirm-recovery-codes = Your current recovery codes stop working at once, including any you printed or saved. You get ten new ones to keep instead.
confirm-reset-two-factor-title = Reset the two-factor authentication of { $name }?
confirm-reset-two-factor = The authenticator app and recovery codes of { $username } stop working at once. Do this when they lost their phone: they set it up again after their next login, and they are told by email.
confirm-delete-passkey-title = Delete the passkey "{ $name }"?
confirm-delete-passkey = It can no longer log in, on any device. This cannot be undone; you can create a new passkey later.
confirm-delete-passkey-button = Delete passkey
problem-last-passkey = { $account } requires two-factor authentication, and this passkey is your last way to provide it. Add another passkey or an authenticator app first.

## Errors
error-not-found-title = Page not found
error-not-found = There is nothing here. Check the address, or go back to the dashboard.
error-bad-request-title = Something is wrong with the request
error-forbidden-title = Request refused
error-conflict-title = This change cannot be made
error-too-many-title = Too many attempts
error-busy-title = Very busy right now
error-busy = Too many logins are being handled at this moment. Please try again in a few seconds.
error-internal-title = Something went wrong
error-internal = This is our fault, not yours. Try again; if it keeps happening, tell support the request id below.
api-login-required = Not logged in, or the session has ended.
api-set-up-two-factor = Your account requires two-factor authentication: set it up on your Security and login details first.
api-reauth-required = More than 10 minutes passed since you confirmed it's you. Reload the page to confirm again.
api-not-found = Not found.
api-internal = Something went wrong on our side. Try again; if it keeps happening, tell support the request id.
passkey-error-expired = That took too long or was already used. Try again.
passkey-error-rejected = The passkey could not be verified. Try again, or use another passkey.
passkey-error-counter = This passkey cannot be used: its authenticator may have been copied. Use another passkey or your password, and tell your administrator.
passkey-error-registered = This passkey is registered already.
passkey-error-none = You have no passkey yet. Confirm with your password.
passkey-error-too-many = Too many passkey logins were started. Wait a moment, then try again.

## Login messages
login-generic-failure = The security code, username or password is not correct.
login-no-longer = This user can no longer log in. Contact your administrator if you think this is a mistake.
login-ip-blocked = Logins from this IP address are blocked for your user. If it is yours, ask your administrator to unblock it on the IP addresses page.
login-locked = This username is locked after too many failed login attempts. Ask your administrator to unlock it.
login-try-later = Too many failed login attempts. Wait { $wait } and try again.
login-notice-password-set = Your password is set. You can log in now.
login-notice-logged-out = You have logged out.
login-notice-logged-out-everywhere = You have logged out everywhere: every session of yours has ended.
login-notice-expired = That login took too long or had too many wrong codes. Log in again.
login-notice-ip-expired = That login waited too long for its IP address to be confirmed, or the link was opened on another device. Log in again.
wait-seconds = { $count ->
    [one] a second
   *[other] { $count } seconds
}
wait-minutes = { $count ->
    [one] a minute
   *[other] { $count } minutes
}
problem-password-wrong = The password is not correct.
problem-password-try-later = Too many wrong passwords. Wait { $wait } and try again.
problem-password-locked = Your username is locked after too many wrong passwords. Ask your administrator to unlock it.
problem-login-code-wrong = That code is not correct, or it was used already. Enter the code your app shows now.
problem-login-recovery-wrong = That recovery code is not correct, or it was used already.
problem-login-code-wait = Too many wrong codes. Wait until your app shows a new code, then try again.
problem-login-code-locked = Too many failed attempts for this username. Wait a while, or ask your administrator to unlock it.
recovery-codes-left = { $count ->
    [0] You have no recovery codes left: make new ones on Security and login details.
    [one] You have 1 recovery code left.
   *[other] You have { $count } recovery codes left.
}
flash-recovery-login = You logged in with a recovery code, which now no longer works.
link-unusable-title = This link can no longer be used
link-unusable-invitation = It has expired or has already been used. Ask your administrator to send a new invitation.
link-unusable-reset = It has expired or has already been used. On the login page, choose "Forgot your password?" to get a new one.
new-ip-notice-sent = A new email is on its way. Links in earlier emails no longer work.
new-ip-notice-wait = An email was sent less than a minute ago. You can ask for another in { $wait }.
link-unusable-new-ip = It has expired, was used already, or a newer email replaced it. Log in again to get a new one; if a login you did not start is waiting, nothing happens unless someone confirms it.
problem-new-ip-answer = Choose "Yes, this was me" or "This wasn't me".
new-ip-confirmed-title = IP address confirmed
new-ip-confirmed = The address is validated. The login that was waiting continues by itself on the device where it started; future logins from this address go straight in.
new-ip-blocked-title = IP address blocked
new-ip-blocked = The address is blocked for your user and that login has ended. Your administrators have been told. Someone knows your password: log in and choose a new one now.
new-ip-already-blocked-title = This IP address is blocked
new-ip-already-blocked = An administrator blocked this address for your user, so the login cannot continue. Ask them if you think this is a mistake.
problem-form-expected = Expected a form submission.
problem-form-too-large = The form is too large or was not fully received.
problem-form-unreadable = The form could not be read.
problem-form-csrf = This form has expired or did not come from this site. Go back, reload the page and try again.
problem-form-incomplete = The form is incomplete: { $why }.
problem-json-csrf = This page has expired or the request did not come from this site. Reload the page and try again.
problem-json-expected = Expected JSON.
problem-json-too-large = The request is too large or was not fully received.
problem-json-unreadable = The request could not be read.
problem-other-site = This form was sent from another site. Open Portcullis at its own address and try again.
problem-control-character = The request contains an invisible control character (such as a NUL byte), which no field accepts. Remove it and try again.
problem-request-too-large = The request is too large.
problem-no-such-username = There is no user named { $username } in this account.
problem-only-administrator-unblocks = Only an administrator can unblock an IP address.
problem-no-outbox = Mail is sent over SMTP, so there is no outbox to show.
error-wrong-method-title = This address belongs to a form
error-wrong-method = It works when the form on its page is sent, not when it is opened by itself. Go back to the page the form was on, or to the dashboard.
problem-password-breached = This password appears in known data breaches, so attackers try it. Choose another one.
problem-overview-filter = A filter has a value the page does not offer. Choose the filters on the page.
problem-audit-filter = A filter has a value the page does not offer, or a date is not a date. Choose the filters on the page.
flash-helpdesk-granted = The helpdesk has access for one month.
flash-helpdesk-revoked = The helpdesk no longer has access.
helpdesk-login-refused = The username or password is not correct, or this helpdesk user cannot log in.
problem-helpdesk-reason = Say how you verified the person (at most { $max } characters).
