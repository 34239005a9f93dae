// Sends the browser on to an app that logged its user in through Portcullis (OpenID Connect).
// The answer of a form (the login, the consent) cannot redirect to another site under this
// server's Content-Security-Policy (form-action 'self'), so it is a page with the link, followed
// here at once; without JavaScript, the link is there to click.
(function () {
  'use strict';
  const link = document.querySelector('a[data-redirect]');
  if (link) window.location.replace(link.href);
})();
