// The queue catches up without reloading: every few seconds it asks for the rows' order and
// countdowns, and receives HTML only for rows that changed or that it does not have yet (the
// server renders and escapes it; this only swaps it in). A new urgent ticket is announced on
// the page and in the tab title. Keys: j / k move, Enter opens, / searches.
(function () {
  var body = document.getElementById("queue-rows");
  if (!body) return;
  var every = (parseInt(body.dataset.every, 10) || 5) * 1000;
  var since = body.dataset.since;
  var title = document.title;
  var seen = {};
  var selected = -1;
  var announce = document.getElementById("announce");
  var count = document.getElementById("queue-count");
  var empty = document.getElementById("queue-empty");

  function rows() { return Array.prototype.slice.call(body.querySelectorAll("tr[data-code]")); }
  rows().forEach(function (tr) { seen[tr.dataset.code] = true; });

  function fromHtml(html) {
    var t = document.createElement("tbody");
    t.innerHTML = html.trim();
    return t.firstElementChild;
  }

  function tell(codes) {
    announce.textContent = codes.map(function (code) {
      return body.dataset.urgentWords.replace("{code}", code);
    }).join(" ");
    announce.hidden = false;
    document.title = body.dataset.titleWords + " · " + title;
  }

  function quiet() {
    if (document.title !== title) document.title = title;
  }

  function apply(data) {
    var have = {};
    rows().forEach(function (tr) { have[tr.dataset.code] = tr; });
    var current = selected >= 0 && rows()[selected] ? rows()[selected].dataset.code : null;
    var fresh = [];
    var ordered = data.rows.map(function (row) {
      var tr = row.html ? fromHtml(row.html) : have[row.code];
      if (!tr) return null;
      if (!row.html) {
        tr.classList.remove("late", "soon", "fine");
        tr.classList.add(row.left);
        var left = tr.querySelector(".countdown span");
        if (left) left.textContent = row.countdown || "—";
      }
      if (row.urgent && !seen[row.code]) fresh.push(row.code);
      seen[row.code] = true;
      return tr;
    }).filter(Boolean);
    ordered.forEach(function (tr) { body.appendChild(tr); });  // moves kept rows into order
    rows().forEach(function (tr) { if (ordered.indexOf(tr) < 0) tr.remove(); });
    since = data.now;
    count.textContent = count.dataset.words.replace("{n}", data.total);
    empty.hidden = ordered.length > 0;
    if (current) select(rows().findIndex(function (tr) { return tr.dataset.code === current; }));
    if (fresh.length) tell(fresh);
  }

  function refresh() {
    if (document.hidden) return;
    var have = rows().map(function (tr) { return tr.dataset.code; }).join(",");
    var url = body.dataset.src + (body.dataset.src.indexOf("?") < 0 ? "?" : "&") +
      "since=" + encodeURIComponent(since) + "&have=" + encodeURIComponent(have);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.redirected) { location.reload(); throw new Error("logged out"); }
        if (r.ok) return r.json();
        throw new Error(r.status);
      })
      .then(apply)
      .catch(function () { /* keep the last rows; try again next time */ });
  }
  setInterval(refresh, every);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });

  function select(n) {
    var all = rows();
    all.forEach(function (tr) { tr.classList.remove("selected"); tr.removeAttribute("aria-selected"); });
    if (n < 0 || !all.length) { selected = -1; return; }
    selected = Math.min(n, all.length - 1);
    var tr = all[selected];
    tr.classList.add("selected");
    tr.setAttribute("aria-selected", "true");
    var link = tr.querySelector("a");
    if (link) link.focus({ preventScroll: true });
    tr.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (e) {
    quiet();
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea" || e.target.isContentEditable) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    if (e.key === "j") { select(selected + 1); e.preventDefault(); }
    else if (e.key === "k") { select(Math.max(0, selected - 1)); e.preventDefault(); }
    else if (e.key === "Enter" && selected >= 0 && rows()[selected]) {
      location.href = rows()[selected].dataset.href; e.preventDefault();
    } else if (e.key === "/") {
      var search = document.getElementById("queue-search");
      search.focus(); search.select(); e.preventDefault();
    }
  });
  document.addEventListener("click", quiet);
})();
