// Progressive enhancement of Q&A (every page works without it):
// - while a question's title is typed, similar questions about the product are suggested;
// - votes on answers and "I have the same question" are sent without reloading the page;
// - «Показать ещё» under a question's answers loads the next page of answers in place (without
//   JS it is a link to that page, which is a page of its own).
(function () {
  "use strict";

  var DEBOUNCE_MS = 300;
  var MIN_LENGTH = 5;

  function json(response) {
    return response.json().then(function (data) {
      if (!response.ok) { throw new Error(data.error || response.statusText); }
      return data;
    });
  }

  // --- similar questions while typing ----------------------------------------------------
  function setUpAskForm(form) {
    var input = form.querySelector("[data-qa-title]");
    var box = form.querySelector("[data-qa-similar]");
    var checked = form.querySelector("[data-qa-similar-checked]");
    if (!input || !box || !window.fetch) { return; }
    var list = box.querySelector("ul");
    var timer = null;
    var controller = null;

    function render(results) {
      list.textContent = "";
      results.forEach(function (item) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = item.url;
        link.textContent = item.title;
        var count = document.createElement("span");
        count.className = "muted";
        count.textContent = " " + item.answers_label;
        li.appendChild(link);
        li.appendChild(count);
        list.appendChild(li);
      });
      box.hidden = results.length === 0;
    }

    function lookup() {
      var text = input.value.trim();
      if (controller) { controller.abort(); }
      if (text.length < MIN_LENGTH) { render([]); return; }
      controller = window.AbortController ? new AbortController() : null;
      var url = form.getAttribute("data-similar-url") + "?product=" + encodeURIComponent(form.getAttribute("data-product")) +
        "&q=" + encodeURIComponent(text);
      fetch(url, { headers: { Accept: "application/json" }, signal: controller ? controller.signal : undefined })
        .then(json)
        .then(function (data) {
          render(data.results || []);
          // The shopper has seen the suggestions for this very title: no "did you mean" step.
          if (checked && input.value.trim() === text) { checked.value = "True"; }
        })
        .catch(function () { /* offline or aborted: the server-side step still runs */ });
    }

    input.addEventListener("input", function () {
      if (checked) { checked.value = ""; }
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, DEBOUNCE_MS);
    });
  }

  // --- votes without reloading --------------------------------------------------------------
  function showError(form, message) {
    var note = form.parentNode.querySelector(".qa-inline-error");
    if (!note) {
      note = document.createElement("p");
      note.className = "qa-inline-error";
      note.setAttribute("role", "alert");
      form.parentNode.insertBefore(note, form.nextSibling);
    }
    note.textContent = message;
  }

  function post(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    return fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(json);
  }

  function setUpAnswerVote(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var submitter = event.submitter || form.querySelector("button[aria-pressed='false']");
      post(form, submitter).then(function (data) {
        form.querySelector("[data-qa-up]").textContent = data.up;
        form.querySelector("[data-qa-down]").textContent = data.down;
        form.querySelectorAll("button[data-vote]").forEach(function (button) {
          var pressed = String(data.vote) === button.getAttribute("data-vote");
          button.setAttribute("aria-pressed", pressed ? "true" : "false");
          button.value = pressed ? "0" : button.getAttribute("data-vote");
        });
        var old = form.parentNode.querySelector(".qa-inline-error");
        if (old) { old.remove(); }
      }).catch(function (error) { showError(form, error.message); });
    });
  }

  function setUpSameQuestion(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      post(form, null).then(function (data) {
        var button = form.querySelector("button");
        var withdraw = form.querySelector("input[name='action']");
        form.querySelector("[data-qa-same-count]").textContent = data.votes;
        button.setAttribute("aria-pressed", data.voted ? "true" : "false");
        if (data.voted && !withdraw) {
          withdraw = document.createElement("input");
          withdraw.type = "hidden"; withdraw.name = "action"; withdraw.value = "withdraw";
          form.appendChild(withdraw);
        } else if (!data.voted && withdraw) {
          withdraw.remove();
        }
      }).catch(function (error) { showError(form, error.message); });
    });
  }

  function setUpMoreAnswers(link) {
    var list = document.querySelector("[data-qa-answers]");
    if (!list || !window.fetch || !window.DOMParser) { return; }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      if (link.getAttribute("aria-busy") === "true") { return; }
      link.setAttribute("aria-busy", "true");
      var nav = link.closest("nav");
      fetch(link.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.statusText); }
          return response.text();
        })
        .then(function (html) {
          var next = new DOMParser().parseFromString(html, "text/html");
          var added = next.querySelectorAll("[data-qa-answers] > .qa-answer");
          var first = null;
          added.forEach(function (article) {
            if (document.getElementById(article.id)) { return; }  // moved up by a vote meanwhile
            var node = document.importNode(article, true);
            list.appendChild(node);
            if (!first) { first = node; }
            node.querySelectorAll("form[data-qa-vote]").forEach(setUpAnswerVote);
          });
          var more = next.querySelector("[data-qa-more]");
          var label = next.querySelector(".qa-answer-pages span");
          var shown = nav.querySelector("span");
          if (label && shown) { shown.textContent = label.textContent; }
          if (more) {
            link.href = more.getAttribute("href");
            link.removeAttribute("aria-busy");
          } else {
            nav.remove();
          }
          if (first) {  // keyboard and screen-reader users land on the first new answer
            first.setAttribute("tabindex", "-1");
            first.focus();
          }
        })
        .catch(function () {
          window.location.href = link.href;  // fall back to the page itself
        });
    });
  }

  function init() {
    document.querySelectorAll("[data-qa-more]").forEach(setUpMoreAnswers);
    document.querySelectorAll("form[data-qa-ask]").forEach(setUpAskForm);
    document.querySelectorAll("form[data-qa-vote]").forEach(setUpAnswerVote);
    document.querySelectorAll("form[data-qa-same]").forEach(setUpSameQuestion);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
