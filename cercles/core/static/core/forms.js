// The site answers a form's mistakes itself, in French, next to the field, keeping what was typed:
// the browser's own bubbles (in the browser's language, gone at the next click) are switched off.
(function () {
  "use strict";
  function answerFormsOnTheServer(root) {
    if (root.matches && root.matches("form")) { root.noValidate = true; }
    root.querySelectorAll("form").forEach(function (form) { form.noValidate = true; });
  }
  document.addEventListener("DOMContentLoaded", function () { answerFormsOnTheServer(document); });
  document.addEventListener("htmx:load", function (event) { answerFormsOnTheServer(event.target); });
})();
