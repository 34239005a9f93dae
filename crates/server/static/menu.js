// The menu collapses behind a button on a narrow screen. Without JavaScript it simply stays open.
(function () {
  'use strict';
  const button = document.querySelector('[data-menu-button]');
  const menu = document.getElementById('menu');
  if (!button || !menu) return;
  const narrow = window.matchMedia('(max-width: 720px)');
  function apply() {
    button.hidden = !narrow.matches;
    const open = !narrow.matches || button.getAttribute('aria-expanded') === 'true';
    menu.hidden = !open;
  }
  button.addEventListener('click', function () {
    button.setAttribute('aria-expanded', button.getAttribute('aria-expanded') === 'true' ? 'false' : 'true');
    apply();
  });
  narrow.addEventListener('change', apply);
  apply();
})();
