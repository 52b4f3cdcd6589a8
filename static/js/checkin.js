// Door check-in: one-click check-in without reloading, QR scanning where the
// browser has BarcodeDetector, and counts that refresh while the page is open.
// Without JavaScript the same forms post normally and the page reloads.
(function () {
  "use strict";
  var root = document.getElementById("checkin");
  if (!root) return;
  var submitUrl = root.dataset.submitUrl;
  var countsUrl = root.dataset.countsUrl;
  var result = document.getElementById("checkin-result");
  var COUNT_IDS = { checked_in: "count-checked-in", confirmed: "count-confirmed", waitlisted: "count-waitlisted" };

  function csrfToken() {
    var input = root.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function showCounts(counts) {
    Object.keys(COUNT_IDS).forEach(function (key) {
      var el = document.getElementById(COUNT_IDS[key]);
      if (el && counts && typeof counts[key] === "number") el.textContent = String(counts[key]);
    });
  }

  function showResult(data) {
    var kind = { checked_in: "alert-success", already: "alert-info", refused: "alert-danger", not_found: "alert-danger" }[data.outcome] || "alert-warning";
    result.className = "alert " + kind;
    result.textContent = data.message || "";
  }

  function markRow(data) {
    if (!data.registration || (data.outcome !== "checked_in" && data.outcome !== "already")) return;
    var row = document.getElementById("registration-" + data.registration);
    if (!row) return;
    var cell = row.querySelector(".checkin-cell");
    if (!cell) return;
    var badge = document.createElement("span");
    badge.className = "badge text-bg-success";
    badge.textContent = root.dataset.checkedInLabel + (data.checked_in_at ? " " + data.checked_in_at : "");
    cell.replaceChildren(badge);
  }

  // A poll that left before a check-in may answer after it: never let it undo newer counts.
  var countsAt = 0;

  function post(body) {
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
      showResult({ outcome: "refused", message: root.dataset.networkError || "Network error: try again." });
    });
  }

  root.querySelectorAll("form.checkin-form").forEach(function (form) {
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
  });

  function refreshCounts() {
    if (document.hidden) return;
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

  // --- QR scanning ---------------------------------------------------------
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  document.getElementById("scan-unsupported").classList.add("d-none");
  document.getElementById("scan-controls").classList.remove("d-none");
  var video = document.getElementById("scan-video");
  var start = document.getElementById("scan-start");
  var stop = document.getElementById("scan-stop");
  var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  var stream = null;
  var lastCode = "";
  var lastAt = 0;

  function scan() {
    if (!stream) return;
    detector.detect(video).then(function (codes) {
      var now = Date.now();
      if (codes.length) {
        var code = codes[0].rawValue;
        // The same badge stays in front of the camera for a while: post it once.
        if (code !== lastCode || now - lastAt > 4000) {
          lastCode = code;
          lastAt = now;
          var body = new FormData();
          body.append("code", code);
          post(body);
        }
      }
    }).catch(function () {}).finally(function () {
      if (stream) window.setTimeout(scan, 250);
    });
  }

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
