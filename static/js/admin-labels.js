// The admin's autocomplete boxes (select2) name themselves by the text they show, which
// is empty until something is chosen: point each box at its field's label as well.
(function () {
  "use strict";

  function nameBox(container) {
    var select = container.previousElementSibling;
    var box = container.querySelector(".select2-selection");
    if (!select || !select.id || !box) return;
    var label = document.querySelector('label[for="' + select.id + '"]');
    if (!label) return;
    if (!label.id) label.id = select.id + "-label";
    var shown = box.querySelector(".select2-selection__rendered");
    box.setAttribute("aria-labelledby", shown && shown.id ? label.id + " " + shown.id : label.id);
    // The text inside (a read-only textbox to screen readers) is the field's value.
    if (shown) shown.setAttribute("aria-labelledby", label.id);
  }

  function nameBoxesIn(node) {
    if (node.nodeType !== 1) return;
    if (node.matches("span.select2-container")) nameBox(node);
    node.querySelectorAll("span.select2-container").forEach(nameBox);
  }

  // select2 builds its boxes after the page loads, and again for each added inline row.
  new MutationObserver(function (changes) {
    changes.forEach(function (change) { change.addedNodes.forEach(nameBoxesIn); });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
