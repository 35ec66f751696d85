// Refresh the queue's rows every few seconds without reloading the page. The server renders
// (and escapes) the rows; this only swaps them in. Polling pauses while the tab is hidden.
(function () {
  var body = document.getElementById("queue-rows");
  if (!body) return;
  var every = (parseInt(body.dataset.every, 10) || 5) * 1000;
  function refresh() {
    if (document.hidden) return;
    fetch(body.dataset.src, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) {
        if (r.redirected) { location.reload(); throw new Error("logged out"); }
        if (r.ok) return r.text();
        throw new Error(r.status);
      })
      .then(function (html) { body.innerHTML = html; })
      .catch(function () { /* keep the last rows; try again next time */ });
  }
  setInterval(refresh, every);
})();
