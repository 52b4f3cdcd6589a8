// What a door device keeps for offline check-in, in IndexedDB: the roster snapshot of
// each session (no emails) and the queue of check-ins made offline. window.doorStore
// is used by checkin.js; on every page for staff, this file also wipes it all when the
// organizer signs out, so that a lost phone exposes as little as possible.
(function () {
  "use strict";
  var DB_NAME = "door-checkin";
  var SNAPSHOTS = "snapshots";
  var QUEUE = "queue";
  var connection = null;

  function promised(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function open() {
    if (connection) return connection;
    connection = new Promise(function (resolve, reject) {
      var request = window.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        db.createObjectStore(SNAPSHOTS);
        db.createObjectStore(QUEUE, { keyPath: "nonce" }).createIndex("session", "session");
      };
      request.onsuccess = function () {
        var db = request.result;
        // A wipe from another tab (sign-out) must not wait for this page.
        db.onversionchange = function () { db.close(); connection = null; };
        resolve(db);
      };
      request.onerror = function () { connection = null; reject(request.error); };
    });
    return connection;
  }

  function run(storeName, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var result = work(tx.objectStore(storeName));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function wipe() {
    var closing = connection ? connection.then(function (db) { db.close(); }).catch(function () {}) : Promise.resolve();
    connection = null;
    return closing.then(function () {
      var deleted = new Promise(function (resolve) {
        var request = window.indexedDB.deleteDatabase(DB_NAME);
        request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
      });
      var cleared = !window.caches ? Promise.resolve() : window.caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) { return name.indexOf("door-") === 0; })
          .map(function (name) { return window.caches.delete(name); }));
      });
      return Promise.all([deleted, cleared]);
    }).catch(function () {});
  }

  window.doorStore = {
    getSnapshot: function (sessionId) {
      return run(SNAPSHOTS, "readonly", function (store) { return store.get(sessionId); });
    },
    saveSnapshot: function (snapshot) {
      return run(SNAPSHOTS, "readwrite", function (store) { store.put(snapshot, snapshot.session.id); });
    },
    deleteSnapshot: function (sessionId) {
      return run(SNAPSHOTS, "readwrite", function (store) { store.delete(sessionId); });
    },
    enqueue: function (item) {
      return run(QUEUE, "readwrite", function (store) { store.add(item); });
    },
    queued: function (sessionId) {
      return run(QUEUE, "readonly", function (store) { return store.index("session").getAll(sessionId); });
    },
    countQueued: function () {
      return run(QUEUE, "readonly", function (store) { return store.count(); });
    },
    dequeue: function (nonces) {
      return run(QUEUE, "readwrite", function (store) {
        nonces.forEach(function (nonce) { store.delete(nonce); });
      });
    },
    wipe: wipe
  };

  // Signing out wipes the device. Check-ins not uploaded yet would be lost: ask first.
  function guardSignOut(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.wiped) return;
      event.preventDefault();
      window.doorStore.countQueued().catch(function () { return 0; }).then(function (waiting) {
        if (waiting && !window.confirm(form.dataset.wipeOfflineConfirm.replace("{count}", String(waiting)))) return;
        return wipe().then(function () {
          form.dataset.wiped = "1";
          form.submit();
        });
      });
    });
  }

  document.querySelectorAll("form[data-wipe-offline-confirm]").forEach(guardSignOut);
  // The admin's "logged out" page: the sign-out already happened.
  if (document.querySelector("[data-wipe-offline-now]")) wipe();
})();
