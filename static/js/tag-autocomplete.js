/* Tag suggestions for the comma-separated tag field on the paper forms.
   Each suggestion is offered as the whole field's value (the tags typed so
   far plus the completed one) through a <datalist>, so the browser's own
   list handles the keyboard and screen readers. Rows added with "Add another"
   work too: everything starts from a focus event. */
(function () {
  "use strict";
  var timer = null;

  function listFor(input) {
    if (!input.list) {
      var list = document.createElement("datalist");
      list.id = input.id + "-suggestions";
      input.insertAdjacentElement("afterend", list);
      input.setAttribute("list", list.id);
      input.setAttribute("autocomplete", "off");
    }
    return input.list;
  }

  function suggest(input) {
    var value = input.value;
    var cut = value.lastIndexOf(",");
    var done = cut >= 0 ? value.slice(0, cut + 1) + " " : "";
    var typed = value.slice(cut + 1).trim();
    var list = listFor(input);
    if (typed.length < 1) {
      list.replaceChildren();
      return;
    }
    var url = input.dataset.tagSuggest + "?q=" + encodeURIComponent(typed);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { tags: [] }; })
      .then(function (data) {
        var already = done.toLowerCase().split(",").map(function (t) {
          return t.trim().replace(/^"|"$/g, "");
        });
        list.replaceChildren.apply(list, data.tags
          .filter(function (name) { return already.indexOf(name.toLowerCase()) < 0; })
          .map(function (name) {
            var option = document.createElement("option");
            option.value = done + (name.indexOf(",") >= 0 || name.indexOf(" ") >= 0 ? '"' + name + '"' : name);
            return option;
          }));
      })
      .catch(function () { list.replaceChildren(); });
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.tagSuggest) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { suggest(input); }, 150);
  });
})();
