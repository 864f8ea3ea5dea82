// "Preview" under each Markdown field of the editor's forms (intro, closing
// note, annotations, including paper rows added later with "Add another").
//
// The Markdown is rendered by the server, through the sanitiser the site uses
// for what readers see (digests/editor/preview.py); this script only sends
// the text and shows the HTML it gets back. Without JavaScript the button
// stays hidden and the field is a plain textarea.
(function () {
  "use strict";

  function reveal(root) {
    root.querySelectorAll("button.markdown-preview-button[hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function csrfToken(form) {
    var input = form && form.querySelector("input[name='csrfmiddlewaretoken']");
    return input ? input.value : "";
  }

  function show(output, html, note) {
    output.replaceChildren();
    if (note) {
      var message = document.createElement("p");
      message.className = "markdown-preview__note";
      message.textContent = note;
      output.appendChild(message);
    } else {
      // Sanitised by the server (nh3, the same rules as the public pages).
      output.innerHTML = html;
    }
    output.hidden = false;
  }

  function preview(button) {
    var field = button.closest(".markdown-field");
    var textarea = field.querySelector("textarea");
    var output = field.querySelector(".markdown-preview");
    var body = new FormData();
    body.append("text", textarea.value);
    button.disabled = true;
    fetch(button.dataset.markdownPreview, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(textarea.form) }
    })
      .then(function (response) {
        return response.text().then(function (text) {
          var plain = (response.headers.get("Content-Type") || "").indexOf("text/plain") === 0;
          if (!response.ok) {
            show(output, "", "No preview: " + (plain && text ? text.slice(0, 200)
              : "the site answered with an error (" + response.status + ")."));
          } else if (!text.trim()) {
            show(output, "", "Nothing to preview yet.");
          } else {
            show(output, text);
          }
        });
      })
      .catch(function () {
        show(output, "", "No preview: the site could not be reached.");
      })
      .finally(function () {
        button.disabled = false;
        button.textContent = "Update preview";
      });
  }

  reveal(document);
  document.addEventListener("formset:added", function (event) {
    reveal(event.target);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.markdown-preview-button");
    if (button) {
      event.preventDefault();
      preview(button);
    }
  });
})();
