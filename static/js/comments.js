// Small progressive enhancements for the comment section. Everything works
// without this file: dates are rendered on the server, the reply link is a
// plain link. Loaded with `defer`; no inline code, so a strict CSP allows it.
(function () {
  "use strict";

  var units = [
    ["year", 365 * 24 * 3600], ["month", 30 * 24 * 3600], ["week", 7 * 24 * 3600],
    ["day", 24 * 3600], ["hour", 3600], ["minute", 60]
  ];

  // Pages may be served from a cache: recompute "3 hours ago" from the timestamp.
  function refreshTimes() {
    var now = Date.now();
    document.querySelectorAll(".comment__permalink time[datetime]").forEach(function (el) {
      var seconds = (now - Date.parse(el.getAttribute("datetime"))) / 1000;
      if (isNaN(seconds) || seconds >= 30 * 24 * 3600) { return; }
      if (seconds < 60) { el.textContent = "just now"; return; }
      for (var i = 0; i < units.length; i++) {
        var count = Math.floor(seconds / units[i][1]);
        if (count >= 1) {
          el.textContent = count + "\u00a0" + units[i][0] + (count === 1 ? "" : "s") + " ago";
          return;
        }
      }
    });
  }

  // "Reply" opens the form right under the comment instead of reloading the page.
  function enhanceReplies() {
    var form = document.getElementById("comment-form");
    if (!form || form.tagName !== "FORM") { return; }
    var home = form.parentNode, homeNext = form.nextSibling;
    var field = form.querySelector("input[name=reply_to]");
    var title = document.getElementById("comment-form-title");
    var original = title ? title.textContent : "";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button button--quiet comment-form__cancel";
    cancel.textContent = "Cancel reply";
    cancel.hidden = true;
    form.querySelector("button[type=submit]").insertAdjacentElement("afterend", cancel);

    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest(".comment__reply") : null;
      if (!link || !field) { return; }
      var comment = link.closest(".comment");
      var id = comment.id.replace("comment-", "");
      var author = comment.querySelector(".comment__author").textContent;
      event.preventDefault();
      field.value = id;
      if (title) { title.textContent = "Reply to " + author; }
      cancel.hidden = false;
      comment.insertAdjacentElement("afterend", form);
      form.querySelector("textarea").focus();
    });
    cancel.addEventListener("click", function () {
      field.value = "";
      if (title) { title.textContent = original; }
      cancel.hidden = true;
      home.insertBefore(form, homeNext);
      form.querySelector("textarea").focus();
    });
  }

  refreshTimes();
  enhanceReplies();
})();
