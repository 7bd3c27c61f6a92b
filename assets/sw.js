// Marginalia's service worker: once the app has been opened, it opens again without a network
// (on a train, on a plane). scripts/service-worker.mjs fills in the build's files and a version
// that changes whenever any of them does; the loader registers it once the app has started.
//
// - Installing keeps a copy of every file of this build (index.html as "/") in a cache named
//   after its version; activating deletes the caches of earlier builds.
// - The app's page ("/"): from the network when it answers within NAVIGATION_TIMEOUT_MS, else
//   this build's copy — a page from the network always comes with the files it names. Its
//   request starts while the worker starts (navigation preload).
// - This build's files (their names carry their hash): from the cache, else the network.
// - Anything else (other pages of the origin, other builds' files): left to the network.
const VERSION = '__MARGINALIA_VERSION__';
const FILES = __MARGINALIA_FILES__;
const CACHE = `marginalia-${VERSION}`;
const NAVIGATION_TIMEOUT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(['/', ...FILES])).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  // Navigation preload: the page's request starts while the worker is starting, not after.
  const preload = self.registration.navigationPreload ? self.registration.navigationPreload.enable() : Promise.resolve();
  event.waitUntil(preload.catch(() => {}).then(() => caches.keys())
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('marginalia-') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

const cached = (request) => caches.open(CACHE).then((cache) => cache.match(request));

/** The app's page: the network's answer, or this build's copy when the network fails or is late. */
function page(event) {
  const request = event.request;
  return new Promise((resolve) => {
    let answered = false;
    const answer = (response) => {
      if (!answered) { answered = true; resolve(response); }
    };
    const timer = setTimeout(() => cached('/').then((hit) => hit && answer(hit)), NAVIGATION_TIMEOUT_MS);
    Promise.resolve(event.preloadResponse).then((preloaded) => preloaded || fetch(request)).then(
      (response) => { clearTimeout(timer); answer(response); },
      () => { clearTimeout(timer); cached('/').then((hit) => answer(hit || Response.error())); },
    );
  });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    if (url.pathname === '/' || url.pathname === '/index.html') event.respondWith(page(event));
    return;
  }
  if (FILES.includes(url.pathname)) event.respondWith(cached(request).then((hit) => hit || fetch(request)));
});
