// Live progress on an edition page: polls the small JSON endpoint and updates the numbers, the bar,
// the chart and the error table in place. Without JavaScript the page still shows a snapshot.
(() => {
  const box = document.querySelector('[data-live]');
  if (!box) return;
  const url = box.getAttribute('data-live');
  // The buttons depend on the status: when it changes (sent, paused by an SMTP error), say so and offer a
  // reload rather than reloading under the operator's cursor.
  const initialStatus = box.getAttribute('data-status');
  const set = (sel, text) => {
    for (const el of document.querySelectorAll(sel)) el.textContent = text;
  };
  const duration = (s) => {
    if (s === undefined || s === null) return '–';
    s = Math.max(0, Math.round(s));
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
    return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  };
  const render = (d) => {
    const bar = document.getElementById('send-progress');
    if (bar) {
      bar.value = d.progress.percent;
      bar.textContent = `${d.progress.percent}%`;
    }
    set('[data-field="percent"]', String(d.progress.percent));
    set('[data-field="done"]', d.progress.done.toLocaleString('en'));
    set('[data-field="total"]', d.progress.total.toLocaleString('en'));
    set('[data-field="progress-sent"]', d.progress.sent.toLocaleString('en'));
    set('[data-field="progress-failed"]', d.progress.failed.toLocaleString('en'));
    set('[data-field="rate"]', d.rate);
    // When what is left goes, and why some are skipped: the server's words, shown only when there is something.
    for (const el of document.querySelectorAll('[data-field="timing"]')) {
      el.textContent = d.timing || '';
      el.hidden = !d.timing;
    }
    for (const el of document.querySelectorAll('[data-field="skipped"]')) {
      el.textContent = d.progress.skipped
        ? `Skipped, not counted as done: ${d.progress.skipped.toLocaleString('en')} (${d.skips})`
        : '';
      el.hidden = !d.progress.skipped;
    }
    set('[data-field="eta"]', duration(d.eta));
    for (const el of document.querySelectorAll('[data-field="status"]')) {
      el.textContent = d.status;
      el.className = `status ${d.status}`;
    }
    for (const el of document.querySelectorAll('[data-count]')) {
      const v = d[el.getAttribute('data-count')];
      if (typeof v === 'number') el.textContent = String(v);
    }
    // A relay outage holding the send: shown while it lasts, hidden once the relay answers.
    for (const el of document.querySelectorAll('[data-field="relay"]')) {
      el.textContent = d.relay || '';
      el.hidden = !d.relay;
    }
    const chart = document.querySelector('[data-field="chart"]');
    // The chart is our own SVG, built server-side from numbers only.
    if (chart) chart.innerHTML = d.chart;
    const body = document.querySelector('[data-field="errors"] tbody');
    if (body) {
      body.replaceChildren();
      const rows = d.errors.length ? d.errors : [{ outcome: 'None.', smtpCode: null, count: '' }];
      for (const e of rows) {
        const tr = document.createElement('tr');
        for (const v of [e.outcome, e.smtpCode ?? '–', e.count]) {
          const td = document.createElement('td');
          td.textContent = String(v);
          tr.append(td);
        }
        body.append(tr);
      }
    }
  };
  const tick = async () => {
    let next = 1000;
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (res.status === 401) return window.location.assign('/admin/login');
      if (res.ok) {
        const d = await res.json();
        render(d);
        const notice = document.getElementById('status-changed');
        if (notice) notice.hidden = d.status === initialStatus;
        // Finished editions change rarely (a retry, a resend): poll slowly.
        if (d.status !== 'sending') next = 10000;
      }
    } catch {
      next = 5000;
    }
    setTimeout(tick, next);
  };
  tick();
})();
