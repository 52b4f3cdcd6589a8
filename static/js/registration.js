// The registration form's hidden time zone: the browser's own, so that an online
// session's emails can also give the time where the registrant is. Without
// JavaScript the field stays empty and the emails give the session's time only.
(function () {
  "use strict";
  var field = document.querySelector("form input[name=timezone]");
  if (!field || !window.Intl) return;
  try {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    field.value = "";
  }
})();

// Seats held for sectors (templates/events/_seat_holds.html): when a sector is
// picked, the holds that apply are marked and the live region says how many seats
// are left for it (held ones of its holds, then those open to everyone). The
// numbers come from the page; without JavaScript the list says the same for all.
(function () {
  "use strict";
  var box = document.getElementById("seat-holds");
  var select = document.querySelector("form select[name=sector]");
  if (!box || !select) return;
  var region = document.getElementById("seats-for-sector");
  var holds = box.querySelectorAll(".seat-hold");
  var general = parseInt(box.getAttribute("data-general"), 10) || 0;

  function update() {
    var sector = select.value;
    var left = general;
    Array.prototype.forEach.call(holds, function (hold) {
      var sectors = hold.getAttribute("data-sectors").split(" ");
      var applies = sector !== "" && sectors.indexOf(sector) !== -1;
      hold.classList.toggle("seat-hold-yours", applies);
      if (applies) left += parseInt(hold.getAttribute("data-free"), 10) || 0;
    });
    if (sector === "") {
      region.textContent = "";
    } else if (left === 0) {
      region.textContent = box.getAttribute("data-none");
    } else if (left === 1) {
      region.textContent = box.getAttribute("data-one");
    } else {
      region.textContent = box.getAttribute("data-many").replace("{count}", String(left));
    }
  }

  select.addEventListener("change", update);
  update();
})();
