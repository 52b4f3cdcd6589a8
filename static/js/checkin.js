// Door check-in: one-click check-in without reloading, QR scanning (BarcodeDetector,
// or the vendored jsQR where the browser has none), counts that refresh while the
// page is open, and an offline mode: a roster snapshot kept in IndexedDB
// (door-store.js), search and codes against it, and a queue of check-ins that
// uploads when the connection is back. Without JavaScript the same forms post
// normally and the page reloads. Every text comes from the template's data- attributes.
(function () {
  "use strict";
  var root = document.getElementById("checkin");
  if (!root) return;
  var text = root.dataset;
  var store = window.doorStore;
  var sessionId = Number(text.sessionId);
  var submitUrl = text.submitUrl;
  var countsUrl = text.countsUrl;
  var result = document.getElementById("checkin-result");
  var COUNT_IDS = { checked_in: "count-checked-in", confirmed: "count-confirmed", waitlisted: "count-waitlisted" };
  var BATCH = 50;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return key in values ? String(values[key]) : whole;
    });
  }

  function csrfToken() {
    var input = root.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function localTime(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  }

  function showCounts(counts) {
    Object.keys(COUNT_IDS).forEach(function (key) {
      var el = document.getElementById(COUNT_IDS[key]);
      if (el && counts && typeof counts[key] === "number") el.textContent = String(counts[key]);
    });
  }

  function showResult(data) {
    var kind = { checked_in: "alert-success", queued: "alert-success", already: "alert-info", refused: "alert-danger", not_found: "alert-danger" }[data.outcome] || "alert-warning";
    result.className = "alert " + kind;
    result.textContent = data.message || "";
  }

  function markRow(data) {
    if (!data.registration || (data.outcome !== "checked_in" && data.outcome !== "already" && data.outcome !== "queued")) return;
    document.querySelectorAll("[id='registration-" + data.registration + "'] .checkin-cell").forEach(function (cell) {
      var badge = document.createElement("span");
      badge.className = "badge text-bg-success";
      badge.textContent = text.checkedInLabel + (data.checked_in_at ? " " + data.checked_in_at : "");
      cell.replaceChildren(badge);
    });
  }

  // --- codes, as people type them ------------------------------------------------
  // The server's rule (events.models.tokens.normalize_code), from its own constants.
  var separators = new RegExp(text.codeSeparators, "g");
  var validCode = new RegExp("^[" + text.codeAlphabet + "]{" + text.codeLength + "}$");

  function normalizeCode(typed) {
    if (!typed || typed.length > Number(text.codeMaxInput)) return null;
    var code = typed.replace(separators, "").toUpperCase();
    return validCode.test(code) ? code : null;
  }

  // --- the network indicator and the snapshot ---------------------------------------
  var snapshot = null;
  var waiting = 0;
  var network = document.getElementById("door-network");

  function isOnline() {
    return navigator.onLine !== false;
  }

  function showStatus() {
    var online = isOnline();
    network.textContent = online ? text.onlineLabel : text.offlineLabel;
    network.className = "badge " + (online ? "text-bg-success" : "text-bg-warning");
    document.getElementById("door-waiting").textContent = fill(text.waitingLabel, { count: waiting });
    var info = document.getElementById("door-snapshot");
    if (snapshot) {
      info.textContent = fill(text.snapshotSaved, { time: localTime(snapshot.generated_at), count: snapshot.registrations.length });
    } else if (!info.dataset.ended) {
      info.textContent = text.snapshotMissing;
    }
  }

  function snapshotCounts() {
    var counts = { checked_in: 0, confirmed: 0, waitlisted: 0 };
    snapshot.registrations.forEach(function (person) {
      if (person.status === "confirmed") counts.confirmed += 1;
      if (person.status === "waitlisted") counts.waitlisted += 1;
      if (person.status === "confirmed" && person.checked_in_at) counts.checked_in += 1;
    });
    return counts;
  }

  function forgetSnapshot() {
    snapshot = null;
    var info = document.getElementById("door-snapshot");
    info.dataset.ended = "1";
    info.textContent = text.snapshotEnded;
    return store.deleteSnapshot(sessionId).then(showStatus);
  }

  function refreshWaiting() {
    return store.queued(sessionId).then(function (items) {
      waiting = items.length;
      showStatus();
      return items;
    });
  }

  // Check-ins made here but not uploaded yet stay marked in a fresh snapshot.
  function keepPending(fresh, items) {
    var pending = {};
    items.forEach(function (item) { pending[item.code] = item.scanned_at; });
    fresh.registrations.forEach(function (person) {
      if (!person.checked_in_at && pending[person.code]) person.checked_in_at = pending[person.code];
    });
    return fresh;
  }

  function downloadSnapshot() {
    if (!isOnline()) return Promise.resolve();
    return fetch(text.snapshotUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        return response.ok && type.indexOf("application/json") === 0 ? response.json() : null;
      })
      .then(function (fresh) {
        if (!fresh) return;
        if (fresh.session.ended) return forgetSnapshot();
        return store.queued(sessionId).then(function (items) {
          snapshot = keepPending(fresh, items);
          return store.saveSnapshot(snapshot);
        }).then(showStatus);
      })
      .catch(function () { showStatus(); });
  }

  function loadSnapshot() {
    return store.getSnapshot(sessionId).then(function (kept) {
      // Wiped once the session is over, even if the device never got back online.
      if (kept && new Date(kept.session.ends_at) <= new Date()) return forgetSnapshot();
      snapshot = kept || null;
      showStatus();
    });
  }

  // --- offline check-in ---------------------------------------------------------
  function deviceLabel() {
    var input = document.getElementById("door-device");
    return (input.value || "").trim().slice(0, 100) || text.deviceDefault;
  }

  function findPerson(body) {
    if (!snapshot) return null;
    var code = body.get("code");
    if (code) {
      code = normalizeCode(code);
      return snapshot.registrations.find(function (person) { return person.code === code; }) || null;
    }
    var id = Number(body.get("registration"));
    return snapshot.registrations.find(function (person) { return person.id === id; }) || null;
  }

  function checkInOffline(body) {
    if (!snapshot) {
      showResult({ outcome: "refused", message: text.snapshotMissing });
      return Promise.resolve();
    }
    var person = findPerson(body);
    if (!person) {
      showResult({ outcome: "not_found", message: text.notFound });
      return Promise.resolve();
    }
    var shown = { registration: person.id, name: person.name };
    // The server's check-in window (events.selectors.checkin.checkin_window), from the
    // snapshot; a scan outside it would only be refused at the upload.
    var now = new Date();
    var session = snapshot.session;
    if (session.checkin_opens_at && (now < new Date(session.checkin_opens_at) || now > new Date(session.checkin_closes_at))) {
      showResult({ outcome: "refused", message: fill(text.refused, { name: person.name, reason: text.doorClosed }) });
      return Promise.resolve();
    }
    if (person.status !== "confirmed") {
      var reason = person.status === "cancelled" ? text.statusCancelled : text.statusWaitlisted;
      showResult({ outcome: "refused", message: fill(text.refused, { name: person.name, reason: reason }) });
      return Promise.resolve();
    }
    if (person.checked_in_at) {
      shown.outcome = "already";
      shown.checked_in_at = localTime(person.checked_in_at);
      shown.message = fill(text.already, { name: person.name, time: shown.checked_in_at });
      showResult(shown);
      markRow(shown);
      return Promise.resolve();
    }
    var item = {
      nonce: window.crypto.randomUUID(),
      session: sessionId,
      code: person.code,
      scanned_at: new Date().toISOString(),
      device: deviceLabel()
    };
    return store.enqueue(item).then(function () {
      person.checked_in_at = item.scanned_at;
      return store.saveSnapshot(snapshot);
    }).then(function () {
      shown.outcome = "queued";
      shown.checked_in_at = localTime(item.scanned_at);
      shown.message = fill(text.queued, { name: person.name });
      showResult(shown);
      markRow(shown);
      showCounts(snapshotCounts());
      return refreshWaiting();
    });
  }

  // --- online check-in, falling back to the queue -------------------------------
  // A poll that left before a check-in may answer after it: never let it undo newer counts.
  var countsAt = 0;

  function post(body) {
    if (!isOnline()) return checkInOffline(body);
    var sent = Date.now();
    body.append("csrfmiddlewaretoken", csrfToken());
    return fetch(submitUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json();
    }).then(function (data) {
      showResult(data);
      markRow(data);
      if (sent >= countsAt) {
        countsAt = sent;
        showCounts(data.counts);
      }
      return data;
    }).catch(function () {
      // No answer (a dropped signal): with an offline list, queue it instead.
      if (snapshot) return checkInOffline(body);
      showResult({ outcome: "refused", message: text.networkError || "Network error: try again." });
    });
  }

  function wireForm(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      data.delete("csrfmiddlewaretoken");
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      post(data).finally(function () {
        if (button) button.disabled = false;
        var code = form.querySelector("input[name=code]");
        if (code) { code.value = ""; code.focus(); }
      });
    });
  }
  root.querySelectorAll("form.checkin-form").forEach(wireForm);

  // --- offline search ---------------------------------------------------------------
  // The server's folding (events/selectors/text_search.py): each character lower-cased
  // and without its marks, except the ones the snapshot lists (Ø → o, ß → ss, Æ → ae).
  function folded(value) {
    var exceptions = (snapshot && snapshot.fold_exceptions) || {};
    return Array.from(value || "").map(function (char) {
      if (Object.prototype.hasOwnProperty.call(exceptions, char)) return exceptions[char];
      return char.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "");
    }).join("");
  }

  function cell(row, content) {
    var td = document.createElement("td");
    td.textContent = content;
    row.appendChild(td);
    return td;
  }

  function searchOffline(query) {
    var box = document.getElementById("offline-results");
    box.replaceChildren();
    var needle = folded(query.trim());
    if (!needle || !snapshot) {
      if (needle) box.textContent = text.snapshotMissing;
      return;
    }
    var matches = snapshot.registrations.filter(function (person) {
      return person.status !== "cancelled" &&
        (folded(person.name).indexOf(needle) !== -1 || folded(person.organization).indexOf(needle) !== -1);
    }).slice(0, 25);
    if (!matches.length) {
      var none = document.createElement("p");
      none.textContent = text.noResults;
      box.appendChild(none);
      return;
    }
    var table = document.createElement("table");
    table.className = "table align-middle";
    var head = table.createTHead().insertRow();
    [text.nameLabel, text.organizationLabel, text.statusLabel, text.checkInLabel].forEach(function (label, index) {
      var th = document.createElement("th");
      th.scope = "col";
      if (index === 3) {
        var hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = label;
        th.appendChild(hidden);
      } else {
        th.textContent = label;
      }
      head.appendChild(th);
    });
    var tbody = table.createTBody();
    matches.forEach(function (person) {
      var row = tbody.insertRow();
      row.id = "registration-" + person.id;
      cell(row, person.name);
      cell(row, person.organization);
      cell(row, person.status === "confirmed" ? text.statusConfirmed : text.statusWaitlisted);
      var action = cell(row, "");
      action.className = "checkin-cell";
      if (person.checked_in_at) {
        var badge = document.createElement("span");
        badge.className = "badge text-bg-success";
        badge.textContent = text.checkedInLabel;
        action.appendChild(badge);
      } else if (person.status === "confirmed") {
        var form = document.createElement("form");
        form.className = "checkin-form";
        var hiddenId = document.createElement("input");
        hiddenId.type = "hidden";
        hiddenId.name = "registration";
        hiddenId.value = String(person.id);
        var button = document.createElement("button");
        button.type = "submit";
        button.className = "btn btn-success btn-sm";
        button.textContent = text.checkInLabel;
        button.setAttribute("aria-label", fill(text.checkInName, { name: person.name }));
        form.append(hiddenId, button);
        wireForm(form);
        action.appendChild(form);
      } else {
        action.textContent = text.notConfirmed;
      }
    });
    box.appendChild(table);
  }

  var searchForm = root.querySelector("form[role=search]");
  var searchInput = document.getElementById("checkin-q");
  searchForm.addEventListener("submit", function (event) {
    if (isOnline()) return;
    event.preventDefault();
    searchOffline(searchInput.value);
  });

  // --- the upload ---------------------------------------------------------------
  var syncing = false;

  function showConflict(message) {
    var item = document.createElement("li");
    item.className = "list-group-item list-group-item-warning";
    item.textContent = message;
    document.getElementById("door-conflicts").appendChild(item);
    document.getElementById("door-conflicts-section").classList.remove("d-none");
  }

  function uploadBatch(items) {
    var body = JSON.stringify({
      items: items.map(function (item) {
        return { nonce: item.nonce, code: item.code, scanned_at: item.scanned_at, device: item.device };
      })
    });
    return fetch(text.syncUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") !== 0) throw new Error(response.statusText || String(response.status));
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.message || String(response.status));
        return data;
      });
    }).then(function (data) {
      var done = [];
      data.results.forEach(function (answer) {
        if (!answer.nonce) return;
        done.push(answer.nonce);
        // A replay of a check-in this device already saw succeed needs no look.
        if (answer.outcome === "refused" || (answer.outcome === "already" && !answer.replay)) showConflict(answer.message);
      });
      showCounts(data.counts);
      return store.dequeue(done);
    });
  }

  function sync() {
    if (syncing || !isOnline()) return Promise.resolve();
    syncing = true;
    return store.queued(sessionId).then(function (items) {
      var chain = Promise.resolve();
      for (var start = 0; start < items.length; start += BATCH) {
        (function (batch) {
          chain = chain.then(function () { return uploadBatch(batch); });
        })(items.slice(start, start + BATCH));
      }
      return chain.then(function () { return items.length; });
    }).then(function (uploaded) {
      return refreshWaiting().then(function () { if (uploaded) return downloadSnapshot(); });
    }).catch(function (error) {
      showConflict(fill(text.uploadFailed, { message: error && error.message || String(error) }));
      return refreshWaiting();
    }).finally(function () {
      syncing = false;
    });
  }

  window.addEventListener("online", function () { showStatus(); sync(); });
  window.addEventListener("offline", showStatus);

  function refreshCounts() {
    if (document.hidden || !isOnline()) return;
    var sent = Date.now();
    fetch(countsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (counts) {
        if (!counts || sent < countsAt) return;
        countsAt = sent;
        showCounts(counts);
      })
      .catch(function () {});
  }
  window.setInterval(refreshCounts, 5000);
  window.setInterval(function () { sync(); }, 15000);
  window.setInterval(function () { if (!syncing) downloadSnapshot(); }, 120000);

  // --- start: the device's name, the worker, the kept page, the snapshot ----------
  var device = document.getElementById("door-device");
  try { device.value = window.localStorage.getItem("door-device") || ""; } catch (e) { /* private mode */ }
  device.addEventListener("change", function () {
    try { window.localStorage.setItem("door-device", device.value.trim()); } catch (e) { /* private mode */ }
  });

  function keepPage() {
    if (!("serviceWorker" in navigator) || !isOnline()) return Promise.resolve();
    return navigator.serviceWorker.register(text.workerUrl)
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () { return window.caches.open("door-pages"); })
      .then(function (cache) { return cache.add(text.pageUrl); })
      .catch(function () {});
  }

  showStatus();
  var started = store ? loadSnapshot() : Promise.resolve();
  started.then(function () {
    return Promise.all([keepPage(), downloadSnapshot(), refreshWaiting()]);
  }).then(function () {
    if (!isOnline() && snapshot) showCounts(snapshotCounts());
    // Served from the device's copy with a search in the address: search the snapshot.
    var query = new URLSearchParams(window.location.search).get("q");
    if (query && !searchInput.value) {
      searchInput.value = query;
      searchOffline(query);
    }
    root.dataset.ready = "1";
    return sync();
  }).catch(function () { root.dataset.ready = "1"; });

  // --- QR scanning ---------------------------------------------------------------
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  var video = document.getElementById("scan-video");
  var start = document.getElementById("scan-start");
  var stop = document.getElementById("scan-stop");
  var stream = null;
  var lastCode = "";
  var lastAt = 0;
  var detectCode = null;

  // BarcodeDetector where the browser has it (Chrome, Android); elsewhere (Safari,
  // Firefox) the vendored jsQR reads frames drawn on a canvas.
  function useBarcodeDetector() {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    detectCode = function () {
      return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
    };
  }

  function useJsQR() {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    detectCode = function () {
      var width = video.videoWidth;
      var height = video.videoHeight;
      if (!width || !height) return Promise.resolve(null);
      // Large frames only slow the decoder down.
      var scale = Math.min(1, 800 / Math.max(width, height));
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, canvas.width, canvas.height, { inversionAttempts: "attemptBoth" });
      return Promise.resolve(found ? found.data : null);
    };
  }

  function loadJsQR() {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = text.jsqrUrl;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function scan() {
    if (!stream) return;
    detectCode().then(function (code) {
      var now = Date.now();
      // The same badge stays in front of the camera for a while: post it once.
      if (code && (code !== lastCode || now - lastAt > 4000)) {
        lastCode = code;
        lastAt = now;
        var body = new FormData();
        body.append("code", code);
        post(body);
      }
    }).catch(function () {}).finally(function () {
      if (stream) window.setTimeout(scan, 250);
    });
  }

  var detectorReady = "BarcodeDetector" in window
    ? Promise.resolve(useBarcodeDetector())
    : loadJsQR().then(useJsQR);
  detectorReady.then(function () {
    document.getElementById("scan-unsupported").classList.add("d-none");
    document.getElementById("scan-controls").classList.remove("d-none");
  }).catch(function () {});

  start.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.classList.remove("d-none");
        start.classList.add("d-none");
        stop.classList.remove("d-none");
        return video.play();
      })
      .then(scan)
      .catch(function (error) {
        showResult({ outcome: "refused", message: String(error && error.message || error) });
      });
  });

  stop.addEventListener("click", function () {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.classList.add("d-none");
    stop.classList.add("d-none");
    start.classList.remove("d-none");
  });
})();
