// The header's search on a phone: opening the folded box puts the cursor in it,
// and Escape folds it again. Without JavaScript the <details> opens and closes
// on its own; this only saves a tap.
(function () {
  "use strict";
  var search = document.querySelector("details.site-search");
  if (!search) { return; }
  var input = search.querySelector("input[type=search]");
  search.addEventListener("toggle", function () {
    if (search.open && input) { input.focus(); }
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && search.open) {
      search.open = false;
      search.querySelector("summary").focus();
    }
  });
})();
