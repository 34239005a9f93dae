// The page of a login waiting for its IP address to be confirmed looks again every few seconds:
// once the address is confirmed, the server answers with the logged-in page. (Without
// JavaScript, a <noscript> refresh does the same; "Check now" is always there.)
(function () {
  'use strict';
  const main = document.querySelector('[data-check-every]');
  const seconds = Number(main?.getAttribute('data-check-every'));
  if (seconds > 0) setTimeout(function () { window.location.reload(); }, seconds * 1000);
})();
