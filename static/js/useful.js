// The Useful button, enhanced: marks in the background and says so in place;
// shows the papers this browser marked (its own cookie, never the cached page)
// and the current counts (the page's own may be as old as the page). Without
// JavaScript the form posts and comes back to the same place.
(function () {
  "use strict";
  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-useful]"));
  if (!forms.length || !window.fetch || !window.FormData) { return; }

  // Django's signed cookie: "12.40.7:timestamp:signature"; the ids are
  // readable, the signature is the server's business.
  function markedIds() {
    var match = document.cookie.match(/(?:^|;\s*)digests_useful=([^;]*)/);
    if (!match) { return []; }
    var value = decodeURIComponent(match[1]).replace(/^"|"$/g, "");
    return value.indexOf(":") < 0 ? [] : value.split(":")[0].split(".").filter(Boolean);
  }

  function formsFor(id) {
    return forms.filter(function (form) { return form.getAttribute("data-useful") === id; });
  }

  function showCount(form, count) {
    var number = form.querySelector("[data-useful-count]");
    var unit = form.querySelector("[data-useful-unit]");
    if (!number || typeof count !== "number") { return; }
    number.textContent = String(count);
    if (unit) { unit.textContent = count === 1 ? " reader" : " readers"; }
    number.parentNode.hidden = count === 0;
  }

  function showMarked(form) {
    form.classList.add("useful--marked");
    var label = form.querySelector("[data-useful-label]");
    if (label) { label.textContent = "Marked useful"; }
  }

  function say(form, text) {
    var status = form.querySelector("[data-useful-status]");
    if (status) { status.textContent = text; }
  }

  var marked = markedIds();
  forms.forEach(function (form) {
    if (marked.indexOf(form.getAttribute("data-useful")) >= 0) { showMarked(form); }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.classList.contains("useful--marked") || form.getAttribute("aria-busy") === "true") {
        say(form, "You have already marked this paper as useful.");
        return;
      }
      form.setAttribute("aria-busy", "true");
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "Accept": "application/json" },
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { ok: response.ok, data: data };
        });
      }).then(function (answer) {
        form.removeAttribute("aria-busy");
        if (!answer.ok) {
          say(form, answer.data.error || "That didn't work. Please try again.");
          return;
        }
        formsFor(form.getAttribute("data-useful")).forEach(function (other) {
          showMarked(other);
          showCount(other, answer.data.count);
          other.setAttribute("data-useful-fresh", "");
        });
        say(form, answer.data.counted ? "Marked useful. Thank you!" : "You have already marked this paper as useful.");
      }).catch(function () {
        form.removeAttribute("aria-busy");
        form.submit();  // the network or the script failed: the plain form still works
      });
    });
  });

  // Current counts: one small request for every paper on the page.
  var ids = [];
  forms.forEach(function (form) {
    var id = form.getAttribute("data-useful");
    if (ids.indexOf(id) < 0) { ids.push(id); }
  });
  var query = ids.map(function (id) { return "paper=" + encodeURIComponent(id); }).join("&");
  fetch(forms[0].getAttribute("data-useful-counts") + "?" + query, {
    headers: { "Accept": "application/json" },
    credentials: "same-origin"
  }).then(function (response) {
    return response.ok ? response.json() : null;
  }).then(function (data) {
    if (!data || !data.counts) { return; }
    Object.keys(data.counts).forEach(function (id) {
      formsFor(id).forEach(function (form) {
        if (!form.hasAttribute("data-useful-fresh")) { showCount(form, data.counts[id]); }
      });
    });
  }).catch(function () { /* the page's own counts stay */ });
})();
