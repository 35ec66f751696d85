// The timeline's filter: untick a kind (texts, calls, staff, the line itself) to hide it.
(function () {
  var filter = document.getElementById("timeline-filter");
  var list = document.getElementById("timeline");
  if (!filter || !list) return;
  filter.addEventListener("change", function () {
    var shown = {};
    filter.querySelectorAll("input:checked").forEach(function (box) { shown[box.value] = true; });
    list.querySelectorAll(":scope > li").forEach(function (li) {
      li.hidden = !shown[li.dataset.kind];
    });
  });
})();
