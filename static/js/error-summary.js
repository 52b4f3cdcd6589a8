// The error summary (templates/_error_summary.html): focused when the page loads, so
// that a screen reader announces the problems and the keyboard starts from them. Each
// link focuses its field and scrolls its label (or its group's legend) into view, which
// following the link alone would not do: the browser would only scroll to the input.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) return;
    event.preventDefault();
    var legend = field.closest("fieldset") && field.closest("fieldset").querySelector("legend");
    var label = legend || document.querySelector("label[for='" + field.id + "']") || field;
    label.scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();
