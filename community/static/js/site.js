// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // Forms marked data-autosubmit (language switch, sort order) submit when their select changes.
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-autosubmit]");
    if (form && event.target.tagName === "SELECT") form.submit();
  });
  // The phone header's search and menu buttons open their part of the header (data-header-toggle
  // names it); on wide screens both parts are always shown and the buttons are hidden by CSS.
  document.querySelectorAll("[data-header-toggle]").forEach(function (toggle) {
    var target = document.getElementById(toggle.getAttribute("data-header-toggle"));
    if (!target) return;
    toggle.hidden = false;
    toggle.setAttribute("aria-expanded", "false");
    if (toggle.tagName === "A") {
      // A link without the script (to the search page), a button with it: Space presses it too.
      toggle.setAttribute("role", "button");
      toggle.addEventListener("keydown", function (event) {
        if (event.key === " ") { event.preventDefault(); toggle.click(); }
      });
    }
    toggle.addEventListener("click", function (event) {
      event.preventDefault();
      var open = !target.classList.contains("is-open");
      target.classList.toggle("is-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        var field = target.querySelector("input[type=search], a, button");
        if (field && toggle.tagName === "A") field.focus();
      }
    });
  });
})();

// File pickers (community/templates/widgets/file_picker.html): a translated button, what was chosen, previews.
(function () {
  "use strict";
  document.querySelectorAll("[data-file-picker]").forEach(function (picker) {
    var input = picker.querySelector("input[type=file]");
    var ui = picker.querySelector(".file-picker-ui");
    var status = picker.querySelector("[data-file-picker-status]");
    var previews = picker.querySelector("[data-file-picker-previews]");
    if (!input || !ui) return;
    ui.hidden = false;
    input.addEventListener("change", function () {
      previews.querySelectorAll("img").forEach(function (img) { URL.revokeObjectURL(img.src); });
      previews.textContent = "";
      var files = Array.prototype.slice.call(input.files || []);
      status.textContent = files.length
        ? (input.multiple ? picker.dataset.chosen.replace("{count}", files.length) + ": " : "") +
          files.map(function (f) { return f.name; }).join(", ")
        : picker.dataset.none;
      files.forEach(function (file) {
        if (!/^image\//.test(file.type)) return;
        var img = document.createElement("img");
        img.src = URL.createObjectURL(file);
        img.alt = file.name;
        previews.appendChild(img);
      });
    });
  });
})();
