// Polls the import job's status and moves the progress bar; reloads the page when the job
// has ended so the server renders the per-line error report. Without JavaScript the page
// offers a reload link instead.
(function () {
  'use strict';
  var card = document.getElementById('import-job');
  if (!card || !document.getElementById('import-running')) return;
  var url = card.getAttribute('data-status');
  function set(id, value) {
    var el = document.getElementById(id);
    if (el) el.textContent = String(value);
  }
  function poll() {
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) return;
        document.getElementById('import-progress').value = s.percent;
        set('import-processed', s.processed);
        set('import-total', s.total);
        set('import-inserted', s.inserted);
        set('import-updated', s.updated);
        set('import-unchanged', s.unchanged);
        if (s.state === 'running') {
          setTimeout(poll, 1000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
