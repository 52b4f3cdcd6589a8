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
