// A certificate issuance run's page follows the worker: while the run goes on it fetches
// itself every few seconds and swaps in the new figures. Updating the figures in place
// (the sentence is a status region, read out when it changes) keeps the reader's focus
// and scroll position, which a timed reload (<meta http-equiv="refresh">) would take away.
(function () {
  "use strict";

  var DELAY = 3000;
  var MAX_DELAY = 60000;

  function start() {
    var run = document.getElementById("issuance-run");
    if (!run || run.getAttribute("data-running") !== "true") return;
    var delay = DELAY;

    function swap(fresh) {
      document.getElementById("issuance-run-status").innerHTML =
        fresh.querySelector("#issuance-run-status").innerHTML;
      document.getElementById("issuance-run-figures").replaceWith(
        fresh.querySelector("#issuance-run-figures")
      );
      run.setAttribute("data-running", fresh.getAttribute("data-running"));
    }

    function poll() {
      fetch(window.location.href, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (text) {
          var page = new DOMParser().parseFromString(text, "text/html");
          var fresh = page.getElementById("issuance-run");
          if (!fresh) return;
          swap(fresh);
          delay = DELAY;
          if (run.getAttribute("data-running") === "true") window.setTimeout(poll, delay);
        })
        .catch(function () {
          // The server or the network is away for a moment: ask again, less often.
          delay = Math.min(delay * 2, MAX_DELAY);
          window.setTimeout(poll, delay);
        });
    }

    window.setTimeout(poll, delay);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
