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

  // After posting, the page opens at #comment-posted: the reader's own comment
  // with its notice, or the notice that it awaits moderation, where they
  // posted. The browser scrolls there itself; focus follows so a screen reader
  // reads the notice. A published comment's address then becomes its permalink.
  function focusPostedNotice() {
    var notice = document.getElementById("comment-posted");
    if (!notice) { return; }
    if (document.activeElement !== notice) { notice.focus({ preventScroll: true }); }
    var rect = notice.getBoundingClientRect();
    if (rect.top < 0 || rect.top > window.innerHeight - 60) {
      notice.scrollIntoView({ block: rect.height > window.innerHeight ? "start" : "center" });
    }
    // Once the browser is done with the fragment it came with (it would move
    // focus to the new one's target), the address becomes the permalink.
    var comment = notice.querySelector(".comment[id]");
    if (!comment || !window.history.replaceState) { return; }
    window.addEventListener("load", function () {
      window.setTimeout(function () {
        if (location.hash !== "#comment-posted") { return; }
        var focused = document.activeElement === notice;
        window.history.replaceState(null, "", "#" + comment.id);
        if (focused && document.activeElement !== notice) { notice.focus({ preventScroll: true }); }
      }, 0);
    });
  }

  // Name and e-mail kept in this browser (never on the server, never in the
  // shared cached page), only when the reader ticks the box.
  var STORE = "digests:commenter";

  function readStored() {
    try { return JSON.parse(window.localStorage.getItem(STORE) || "null"); } catch (e) { return null; }
  }

  function rememberCommenter() {
    var form = document.getElementById("comment-form");
    if (!form || form.tagName !== "FORM") { return; }
    var name = form.querySelector("input[name=author_name]:not([type=hidden])");
    var email = form.querySelector("input[name=author_email]:not([type=hidden])");
    if (!name || !email) { return; }  // an editor posts under their own name
    try { window.localStorage.getItem(STORE); } catch (e) { return; }  // storage switched off

    var box = document.createElement("div");
    box.className = "field field--check comment-form__remember";
    var check = document.createElement("input");
    check.type = "checkbox";
    check.id = "comment-remember";
    check.setAttribute("aria-describedby", "comment-remember-help");
    var label = document.createElement("label");
    label.htmlFor = check.id;
    label.textContent = "Remember me on this device";
    var help = document.createElement("p");
    help.className = "field__help comment-form__remember-help";
    help.id = "comment-remember-help";
    help.textContent = "Your name and e-mail are kept in this browser, not on our server, " +
      "and filled in next time. Untick to forget them.";
    box.appendChild(check);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(label);
    var row = form.querySelector(".comment-form__row");
    row.insertAdjacentElement("afterend", box);
    box.insertAdjacentElement("afterend", help);

    var stored = readStored();
    if (stored) {
      check.checked = true;
      if (!name.value && typeof stored.name === "string") { name.value = stored.name; }
      if (!email.value && typeof stored.email === "string") { email.value = stored.email; }
    }
    form.addEventListener("submit", function () {
      try {
        if (check.checked) {
          window.localStorage.setItem(STORE, JSON.stringify({ name: name.value, email: email.value }));
        } else {
          window.localStorage.removeItem(STORE);
        }
      } catch (e) { /* full or switched off: nothing is remembered */ }
    });
  }

  refreshTimes();
  enhanceReplies();
  rememberCommenter();
  focusPostedNotice();
})();
