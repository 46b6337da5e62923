// Live progress of a serial e-mail (/admin/mailings/{id}): polls the mailing's status
// every second and updates the progress bar and the counts until the mailing is finished.
// Without JavaScript the page shows the numbers of its last load and a reload link.
(() => {
  'use strict';
  const box = document.getElementById('ml-progress');
  if (!box || !window.fetch || box.dataset.finished === '1') return;
  const bar = document.getElementById('ml-bar');
  const stateText = document.getElementById('ml-state-text');

  function show(status) {
    bar.max = status.bar_max;
    bar.value = status.handled;
    bar.textContent = `${status.percent} %`;
    box.querySelectorAll('[data-count]').forEach((el) => {
      const value = status[el.dataset.count];
      if (value !== undefined) el.textContent = String(value);
    });
    if (status.finished) {
      stateText.textContent = box.dataset.textDone;
      box.dataset.finished = '1';
    }
  }

  async function poll() {
    try {
      const response = await fetch(box.dataset.statusUrl, {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { Accept: 'application/json' },
      });
      if (response.ok) show(await response.json());
    } catch (e) {
      // A failed poll (network hiccup, server restart) is simply retried on the next tick.
    }
    if (box.dataset.finished !== '1') window.setTimeout(poll, 1000);
  }

  window.setTimeout(poll, 1000);
})();
