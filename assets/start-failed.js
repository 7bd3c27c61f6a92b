// Shown when the app cannot start (its files did not load or were altered, or the browser has no
// WebAssembly): the prerendered article stays readable, is given back to assistive technology,
// and a message says why highlighting is off. scripts/finalize-dist.mjs puts this into the loader.
function startFailed(error) {
  console.error(error);
  // A panic while starting has its own message (src/ui/panic.rs).
  if (document.getElementById('marginalia-panic')) return;
  const box = document.createElement('div');
  box.id = 'start-failed';
  box.className = 'status error';
  box.setAttribute('role', 'alert');
  const what = document.createElement('strong');
  what.textContent = 'Marginalia could not start, so highlighting is off.';
  const why = typeof WebAssembly !== 'object'
    ? 'This browser cannot run WebAssembly.'
    : `Its files did not load (${(error && error.message) || error}).`;
  box.append(what, ` ${why} The article can still be read; reloading the page may help.`);
  document.body.prepend(box);
  const article = document.getElementById('prerender');
  if (article) {
    article.removeAttribute('aria-hidden');
    article.inert = false;
    const hint = article.querySelector('.panel .empty');
    if (hint) hint.textContent = 'Highlighting is off: see the message at the top of the page.';
  }
}
