// Lan Tỏa phone app service worker: the app shell is cached so the app opens with no network.
// API calls always go to the network and this worker caches no API answer (they hold personal data; the app keeps its own
// sealed queue of what is not yet sent): only the shell's own files under /app/ are. The app itself keeps the guides
// (no personal data) in the cache `lantoa-guides`, emptied at sign-out.
const SHELL = 'lantoa-shell-v5';
// The guides the app keeps for offline reading live in their own cache, which the app fills and empties itself.
const GUIDES = 'lantoa-guides';
const FILES = ['/app/', '/app/app.js', '/app/app.css', '/app/manifest.webmanifest', '/app/icon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== SHELL && k !== GUIDES).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin || !url.pathname.startsWith('/app/') || url.pathname.includes('/api/')) return;
  const key = url.pathname === '/app/index.html' ? '/app/' : url.pathname;
  // Network first, so a new version arrives when online; the cache when not.
  event.respondWith(fetch(event.request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(SHELL).then((cache) => cache.put(key, copy));
    }
    return response;
  }).catch(() => caches.match(key)));
});
