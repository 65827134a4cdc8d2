// The header search box as a WAI-ARIA combobox (list autocomplete): suggestions after two
// characters from /search/suggest/, chosen with the arrow keys, Enter or the mouse.
// Progressive enhancement: without this file the box is a plain GET form.
(function () {
  "use strict";
  var MIN_LENGTH = 2;
  var DELAY_MS = 150;

  function init(box) {
    var input = box.querySelector("input");
    var list = box.querySelector("[role=listbox]");
    var status = box.querySelector("[role=status]");
    var form = input.form;
    var url = box.getAttribute("data-suggest-url");
    var items = [];
    var active = -1;
    var timer = null;
    var latest = 0;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function setActive(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) return;
      active = (index + options.length) % options.length;
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var item = items[index];
      if (!item) return;
      if (item.url) {
        window.location.assign(item.url);
      } else {
        input.value = item.label;
        close();
        form.submit();
      }
    }

    function render(data) {
      items = data.suggestions || [];
      list.textContent = "";
      items.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = "site-search-option-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.className = "combobox-option combobox-option-" + item.kind;
        var kind = document.createElement("span");
        kind.className = "combobox-kind";
        kind.textContent = box.getAttribute("data-label-" + item.kind) || "";
        var label = document.createElement("span");
        label.textContent = item.label;
        option.appendChild(label);
        option.appendChild(kind);
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(option);
      });
      if (items.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
      status.textContent = items.length ? box.getAttribute("data-label-count").replace("%s", items.length) : "";
    }

    function fetchSuggestions() {
      var value = input.value.trim();
      if (value.length < MIN_LENGTH) { close(); items = []; return; }
      var ticket = ++latest;
      fetch(url + "?q=" + encodeURIComponent(value), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) { if (ticket === latest) render(data); })
        .catch(function () { close(); });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open && items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        setActive(active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (open) setActive(active - 1);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  document.querySelectorAll(".header-search .combobox").forEach(init);
})();
