/// <reference lib="webworker" />
// The desk page's service worker: the page's own files are fetched from the network when it
// answers (and kept), from the kept copy when it does not, so the desk page opens offline.
// The snapshot, sync and receipts go to the network only: the page keeps its data itself.
const worker = self as unknown as ServiceWorkerGlobalScope;
const CACHE = "realdid-desk-page";
const PAGE_FILES = ["./", "index.html", "desk.js", "desk.css"];
const DATA_PATHS = ["/snapshot", "/sync", "/receipts"];

worker.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PAGE_FILES)).then(() => worker.skipWaiting()));
});
worker.addEventListener("activate", (event) => event.waitUntil(worker.clients.claim()));
worker.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== worker.location.origin || DATA_PATHS.includes(url.pathname)) return;
  event.respondWith(
    fetch(event.request)
      .then(async (response) => {
        if (response.ok) await (await caches.open(CACHE)).put(event.request, response.clone());
        return response;
      })
      .catch(async () => (await caches.match(event.request)) ?? Response.error()),
  );
});
