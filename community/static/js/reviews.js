// Progressive enhancement of the reviews feature (owned by its app; every page works without it).
// Vote buttons update in place (fetch + JSON) instead of reloading; forms with data-confirm ask first.
(function () {
  "use strict";

  function setPressed(form, choice) {
    form.querySelectorAll("button[data-choice]").forEach(function (button) {
      var pressed = button.dataset.choice === choice;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
      button.value = pressed ? "withdraw" : button.dataset.choice;
    });
  }

  function showStatus(form, text, isError) {
    var status = form.querySelector("[data-vote-status]");
    if (!status) return;
    status.textContent = text || "";
    status.classList.toggle("is-error", Boolean(isError));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]")) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      return;
    }
    if (!form.matches || !form.matches("form[data-review-vote]") || !window.fetch) return;
    var button = event.submitter;
    if (!button || button.name !== "vote") return;
    event.preventDefault();
    var data = new FormData(form);
    data.set("vote", button.value);
    var buttons = form.querySelectorAll("button[data-choice]");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().then(function (payload) { return { ok: response.ok, status: response.status, payload: payload }; });
    }).then(function (result) {
      var payload = result.payload;
      if (result.status === 401 && payload.login_url) {
        window.location.href = payload.login_url + "?next=" + encodeURIComponent(window.location.pathname + window.location.search + "#" + form.closest(".review").id);
        return;
      }
      if (!result.ok) {
        buttons.forEach(function (b) { b.disabled = false; });
        showStatus(form, payload.error, true);
        return;
      }
      form.querySelector('[data-count="helpful"]').textContent = payload.helpful_count;
      form.querySelector('[data-count="unhelpful"]').textContent = payload.unhelpful_count;
      var summary = form.closest(".review").querySelector("[data-helpful-summary]");
      if (summary) summary.textContent = payload.summary;
      setPressed(form, payload.vote);
      buttons.forEach(function (b) { b.disabled = payload.locked; });
      var hint = form.querySelector("[data-vote-hint]");
      if (hint) hint.textContent = "";
      showStatus(form, payload.message, false);
    }).catch(function () {
      // The network failed: fall back to the plain form post.
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = "vote";
      field.value = button.value;
      form.appendChild(field);
      form.submit();
    });
  });
})();

