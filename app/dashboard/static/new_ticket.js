// The new-ticket page: as the caller's number (or the problem) is typed, ask the server who it
// is and show its answer (rendered and escaped there). Fields the staff member left empty are
// filled from the resident's record and the suggested category; anything they typed or chose
// themselves is never overwritten. Without JavaScript the form works the same, minus the help.
(function () {
  var form = document.getElementById("entry-form");
  var panel = document.getElementById("caller");
  var phone = document.getElementById("entry-phone");
  var problem = document.getElementById("entry-problem");
  if (!form || !panel || !phone) return;
  var fields = {
    name: document.getElementById("entry-name"),
    community: document.getElementById("entry-community"),
    building: document.getElementById("entry-building"),
    address: document.getElementById("entry-address"),
    category: document.getElementById("entry-category"),
  };
  var urgent = document.getElementById("entry-urgent");
  Object.keys(fields).forEach(function (key) {
    var field = fields[key];
    field.addEventListener("input", function () { delete field.dataset.auto; });
    field.addEventListener("change", function () { delete field.dataset.auto; field.dataset.touched = "1"; });
  });
  urgent.addEventListener("change", function () { urgent.dataset.touched = "1"; });

  function fill(field, value) {
    if (field.dataset.touched) return;
    if (field.value === "" || field.dataset.auto) {
      field.value = value || "";
      if (value) field.dataset.auto = "1"; else delete field.dataset.auto;
    }
  }

  function apply() {
    var card = panel.querySelector(".caller-card");
    if (!card) return;
    var known = card.dataset.state === "known";
    fill(fields.name, known ? card.dataset.name : "");
    fill(fields.building, known ? card.dataset.building : "");
    fill(fields.address, known ? card.dataset.address : "");
    if (known && card.dataset.community) fill(fields.community, card.dataset.community);
    if (card.dataset.category) fill(fields.category, card.dataset.category);
    if (!urgent.dataset.touched) urgent.checked = card.dataset.urgent === "1";
  }

  var timer = null;
  var asked = 0;
  function lookup() {
    var ticket = ++asked;
    var url = phone.dataset.lookup + "?phone=" + encodeURIComponent(phone.value) +
      "&problem=" + encodeURIComponent(problem.value.slice(0, 500));
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) {
        if (r.redirected) { location.reload(); throw new Error("logged out"); }
        if (r.ok) return r.text();
        throw new Error(r.status);
      })
      .then(function (html) {
        if (ticket !== asked) return; // an older answer arriving late
        panel.innerHTML = html;
        apply();
      })
      .catch(function () { /* keep the last answer; the form still works */ });
  }
  function soon() { clearTimeout(timer); timer = setTimeout(lookup, 250); }
  phone.addEventListener("input", soon);
  problem.addEventListener("input", soon);
  // Typing can start before this script runs (it is deferred): ask about what is already there.
  var first = panel.querySelector(".caller-card");
  if (first && first.dataset.state !== "none") apply();
  else if (phone.value || problem.value) lookup();
})();
