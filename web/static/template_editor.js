// Live preview of the template editor (/admin/templates/{key}/{lang}): after a pause in
// typing, posts the draft to the preview route and shows the rendered mail and the
// template check's problems. Without JavaScript the "Vorschau" button does the same.
(() => {
  'use strict';
  const form = document.getElementById('tp-form');
  const target = document.getElementById('tp-preview');
  if (!form || !target || !window.fetch) return;
  let timer = 0;
  let latest = 0;

  async function refresh() {
    const mine = ++latest;
    const body = new URLSearchParams(new FormData(form));
    body.delete('action');
    try {
      const response = await fetch(form.dataset.previewUrl, {
        method: 'POST',
        body,
        credentials: 'same-origin',
        headers: { Accept: 'text/html' },
      });
      // An answer to an older draft must not overwrite a newer one.
      if (response.ok && mine === latest) target.innerHTML = await response.text();
    } catch (e) {
      // Keep the last preview; the "Vorschau" button still works.
    }
  }

  form.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
})();
