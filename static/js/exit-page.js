// "Exit this page": the button, or Shift pressed three times within five seconds,
// swaps this page for a neutral site (the link's own address). location.replace puts
// the neutral site in this page's place in the tab's history, so Back does not bring
// it back, and the page's words are wiped first so they do not linger on screen while
// the other site loads. Screen readers hear each Shift counted.
(function () {
  "use strict";
  var control = document.querySelector("[data-exit-page]");
  if (!control) return;
  var link = control.querySelector("a");
  var status = control.querySelector("[data-exit-status]");
  var presses = 0;
  var timer = null;

  function leave(event) {
    if (event) event.preventDefault();
    var destination = link.href;
    document.title = "";
    document.body.replaceChildren();
    window.location.replace(destination);
  }

  function reset() {
    presses = 0;
    window.clearTimeout(timer);
    status.textContent = "";
  }

  link.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift") {
      if (presses) reset();
      return;
    }
    if (event.repeat) return;
    presses += 1;
    window.clearTimeout(timer);
    timer = window.setTimeout(reset, 5000);
    if (presses >= 3) {
      status.textContent = control.dataset.exitLeaving;
      leave();
    } else {
      status.textContent = presses === 1 ? control.dataset.exitTwo : control.dataset.exitOne;
    }
  });
})();
