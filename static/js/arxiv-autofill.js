// "Fetch from arXiv" beside each arXiv id field: on the paper form and on the
// issue's paper rows, including rows added later with "Add another" (one
// listener on the document serves them all).
//
// Empty fields are filled from arXiv. A field the editor already filled with
// something else is left alone: an "arXiv says: … [Use this] [Keep mine]" note
// appears under it, so nothing typed is replaced without a click. A failed
// look-up shows arXiv's error beside the button and changes nothing.
(function () {
  "use strict";
  var FIELDS = {
    title: "title",
    authors: "authors",
    arxiv_date: "date",
    abstract: "abstract",
    primary_category: "category",
    arxiv_version: "version"
  };

  function reveal(root) {
    root.querySelectorAll("button.arxiv-fetch[hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function same(a, b) {
    return a.replace(/\s+/g, " ").trim() === b.replace(/\s+/g, " ").trim();
  }

  function fieldFor(idInput, name) {
    // Row fields share the id field's prefix: "papers-3-arxiv_id" -> "papers-3-title".
    var prefix = idInput.name.slice(0, idInput.name.length - "arxiv_id".length);
    var field = idInput.form && idInput.form.elements.namedItem(prefix + name);
    return field && field.tagName ? field : null;
  }

  function say(status, text, isError) {
    status.textContent = text;
    status.classList.toggle("arxiv-status--error", Boolean(isError));
  }

  function clearSuggestions(idInput) {
    Object.keys(FIELDS).forEach(function (name) {
      var field = fieldFor(idInput, name);
      var note = field && field.arxivSuggestion;
      if (note) {
        note.remove();
        field.arxivSuggestion = null;
      }
    });
  }

  function suggest(field, value) {
    var note = document.createElement("div");
    note.className = "arxiv-suggestion";
    var label = document.createElement("span");
    label.textContent = "arXiv says: ";
    var text = document.createElement("q");
    text.textContent = value.length > 300 ? value.slice(0, 299) + "…" : value;
    var use = document.createElement("button");
    use.type = "button";
    use.className = "button";
    use.textContent = "Use this";
    var keep = document.createElement("button");
    keep.type = "button";
    keep.className = "button";
    keep.textContent = "Keep mine";
    use.addEventListener("click", function () {
      field.value = value;
      field.dispatchEvent(new Event("change", { bubbles: true }));
      note.remove();
      field.arxivSuggestion = null;
    });
    keep.addEventListener("click", function () {
      note.remove();
      field.arxivSuggestion = null;
    });
    note.append(label, text, " ", use, " ", keep);
    var box = field.closest(".fieldBox") || field.closest(".form-row") || field.parentNode;
    box.appendChild(note);
    field.arxivSuggestion = note;
  }

  function apply(idInput, paper, status) {
    var filled = [];
    var differing = [];
    Object.keys(FIELDS).forEach(function (name) {
      var field = fieldFor(idInput, name);
      var value = paper[name] === null || paper[name] === undefined ? "" : String(paper[name]);
      if (!field || !value) {
        return;
      }
      if (!field.value.trim()) {
        field.value = value;
        field.dispatchEvent(new Event("change", { bubbles: true }));
        filled.push(FIELDS[name]);
      } else if (!same(field.value, value)) {
        suggest(field, value);
        differing.push(FIELDS[name]);
      }
    });
    var message = filled.length
      ? "Filled " + filled.join(", ") + " from arXiv."
      : "Nothing to fill: every field already has a value.";
    if (differing.length) {
      message += " arXiv differs on " + differing.join(", ") + ": see the notes below.";
    }
    say(status, message, false);
  }

  function lookup(button) {
    var wrap = button.parentNode;
    var idInput = wrap.querySelector("input[data-arxiv-id]");
    var status = wrap.nextElementSibling;
    if (!idInput || !status) {
      return;
    }
    clearSuggestions(idInput);
    var value = idInput.value.trim();
    if (!value) {
      say(status, "Paste an arXiv id or link first.", true);
      return;
    }
    button.disabled = true;
    say(status, "Asking arXiv…", false);
    var url = button.getAttribute("data-arxiv-lookup") + "?id=" + encodeURIComponent(value);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(
          function (data) { return data; },
          function () { return { error: "The site answered with an error (" + response.status + ")." }; }
        );
      })
      .then(function (data) {
        if (data.paper) {
          apply(idInput, data.paper, status);
        } else {
          say(status, data.error || "The look-up failed; nothing was changed.", true);
        }
      })
      .catch(function () {
        say(status, "The site could not be reached; nothing was changed.", true);
      })
      .finally(function () {
        button.disabled = false;
      });
  }

  reveal(document);
  document.addEventListener("formset:added", function (event) {
    reveal(event.target);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.arxiv-fetch");
    if (button) {
      event.preventDefault();
      lookup(button);
    }
  });
})();
