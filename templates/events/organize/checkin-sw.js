// The door check-in page's service worker (rendered by events.views.checkin).
// It keeps the door page and its assets so that the page loads with no signal, and
// nothing else: the roster snapshot lives in IndexedDB, and the snapshot, sync and
// count requests always go to the network.
"use strict";
var VERSION = "{{ version }}";
var ASSETS = {{ assets_json|safe }};
var ASSET_CACHE = "door-assets-" + VERSION;
var PAGE_CACHE = "door-pages";
var DOOR_PAGE = /^\/organize\/sessions\/\d+\/check-in\/$/;
// On weak signal, give the network this long before answering from the cache.
var NETWORK_TIMEOUT_MS = 4000;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(ASSET_CACHE).then(function (cache) { return cache.addAll(ASSETS); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("door-assets-") === 0 && name !== ASSET_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function withTimeout(promise) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, NETWORK_TIMEOUT_MS);
    promise.then(function (value) { clearTimeout(timer); resolve(value); },
                 function (error) { clearTimeout(timer); reject(error); });
  });
}

// Network first, so that an online page is always current; the cache when the
// network fails or is too slow.
function networkFirst(request, cacheName, key) {
  return withTimeout(fetch(request)).then(function (response) {
    // A redirect to the login page or an error is passed on, never kept.
    if (response.ok && !response.redirected && response.type === "basic") {
      var copy = response.clone();
      caches.open(cacheName).then(function (cache) { cache.put(key, copy); });
    }
    return response;
  }).catch(function (error) {
    return caches.open(cacheName).then(function (cache) {
      return cache.match(key);
    }).then(function (cached) {
      if (cached) return cached;
      throw error;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && DOOR_PAGE.test(url.pathname)) {
    // Searches (?q=) are answered from the same cached page, which then searches
    // the snapshot; only the bare page is kept.
    var key = url.origin + url.pathname;
    if (url.search) {
      event.respondWith(fetch(request).catch(function () {
        return caches.open(PAGE_CACHE).then(function (cache) { return cache.match(key); })
          .then(function (cached) { return cached || Response.error(); });
      }));
    } else {
      event.respondWith(networkFirst(request, PAGE_CACHE, key));
    }
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(networkFirst(request, ASSET_CACHE, url.pathname));
  }
});
