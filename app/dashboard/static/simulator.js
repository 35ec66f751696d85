// The phone simulator opens at the newest text and the newest turn of the call, as a phone does.
(function () {
  ["conversation", "transcript"].forEach(function (id) {
    var list = document.getElementById(id);
    if (list) list.scrollTop = list.scrollHeight;
  });
})();
