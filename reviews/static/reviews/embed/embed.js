/* The community's widgets for the shop's pages (see reviews/embed.py).
 *
 *   <script src="https://COMMUNITY/embed/v1/embed.js" data-sku="DEMO-00001" data-widget="reviews" async></script>
 *   <span data-community-widget="stars" data-sku="DEMO-00002"></span>   (listing pages: one request for all)
 *   <div data-community-widget="reviews" data-sku="DEMO-00003"></div>
 *
 * Runs after the page's own content (async + DOMContentLoaded), sends no cookies
 * (credentials: "omit"), talks only to the community's origin, renders in Shadow DOM, uses no
 * eval, inline script or inline style, so the shop's CSP needs only our origin.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch || !document.body.attachShadow) { return; }
  var base = new URL(script.src, document.baseURI).origin;
  var wanted = (script.getAttribute("data-lang") || document.documentElement.lang || "ru").slice(0, 2);
  var lang = wanted === "en" ? "en" : "ru";

  function get(path) {
    var separator = path.indexOf("?") < 0 ? "?" : "&";
    return fetch(base + path + separator + "lang=" + lang, { credentials: "omit", mode: "cors" })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response; });
  }

  function shadow(host) {
    var root = host.shadowRoot || host.attachShadow({ mode: "open" });
    root.textContent = "";
    var style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = base + "/embed/v1/embed.css";
    root.appendChild(style);
    return root;
  }

  function mountFragment(host, kind) {
    var sku = host.getAttribute("data-sku");
    if (!sku) { return; }
    get("/embed/v1/" + encodeURIComponent(sku) + "/" + kind + ".html")
      .then(function (response) { return response.text(); })
      .then(function (html) {
        // Our own server's fragment: every user string in it is escaped or sanitized there.
        var holder = document.createElement("div");
        holder.innerHTML = html;
        shadow(host).appendChild(holder);
      })
      .catch(function () { /* the shop's page goes on without the widget */ });
  }

  function glyphs(average) {
    var filled = Math.round(average || 0);
    return "★★★★★".slice(0, filled) + "☆☆☆☆☆".slice(0, 5 - filled);
  }

  function mountStars(hosts) {
    var bySku = {};
    hosts.forEach(function (host) {
      var sku = host.getAttribute("data-sku");
      if (sku) { (bySku[sku] = bySku[sku] || []).push(host); }
    });
    var skus = Object.keys(bySku);
    for (var start = 0; start < skus.length; start += 100) {
      var chunk = skus.slice(start, start + 100);
      get("/api/v1/ratings?sku=" + chunk.map(encodeURIComponent).join(","))
        .then(function (response) { return response.json(); })
        .then(function (data) {
          data.items.forEach(function (item) {
            (bySku[item.sku] || []).forEach(function (host) {
              var root = shadow(host);
              var link = document.createElement("a");
              link.className = "cw-badge";
              link.href = item.product_url + "reviews/";
              var stars = document.createElement("span");
              stars.className = "cw-stars";
              stars.setAttribute("aria-hidden", "true");
              stars.textContent = glyphs(item.average);
              var text = document.createElement("span");
              text.className = "cw-count";
              text.textContent = item.review_count ? " " + item.average.toFixed(1) + " (" + item.review_count + ")" : " —";
              var hidden = document.createElement("span");
              hidden.className = "cw-hidden";
              hidden.textContent = lang === "en"
                ? (item.review_count ? "Rating " + item.average.toFixed(1) + " of 5, " + item.review_count + " reviews" : "No reviews yet")
                : (item.review_count ? "Оценка " + item.average.toFixed(1) + " из 5, отзывов: " + item.review_count : "Отзывов пока нет");
              link.append(stars, text, hidden);
              root.appendChild(link);
            });
          });
        })
        .catch(function () {});
    }
  }

  function run() {
    var kind = script.getAttribute("data-widget") || "reviews";
    if (script.getAttribute("data-sku") && (kind === "reviews" || kind === "rating")) {
      var host = document.createElement(kind === "rating" ? "span" : "div");
      host.setAttribute("data-sku", script.getAttribute("data-sku"));
      script.parentNode.insertBefore(host, script.nextSibling);
      mountFragment(host, kind);
    }
    document.querySelectorAll("[data-community-widget='reviews'], [data-community-widget='rating']").forEach(
      function (element) { mountFragment(element, element.getAttribute("data-community-widget")); });
    mountStars(Array.prototype.slice.call(document.querySelectorAll("[data-community-widget='stars']")));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
