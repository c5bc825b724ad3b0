// Lan Tỏa phone app: record each support in three taps (resident → service → outcome), offline first.
// State lives in localStorage: the working set pulled from /api/v1/sync, and a queue of items not yet sent, each with
// the UUID it was created with, so that a retried send never duplicates. The queue belongs to the account that made
// it (only that account sends it), and the personal fields of its items (names, addresses, CCCD, phone) are sealed with
// AES-GCM under a key the server gives at sign-in, kept as a non-extractable CryptoKey in IndexedDB. Signing out wipes
// everything the app stored. A team leader's periodic reports are kept the same way: the last list pulled, and a draft
// per report typed on the phone, which waits until it is sent (saved or submitted) when the network returns.
'use strict';
(function () {
  const KEY = 'lantoa.';
  const store = {
    get(name, fallback) { try { const v = localStorage.getItem(KEY + name); return v ? JSON.parse(v) : fallback; } catch (e) { return fallback; } },
    set(name, value) { localStorage.setItem(KEY + name, JSON.stringify(value)); },
    wipe() { for (const k of Object.keys(localStorage)) if (k.startsWith(KEY)) localStorage.removeItem(k); },
  };

  // ---- the queue's key: a non-extractable AES-GCM key per account, in IndexedDB
  // A difficulty's text and photo often name or show a resident: sealed too while they wait on the phone.
  const PERSONAL = ['fullName', 'cccd', 'phone', 'address', 'headName', 'description', 'photo'];
  const keys = {
    db() {
      return new Promise((resolve, reject) => {
        const open = indexedDB.open('lantoa', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('keys');
        // A sign-out deleting the database must not wait for a connection left open.
        open.onsuccess = () => { open.result.onversionchange = () => open.result.close(); resolve(open.result); };
        open.onerror = () => reject(open.error);
      });
    },
    async put(account, base64) {
      const raw = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const key = await crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
      const db = await keys.db();
      await new Promise((resolve, reject) => { const tx = db.transaction('keys', 'readwrite'); tx.objectStore('keys').put(key, account); tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
      db.close();
    },
    async get(account) {
      const db = await keys.db();
      const key = await new Promise((resolve) => { const r = db.transaction('keys').objectStore('keys').get(account); r.onsuccess = () => resolve(r.result || null); r.onerror = () => resolve(null); });
      db.close();
      return key;
    },
    // Resolves once the database is gone (a pending open elsewhere only delays it).
    wipe() { return new Promise((resolve) => { const r = indexedDB.deleteDatabase('lantoa'); r.onsuccess = r.onerror = () => resolve(); }); },
  };
  const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
  const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

  // Seals an item's personal fields into `sealed`; the rest (ids, codes, years) stays readable for the queue's logic.
  async function seal(item) {
    const key = await keys.get(store.get('account', ''));
    if (!key) throw new Error('no queue key');
    const personal = {};
    const rest = {};
    for (const [k, v] of Object.entries(item)) (PERSONAL.includes(k) ? personal : rest)[k] = v;
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(item.id) }, key,
      new TextEncoder().encode(JSON.stringify(personal)));
    return Object.assign(rest, { sealed: b64(iv) + '.' + b64(data) });
  }

  async function unseal(item) {
    if (!item.sealed) return item;
    const key = await keys.get(store.get('account', ''));
    const [iv, data] = item.sealed.split('.');
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: unb64(iv), additionalData: new TextEncoder().encode(item.id) }, key, unb64(data));
    const open = Object.assign({}, item, JSON.parse(new TextDecoder().decode(plain)));
    delete open.sealed;
    return open;
  }
  const OUTCOMES = [
    { code: 'done', label: 'Đã xong', cls: 'ok' },
    { code: 'guided', label: 'Đã hướng dẫn, chưa xong', cls: 'warn', reason: 'needs_follow_up' },
    { code: 'refused', label: 'Người dân từ chối', cls: '' },
  ];
  const PILLARS = { government: 'Chính quyền số', economy: 'Kinh tế số', society: 'Xã hội số' };
  const $ = (id) => document.getElementById(id);
  const view = $('view');
  let stack = [];
  let syncing = false;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'onclick') node.addEventListener('click', v);
      else if (k === 'text') node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // The server's date, not the phone's: cheap phones' clocks are often wrong. The offset is learnt at each pull.
  function today() {
    const d = new Date(Date.now() + store.get('clockOffset', 0) + 7 * 3600 * 1000); // Vietnam time
    return d.toISOString().slice(0, 10);
  }

  async function api(method, path, body, retried) {
    const token = store.get('token', null);
    const response = await fetch(path, {
      method,
      headers: Object.assign({ 'Content-Type': 'application/json' }, token ? { Authorization: 'Bearer ' + token } : {}),
      body: body ? JSON.stringify(body) : undefined,
    });
    if (response.status === 401 && token && !retried && await refresh()) return api(method, path, body, true);
    if (response.status === 401) { store.set('token', null); throw new Error('unauthorized'); }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(data.detail || data.title || response.status), { data });
    return data;
  }

  // A phone back online after its token expired (a long offline shift) exchanges its refresh token for a new pair.
  async function refresh() {
    const refreshToken = store.get('refresh', null);
    if (!refreshToken) return false;
    const response = await fetch('/api/v1/auth/refresh', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refreshToken }) });
    if (!response.ok) { store.set('refresh', null); return false; }
    const pair = await response.json();
    signedIn(pair);
    return true;
  }

  function signedIn(pair) {
    store.set('token', pair.token);
    store.set('refresh', pair.refreshToken);
    store.set('account', String(pair.account).toLowerCase());
  }

  // ---- queue and sync

  // Each account's queue is its own: another account signing in on the same phone neither sees nor sends it.
  function queue() { return store.get('queue.' + store.get('account', ''), []); }
  function setQueue(items) { store.set('queue.' + store.get('account', ''), items); }

  function showQueue() {
    const n = queue().length + outgoing().length + asked().length;
    $('queue').hidden = n === 0;
    $('queue-count').textContent = String(n);
    $('net').className = navigator.onLine ? 'net' : 'net off';
    $('net').title = navigator.onLine ? 'Có mạng' : 'Mất mạng: dữ liệu được lưu trên máy';
  }

  async function sync() {
    if (syncing || !store.get('token', null)) return;
    syncing = true;
    try {
      const pending = await Promise.all(queue().slice(0, 1000).map(unseal));
      if (pending.length > 0) {
        // Households first, then residents, then supports: new people can be referred to in the same batch.
        const of = (kind) => pending.filter((x) => (x.kind || 'activity') === kind).map((x) => { const c = Object.assign({}, x); delete c.kind; return c; });
        const reply = await api('POST', '/api/v1/sync', { households: of('household'), residents: of('resident'), activities: of('activity') });
        const settled = new Set(reply.results.filter((r) => r.status !== 'rejected').map((r) => (r.id || '').toLowerCase()));
        const rejected = reply.results.filter((r) => r.status === 'rejected');
        if (rejected.length) store.set('rejected', store.get('rejected', []).concat(rejected));
        const rejectedIDs = new Set(rejected.map((r) => (r.id || '').toLowerCase()));
        setQueue(queue().filter((a) => !settled.has(a.id) && !rejectedIDs.has(a.id)));
        for (const a of pending) if (settled.has(a.id)) markDone(a);
      }
      await pull();
      await sendReports();
      await pullReports();
      await sendDifficulties();
      await pullDifficulties();
      const raised = document.getElementById('difficulties');
      if (raised) raised.replaceWith(difficultyList());
      await sendReads();
      await pullNotices();
      const box = document.getElementById('notices');
      if (box) box.replaceWith(noticesBox());
      const messages = document.getElementById('messages');
      if (messages) messages.replaceWith(messagesBox());
    } catch (e) {
      if (e.message === 'unauthorized') render();
    } finally {
      syncing = false;
      showQueue();
    }
    // After the sync, not inside it: a first download of the guides on a weak network never holds supports back.
    refreshGuides();
  }

  async function pull() {
    const set = store.get('set', { households: [], residents: [], services: [], cursor: '' });
    // Drop local copies of what was created here, now that the server's versions come back.
    set.households = set.households.filter((h) => !h.pending || queue().some((q) => q.id === h.id));
    set.residents = set.residents.filter((r) => !r.pending || queue().some((q) => q.id === r.id));
    let cursor = set.cursor;
    for (let page = 0; page < 50; page++) {
      const part = await api('GET', '/api/v1/sync?limit=1000' + (cursor ? '&since=' + encodeURIComponent(cursor) : ''));
      merge(set.households, part.households);
      merge(set.residents, part.residents);
      set.services = part.services;
      set.hamlets = part.hamlets;
      cursor = part.cursor;
      if (typeof part.serverTime === 'number') store.set('clockOffset', part.serverTime * 1000 - Date.now());
      if (part.complete) break;
    }
    set.cursor = cursor;
    store.set('set', set);
  }

  function merge(list, items) {
    const index = new Map(list.map((x, i) => [x.id.toLowerCase(), i]));
    for (const item of items) {
      const i = index.get(item.id.toLowerCase());
      if (i === undefined) list.push(item); else list[i] = item;
    }
  }

  function markDone(activity) {
    if (activity.outcome !== 'done') return;
    const set = store.get('set', null);
    if (!set) return;
    const r = set.residents.find((x) => x.id.toLowerCase() === activity.resident);
    if (r && !r.done[activity.service]) { r.done[activity.service] = activity.on; store.set('set', set); }
  }

  async function enqueue(item, localCopy, listName) {
    setQueue(queue().concat([await seal(item)]));
    if (localCopy) {
      const set = store.get('set', { households: [], residents: [], services: [] });
      set[listName].push(Object.assign({ pending: true }, localCopy));
      store.set('set', set);
    }
    showQueue();
    sync();
  }

  function record(resident, service, outcome) {
    const activity = { kind: 'activity', id: uuid(), resident: resident.id.toLowerCase(), service: service.code, outcome: outcome.code, channel: 'door_to_door', on: today() };
    if (outcome.reason) activity.reason = outcome.reason;
    setQueue(queue().concat([activity]));
    showQueue();
    sync();
    return activity;
  }

  function isDone(resident, code) {
    if (resident.done && resident.done[code]) return true;
    return queue().some((a) => (a.kind || 'activity') === 'activity' && a.resident === resident.id.toLowerCase() && a.service === code && a.outcome === 'done');
  }

  // ---- periodic reports (báo cáo định kỳ): the list the server says the account makes, and the phone's drafts

  const STATUS = { not_yet_due: 'Chưa đến kỳ nộp', due: 'Đến hạn nộp', late: 'Quá hạn, chưa nộp', submitted: 'Đã nộp, chờ duyệt',
    returned: 'Bị trả lại', approved: 'Đã duyệt', not_received: 'Không có báo cáo' };
  const reportKey = (r) => [r.template, r.period, r.reporter.key].join('|');
  function reports() { return store.get('reports.' + store.get('account', ''), []); }
  function drafts() { return store.get('drafts.' + store.get('account', ''), {}); }
  function setDrafts(d) { store.set('drafts.' + store.get('account', ''), d); }
  // Drafts waiting to be sent: `send` is 'save' or 'submit'.
  function outgoing() { return Object.values(drafts()).filter((d) => d.send); }

  async function pullReports() {
    const list = await api('GET', '/api/v1/reports/mine');
    store.set('reports.' + store.get('account', ''), list);
    // A draft of a report no longer listed (its period has passed) and not waiting to be sent is dropped.
    const listed = new Set(list.map(reportKey));
    const all = drafts();
    for (const key of Object.keys(all)) if (!listed.has(key) && !all[key].send) delete all[key];
    setDrafts(all);
  }

  // The server's report replaces the local copy; the draft goes, unless it was edited again meanwhile (`rev`).
  function landed(d, report) {
    const list = reports();
    const i = list.findIndex((r) => reportKey(r) === d.key);
    if (i >= 0) list[i] = report; else list.push(report);
    store.set('reports.' + store.get('account', ''), list);
    const all = drafts();
    if (all[d.key] && all[d.key].rev === d.rev) delete all[d.key];
    setDrafts(all);
  }

  const sameEntries = (d, r) => JSON.stringify([d.numbers, d.texts]) ===
    JSON.stringify([Object.fromEntries(Object.keys(d.numbers).map((k) => [k, r.numbers[k]])), Object.fromEntries(Object.keys(d.texts).map((k) => [k, r.texts[k]]))])
    && Object.keys(r.numbers).every((k) => k in d.numbers) && Object.keys(r.texts).every((k) => k in d.texts);

  // Sends the waiting drafts one by one. A refusal (a bad value, a report meanwhile locked) stays on the phone with the
  // server's words and is not sent again until edited; a network failure leaves it waiting.
  async function sendReports() {
    const sent = new Set();
    for (const d of outgoing()) {
      const path = '/api/v1/reports/' + [d.template, d.period, d.reporter].map(encodeURIComponent).join('/');
      try {
        landed(d, await api(d.send === 'submit' ? 'POST' : 'PUT', path + (d.send === 'submit' ? '/submit' : ''), { numbers: d.numbers, texts: d.texts }));
        sent.add(d.key);
      } catch (e) {
        // No answer, or a server busy or failing (5xx, 408, 429): the draft waits for the next sync.
        const status = e.data && e.data.status;
        if (!status || status >= 500 || status === 408 || status === 429) throw e;
        const codes = (e.data.errors || []).map((x) => x.code);
        // A submission whose answer was lost on the way: the server already holds these very values.
        if (d.send === 'submit' && codes.includes('error.report_submitted')) {
          const report = await api('GET', path);
          if (sameEntries(d, report)) { landed(d, report); sent.add(d.key); continue; }
        }
        const all = drafts();
        if (all[d.key] && all[d.key].rev === d.rev) {
          all[d.key].send = null;
          all[d.key].error = (e.data.errors || []).map((x) => x.message).join('; ') || e.data.detail || e.data.title;
          setDrafts(all);
          sent.add(d.key);
        }
      }
    }
    // The list, or the report on screen if it was one of those sent, shows what became of them.
    const top = stack[stack.length - 1];
    if (top && (top.screen === reportsScreen && sent.size || top.screen === reportScreen && sent.has(top.args))) draw();
  }

  function reportsScreen() {
    const list = el('div', { id: 'reports' });
    const fill = () => {
      list.replaceChildren();
      const mine = reports();
      const waiting = drafts();
      for (const r of mine) {
        const d = waiting[reportKey(r)];
        const note = d ? (d.send ? ' · chờ gửi' : d.error ? ' · chưa gửi được' : ' · bản nháp trên máy') : '';
        list.append(el('button', { class: 'item report', 'data-key': reportKey(r), onclick: () => go(reportScreen, reportKey(r), r.name) },
          [`${r.name} · ${r.period}`, el('small', { text: (STATUS[r.status] || r.status) + note })]));
      }
      if (!mine.length) list.append(el('p', { text: navigator.onLine ? 'Bạn không phải lập báo cáo nào.' : 'Cần có mạng để tải danh sách báo cáo lần đầu.' }));
    };
    fill();
    view.append(list);
    if (navigator.onLine) pullReports().then(() => { if (stack[stack.length - 1].screen === reportsScreen) fill(); }).catch(() => {});
  }

  function reportScreen(key) {
    const r = reports().find((x) => reportKey(x) === key);
    if (!r) { back(); return; }
    const d = drafts()[key];
    // The phone's draft as typed, else the server's values.
    const numbers = d ? d.numbers : r.numbers;
    const texts = d ? d.texts : r.texts;
    // As the server last said: entry open for this account (a draft kept on the phone is sent all the same).
    const editable = r.actions.submit;
    view.append(el('p', { class: 'muted', text: `${r.reporter.name} · hạn nộp ${r.deadline.split('-').reverse().join('/')}` }),
      el('p', { id: 'report-status', text: STATUS[r.status] || r.status }));
    if (r.status === 'returned' && r.reason) view.append(el('p', { class: 'msg err', text: 'Lý do trả lại: ' + r.reason }));
    if (d && d.error) view.append(el('p', { class: 'msg err', id: 'report-error', text: 'Chưa gửi được: ' + d.error }));
    if (d && d.send) view.append(el('p', { class: 'msg', id: 'report-waiting', text: 'Đã lưu trên máy, sẽ gửi khi có mạng.' }));
    const figures = r.fields.filter((f) => f.kind === 'figure');
    if (figures.length) {
      view.append(el('div', { class: 'pillar', text: 'Số liệu từ sổ hỗ trợ' }));
      for (const f of figures) view.append(el('p', { class: 'figure' }, [f.name + ': ', el('strong', { text: String(r.figures[f.code] ?? 0) })]));
    }
    const inputs = [];
    for (const f of r.fields.filter((x) => x.kind !== 'figure')) {
      const id = 'rp-' + f.code;
      const attrs = { id, 'data-field': f.code, 'data-kind': f.kind };
      if (!editable) attrs.disabled = '';
      const input = f.kind === 'number'
        ? el('input', Object.assign(attrs, { inputmode: 'numeric', value: numbers[f.code] === undefined ? '' : String(numbers[f.code]) }))
        : el('textarea', Object.assign(attrs, { rows: '3' }));
      if (f.kind === 'text') input.value = texts[f.code] || '';
      inputs.push(input);
      view.append(el('label', { for: id, text: f.name + (f.required ? ' *' : '') }), input);
    }
    const msg = el('p', { class: 'msg err', id: 'report-problem', hidden: '' });
    view.append(msg);
    const discard = el('button', { id: 'report-discard', text: 'Bỏ bản nháp trên máy', onclick: () => {
      if (!confirm('Bỏ các số liệu đã nhập trên máy cho báo cáo này?')) return;
      const all = drafts();
      delete all[key];
      setDrafts(all);
      showQueue();
      draw();
    } });
    if (!editable) { if (d) view.append(discard); return; }
    // Kept on the phone at once; sent with the next sync.
    const keep = (send) => {
      const entry = { key, rev: uuid(), template: r.template, period: r.period, reporter: r.reporter.key, numbers: {}, texts: {}, send, error: null };
      const problems = [];
      for (const input of inputs) {
        const f = r.fields.find((x) => x.code === input.dataset.field);
        const v = input.value.trim();
        if (f.kind === 'number') {
          if (v === '') { if (send === 'submit' && f.required) problems.push(f.name + ': bắt buộc nhập'); continue; }
          if (!/^\d{1,9}$/.test(v)) { problems.push(f.name + ': cần là số nguyên không âm'); continue; }
          entry.numbers[f.code] = Number(v);
        } else if (v) entry.texts[f.code] = v; else if (send === 'submit' && f.required) problems.push(f.name + ': bắt buộc nhập');
      }
      if (problems.length) { msg.textContent = problems.join('; '); msg.hidden = false; return; }
      const all = drafts();
      all[key] = entry;
      setDrafts(all);
      showQueue();
      sync();
      draw();
    };
    view.append(el('button', { id: 'report-save', text: 'Lưu nháp', onclick: () => keep('save') }),
      el('button', { class: 'primary', id: 'report-submit', text: 'Gửi báo cáo', onclick: () => keep('submit') }));
    if (d) view.append(discard);
  }

  // ---- screens

  function go(screen, args, title) { stack.push({ screen, args, title }); draw(); }
  function back() { stack.pop(); draw(); }

  function draw() {
    const top = stack[stack.length - 1];
    $('back').hidden = stack.length <= 1;
    $('title').textContent = top.title;
    view.replaceChildren();
    top.screen(top.args);
    window.scrollTo(0, 0);
  }

  function render() {
    showQueue();
    if (!store.get('token', null)) { stack = [{ screen: loginScreen, title: 'Đăng nhập' }]; $('tabs').hidden = true; draw(); return; }
    $('tabs').hidden = false;
    stack = [{ screen: householdsScreen, title: 'Hộ dân' }];
    draw();
  }

  function loginScreen() {
    const login = el('input', { id: 'app-login', autocomplete: 'username', autocapitalize: 'none' });
    const password = el('input', { id: 'app-password', type: 'password', autocomplete: 'current-password' });
    const msg = el('p', { id: 'app-login-error', class: 'msg err', hidden: '' });
    const submit = el('button', { id: 'app-login-submit', class: 'primary', text: 'Đăng nhập', onclick: async () => {
      msg.hidden = true;
      try {
        const reply = await api('POST', '/api/v1/auth/login', { login: login.value.trim(), password: password.value });
        const account = String(reply.account).toLowerCase();
        await keys.put(account, reply.queueKey);
        // Another account's working set is not this one's.
        if (store.get('account', account) !== account) store.set('set', null);
        signedIn(reply);
        if (!store.get('set', null)) store.set('set', { households: [], residents: [], services: [], cursor: '' });
        await pull();
        await pullNotices().catch(() => {});
        render();
        // The guides are kept in the background: the app is usable meanwhile.
        refreshGuides();
      } catch (e) {
        msg.textContent = navigator.onLine ? 'Sai tên đăng nhập hoặc mật khẩu.' : 'Cần có mạng để đăng nhập lần đầu.';
        msg.hidden = false;
      }
    } });
    view.append(el('label', { for: 'app-login', text: 'Tên đăng nhập' }), login,
      el('label', { for: 'app-password', text: 'Mật khẩu' }), password, submit, msg);
  }

  function householdsScreen() {
    const set = store.get('set', { households: [], residents: [] });
    const search = el('input', { type: 'search', id: 'household-search', placeholder: 'Tìm hộ, địa chỉ…' });
    const list = el('div', { id: 'households' });
    const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/gi, 'd').toLowerCase();
    const fill = () => {
      const q = fold(search.value);
      list.replaceChildren();
      const households = set.households.filter((h) => !q || fold(h.address + ' ' + h.headName).includes(q))
        .sort((a, b) => a.address.localeCompare(b.address, 'vi', { numeric: true }));
      for (const h of households) {
        const members = set.residents.filter((r) => (r.household || '').toLowerCase() === h.id.toLowerCase());
        list.append(el('button', { class: 'item household', onclick: () => go(residentsScreen, h, h.headName) },
          [h.address, el('small', { text: `${h.headName} · ${members.length} người` })]));
      }
      if (!households.length) list.append(el('p', { text: set.households.length ? 'Không có hộ phù hợp.' : 'Chưa có hộ nào trong thôn.' }));
    };
    search.addEventListener('input', fill);
    fill();
    view.append(noticesBox());
    view.append(search, list, el('button', { class: 'primary', id: 'add-household', text: '+ Thêm hộ', onclick: () => go(householdForm, null, 'Thêm hộ') }));
  }

  function field(id, label, attrs) {
    return [el('label', { for: id, text: label }), el('input', Object.assign({ id }, attrs || {}))];
  }

  function householdForm() {
    const set = store.get('set', { hamlets: [] });
    const hamlet = el('select', { id: 'hh-hamlet' });
    for (const h of set.hamlets || []) hamlet.append(el('option', { value: h.code, text: h.name }));
    const msg = el('p', { class: 'msg err', hidden: '' });
    view.append(el('label', { for: 'hh-hamlet', text: 'Thôn, tổ dân phố' }), hamlet,
      ...field('hh-address', 'Địa chỉ (số nhà, ngõ, xóm)'), ...field('hh-head', 'Chủ hộ'), msg,
      el('button', { class: 'primary', id: 'hh-save', text: 'Lưu hộ', onclick: async () => {
        const address = $('hh-address').value.trim();
        const head = $('hh-head').value.trim();
        if (!address || !head || !hamlet.value) { msg.textContent = 'Cần nhập địa chỉ và chủ hộ.'; msg.hidden = false; return; }
        const household = { id: uuid(), hamlet: hamlet.value, address, headName: head };
        await enqueue(Object.assign({ kind: 'household' }, household), household, 'households');
        stack.pop();
        go(residentsScreen, household, head);
      } }));
  }

  function residentForm(household) {
    const gender = el('select', { id: 'rs-gender' }, [el('option', { value: 'female', text: 'Nữ' }), el('option', { value: 'male', text: 'Nam' })]);
    const smartphone = el('input', { id: 'rs-smartphone', type: 'checkbox' });
    const consent = el('input', { id: 'rs-consent', type: 'checkbox' });
    const msg = el('p', { class: 'msg err', hidden: '' });
    view.append(...field('rs-name', 'Họ và tên'), el('label', { for: 'rs-gender', text: 'Giới tính' }), gender,
      ...field('rs-year', 'Năm sinh', { inputmode: 'numeric', maxlength: '4' }),
      ...field('rs-cccd', 'Số CCCD (nếu có)', { inputmode: 'numeric', maxlength: '12', autocomplete: 'off' }),
      ...field('rs-phone', 'Số điện thoại (nếu có)', { inputmode: 'tel' }),
      el('label', {}, [smartphone, ' Có điện thoại thông minh']),
      el('label', {}, [consent, ' Người dân đồng ý cho ghi nhận thông tin']), msg,
      el('button', { class: 'primary', id: 'rs-save', text: 'Lưu người dân', onclick: async () => {
        const name = $('rs-name').value.trim();
        const year = Number($('rs-year').value);
        const cccd = $('rs-cccd').value.replace(/\D/g, '');
        const problems = [];
        if (!name) problems.push('Cần nhập họ và tên.');
        if (!(year > 1900 && year <= Number(today().slice(0, 4)))) problems.push('Năm sinh không hợp lệ.');
        if (cccd && cccd.length !== 12) problems.push('Số CCCD gồm 12 chữ số.');
        if (!consent.checked) problems.push('Cần người dân đồng ý trước khi ghi nhận.');
        if (problems.length) { msg.textContent = problems.join(' '); msg.hidden = false; return; }
        const resident = { id: uuid(), household: household.id.toLowerCase(), hamlet: household.hamlet, fullName: name, gender: gender.value,
          birthYear: year, hasSmartphone: smartphone.checked, consentOn: today() };
        const phone = $('rs-phone').value.trim();
        const sent = Object.assign({ kind: 'resident' }, resident, cccd ? { cccd } : {}, phone ? { phone } : {});
        // The phone keeps the CCCD only until it is sent; its own list shows it masked, like the server.
        await enqueue(sent, Object.assign({}, resident, { cccd: cccd ? cccd.slice(0, 3) + '*******' + cccd.slice(10) : '', phone, done: {}, erased: false }), 'residents');
        back();
      } }));
  }

  function residentsScreen(household) {
    const set = store.get('set', { residents: [] });
    const people = set.residents.filter((r) => (r.household || '').toLowerCase() === household.id.toLowerCase());
    for (const r of people) {
      view.append(el('button', { class: 'item resident', onclick: () => go(servicesScreen, r, r.fullName) },
        [r.fullName, el('small', { text: `${r.gender === 'female' ? 'Nữ' : 'Nam'} · ${r.birthYear}${r.hasSmartphone ? ' · có điện thoại thông minh' : ''}` })]));
    }
    view.append(el('button', { class: 'primary', id: 'add-resident', text: '+ Thêm người trong hộ', onclick: () => go(residentForm, household, 'Thêm người dân') }));
  }

  function servicesScreen(resident) {
    const set = store.get('set', { services: [] });
    const year = Number(today().slice(0, 4));
    for (const pillar of Object.keys(PILLARS)) {
      const services = set.services.filter((s) => s.pillar === pillar && s.unit === 'person' && year - resident.birthYear >= s.minimumAge);
      if (!services.length) continue;
      view.append(el('div', { class: 'pillar', text: PILLARS[pillar] }));
      const grid = el('div', { class: 'grid' });
      for (const s of services) {
        const done = isDone(resident, s.code);
        grid.append(el('button', { class: 'item big service' + (done ? ' done' : ''), 'data-code': s.code,
          onclick: () => go(outcomeScreen, { resident, service: s }, s.name) }, [s.name, el('small', { text: done ? 'Đã xong ✓' : ' ' })]));
      }
      view.append(grid);
    }
  }

  function outcomeScreen({ resident, service }) {
    view.append(el('p', { text: `${resident.fullName} — ${service.name}` }));
    for (const outcome of OUTCOMES) {
      view.append(el('button', { class: 'item big outcome ' + outcome.cls, 'data-outcome': outcome.code, onclick: () => {
        record(resident, service, outcome);
        stack.pop();
        draw();
        view.prepend(el('p', { class: 'msg', id: 'recorded', text: `Đã ghi: ${service.name} · ${outcome.label}` }));
      } }, [outcome.label]));
    }
  }

  function sweepScreen() {
    const set = store.get('set', { services: [], residents: [], households: [] });
    const select = el('select', { id: 'sweep-service' });
    for (const s of set.services.filter((x) => x.unit === 'person')) select.append(el('option', { value: s.code, text: s.name }));
    const out = el('div', { id: 'sweep' });
    const fill = () => {
      const service = set.services.find((s) => s.code === select.value);
      if (!service) return;
      const year = Number(today().slice(0, 4));
      const eligible = set.residents.filter((r) => !r.erased && year - r.birthYear >= service.minimumAge);
      const missing = eligible.filter((r) => !isDone(r, service.code));
      out.replaceChildren(el('p', { class: 'progress', text: `Đã xong ${eligible.length - missing.length}/${eligible.length}` }));
      const byHousehold = new Map();
      for (const r of missing) {
        const key = (r.household || '').toLowerCase();
        if (!byHousehold.has(key)) byHousehold.set(key, []);
        byHousehold.get(key).push(r);
      }
      const households = new Map(set.households.map((h) => [h.id.toLowerCase(), h]));
      const keys = [...byHousehold.keys()].sort((a, b) => ((households.get(a) || {}).address || '~').localeCompare((households.get(b) || {}).address || '~', 'vi', { numeric: true }));
      for (const key of keys) {
        const h = households.get(key);
        out.append(el('div', { class: 'pillar', text: h ? h.address : 'Chưa gắn hộ' }));
        for (const r of byHousehold.get(key)) {
          out.append(el('button', { class: 'item', onclick: () => go(outcomeScreen, { resident: r, service }, service.name) }, [r.fullName]));
        }
      }
    };
    select.addEventListener('change', fill);
    view.append(el('label', { for: 'sweep-service', text: 'Dịch vụ' }), select, out);
    fill();
  }

  // ---- notices and good practices, on the home screen until read

  function notices() { return store.get('notices.' + store.get('account', ''), []); }

  async function pullNotices() {
    store.set('notices.' + store.get('account', ''), await api('GET', '/api/v1/announcements'));
    store.set('messages.' + store.get('account', ''), await api('GET', '/api/v1/notifications'));
  }

  // The account's messages (answers to its difficulties, tasks, reminders, notices), as last pulled.
  function messagesBox() {
    const box = el('div', { id: 'messages' }, [el('h2', { text: 'Thông báo' })]);
    const list = store.get('messages.' + store.get('account', ''), []);
    if (!list.length) box.append(el('p', { class: 'muted', text: 'Chưa có thông báo nào.' }));
    for (const m of list.slice(0, 30)) {
      box.append(el('p', { class: 'item message' + (m.read ? '' : ' unread'), text: m.message }));
    }
    return box;
  }

  function noticesBox() {
    const unread = notices().filter((n) => !n.read);
    const box = el('div', { id: 'notices' });
    for (const n of unread.slice(0, 5)) {
      const body = el('p', { text: n.body, hidden: '' });
      box.append(el('div', { class: 'item notice', 'data-id': n.id }, [
        el('strong', { text: (n.kind === 'practice' ? 'Cách làm hay: ' : 'Thông báo: ') + n.title }), el('small', { text: n.unit }), body,
        el('button', { class: 'notice-read', text: 'Xem', onclick: async (event) => {
          body.hidden = false;
          event.target.remove();
          // Read receipts are sent when the network allows; the notice stays marked read on the phone.
          store.set('notices.' + store.get('account', ''), notices().map((x) => x.id === n.id ? Object.assign({}, x, { read: true }) : x));
          try { await api('POST', '/api/v1/announcements/' + n.id + '/read'); } catch (e) { setUnsentReads(unsentReads().concat([n.id])); }
        } })]));
    }
    return box;
  }

  // Each account's receipts are its own; one the server refuses (a notice gone) is dropped.
  function unsentReads() { return store.get('unsentReads.' + store.get('account', ''), []); }
  function setUnsentReads(ids) { store.set('unsentReads.' + store.get('account', ''), ids); }

  async function sendReads() {
    for (const id of unsentReads()) {
      try { await api('POST', '/api/v1/announcements/' + id + '/read'); } catch (e) {
        const status = e.data && e.data.status;
        if (!status || status >= 500 || status === 408 || status === 429) throw e;
      }
      setUnsentReads(unsentReads().filter((x) => x !== id));
    }
  }

  // ---- guides (tài liệu hướng dẫn), kept on the phone to read without network

  // What the phone keeps of the guides, text and pictures together: the guides that fit, in the server's order, are
  // kept whole; the others are read when online. Pictures never change (a new one has a new id), so each is fetched once.
  const GUIDE_BUDGET = 10 * 1024 * 1024;
  const GUIDE_CACHE = 'lantoa-guides';

  function guides() { return store.get('guides.' + store.get('account', ''), []); }

  async function authorized(path, retried) {
    const token = store.get('token', null);
    const response = await fetch(path, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
    if (response.status === 401 && token && !retried && await refresh()) return authorized(path, true);
    if (!response.ok) throw Object.assign(new Error(String(response.status)), { data: { status: response.status } });
    return response;
  }

  // One pull at a time, whoever asks (the sync, the sign-in); the list on screen is redrawn when it ends.
  let guidesPull = null;
  function refreshGuides() {
    if (!guidesPull) {
      guidesPull = pullGuides().catch(() => {}).finally(() => {
        guidesPull = null;
        const shelf = document.getElementById('guides');
        if (shelf) shelf.replaceWith(guideList());
      });
    }
    return guidesPull;
  }

  async function pullGuides() {
    if (!('caches' in window)) return;
    const account = store.get('account', '');
    const list = await api('GET', '/api/v1/guides');
    const cache = await caches.open(GUIDE_CACHE);
    const before = new Map(guides().map((g) => [g.id, g]));
    const keep = new Set();
    let used = 0;
    const out = [];
    for (const g of list) {
      const entry = { id: g.id, service: g.service, title: g.title, unit: g.unit, version: g.version, bytes: g.bytes, saved: false };
      if (used + g.bytes <= GUIDE_BUDGET) {
        const guidePath = '/api/v1/guides/' + g.id;
        let guide = null;
        const old = before.get(g.id);
        if (old && old.saved && old.version === g.version) {
          const hit = await cache.match(guidePath);
          if (hit) guide = await hit.json();
        }
        if (!guide) {
          guide = await api('GET', guidePath);
          await cache.put(guidePath, new Response(JSON.stringify(guide), { headers: { 'Content-Type': 'application/json' } }));
        }
        keep.add(guidePath);
        for (const step of guide.steps) {
          if (!step.image) continue;
          const imagePath = '/api/v1/guides/images/' + step.image;
          keep.add(imagePath);
          if (!await cache.match(imagePath)) await cache.put(imagePath, await authorized(imagePath));
        }
        used += g.bytes;
        entry.saved = true;
      }
      out.push(entry);
    }
    // Signed out (or another account signed in) meanwhile: what was fetched is not this account's to keep.
    if (!account || store.get('account', '') !== account || !store.get('token', null)) { await caches.delete(GUIDE_CACHE); return; }
    store.set('guides.' + account, out);
    // Whatever is no longer listed, or past the budget, leaves the phone.
    for (const request of await cache.keys()) if (!keep.has(new URL(request.url).pathname)) await cache.delete(request);
  }

  function guideList() {
    const set = store.get('set', { services: [] });
    const names = new Map(set.services.map((s) => [s.code, s.name]));
    const list = el('div', { id: 'guides' });
    if (!guides().length) list.append(el('p', { class: 'muted', text: 'Chưa có hướng dẫn nào (hoặc chưa tải về).' }));
    for (const g of guides()) {
      list.append(el('button', { class: 'item guide-item', 'data-id': g.id, onclick: () => go(guideScreen, g, 'Hướng dẫn') }, [
        el('strong', { text: g.title }),
        el('small', { text: (names.get(g.service) || g.service) + ' · ' + g.unit + (g.saved ? ' · đã lưu trên máy' : ' · cần có mạng') })]));
    }
    return list;
  }

  function guidesScreen() {
    view.append(el('p', { class: 'muted', text: 'Các hướng dẫn được lưu trên máy (tối đa 10 MB) để đọc khi không có mạng.' }), guideList());
  }

  // A guide, from the phone's copy when kept (with or without network), from the server otherwise.
  async function guideScreen(g) {
    const box = el('article', { class: 'guide', id: 'guide' }, [el('h2', { text: g.title })]);
    view.append(box);
    const cache = 'caches' in window ? await caches.open(GUIDE_CACHE) : null;
    async function read(path) {
      const hit = cache && await cache.match(path);
      return hit || authorized(path);
    }
    let guide;
    try { guide = await (await read('/api/v1/guides/' + g.id)).json(); } catch (e) {
      box.append(el('p', { class: 'msg err', text: 'Hướng dẫn này chưa được lưu trên máy: hãy mở khi có mạng.' }));
      return;
    }
    box.append(el('p', { class: 'muted', text: guide.unit + ' · bản ' + guide.version }));
    const steps = el('ol', { class: 'steps' });
    box.append(steps);
    for (const step of guide.steps) {
      const item = el('li', {}, [el('p', { text: step.text })]);
      steps.append(item);
      if (!step.image) continue;
      try {
        // As a data: address, which the pages' Content-Security-Policy allows for pictures (blob: it does not).
        const blob = await (await read('/api/v1/guides/images/' + step.image)).blob();
        const src = await new Promise((resolve, reject) => { const r = new FileReader(); r.onload = () => resolve(r.result); r.onerror = reject; r.readAsDataURL(blob); });
        item.append(el('img', { src, alt: 'Bước ' + steps.children.length }));
      } catch (e) { item.append(el('p', { class: 'muted', text: '(ảnh cần có mạng)' })); }
    }
  }

  // ---- difficulties (vướng mắc): raised here with or without network, sent by the next sync, answers pulled back

  function asked() { return store.get('asked.' + store.get('account', ''), []); }
  function setAsked(list) { store.set('asked.' + store.get('account', ''), list); }
  function difficulties() { return store.get('difficulties.' + store.get('account', ''), []); }

  async function sendDifficulties() {
    for (const waiting of asked().filter((x) => !x.error)) {
      const d = await unseal(waiting);
      try {
        await api('POST', '/api/v1/difficulties', { id: d.id, service: d.service, description: d.description, photo: d.photo || undefined });
        setAsked(asked().filter((x) => x.id !== d.id));
      } catch (e) {
        const status = e.data && e.data.status;
        if (!status || status >= 500 || status === 408 || status === 429) throw e;
        // Refused (a service no longer offered, a photo too large): kept with the server's words, not sent again.
        setAsked(asked().map((x) => x.id === d.id ? Object.assign({}, x, { error: (e.data.errors || []).map((y) => y.message).join('; ') || e.data.title }) : x));
      }
    }
  }

  async function pullDifficulties() {
    store.set('difficulties.' + store.get('account', ''), await api('GET', '/api/v1/difficulties/mine'));
  }

  // A photo is made at most 1280 px on its long side and sent as a JPEG of a few hundred kB: cheap phones' cameras
  // take 10 MB pictures, and the server keeps at most 1 MB (without the camera's location).
  function shrink(file) {
    return new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => {
        const scale = Math.min(1, 1280 / Math.max(img.width, img.height));
        const canvas = document.createElement('canvas');
        canvas.width = Math.round(img.width * scale);
        canvas.height = Math.round(img.height * scale);
        canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(img.src);
        resolve(canvas.toDataURL('image/jpeg', 0.8).split(',')[1]);
      };
      img.onerror = reject;
      img.src = URL.createObjectURL(file);
    });
  }

  const DIFFICULTY_STATUS = { open: 'Chờ trả lời', answered: 'Đã trả lời', solved: 'Đã giải quyết' };

  function difficultiesScreen() {
    const set = store.get('set', { services: [] });
    const service = el('select', { id: 'difficulty-service' });
    for (const s of set.services) service.append(el('option', { value: s.code, text: s.name }));
    const description = el('textarea', { id: 'difficulty-description', maxlength: '2000' });
    const photo = el('input', { id: 'difficulty-photo', type: 'file', accept: 'image/*', capture: 'environment' });
    const message = el('p', { class: 'msg', id: 'difficulty-message', hidden: '' });
    view.append(el('button', { class: 'item', id: 'open-guides', text: 'Hướng dẫn sử dụng các dịch vụ', onclick: () => go(guidesScreen, null, 'Hướng dẫn') }));
    view.append(el('label', { for: 'difficulty-service', text: 'Dịch vụ' }), service,
      el('label', { for: 'difficulty-description', text: 'Mô tả vướng mắc' }), description,
      el('label', { for: 'difficulty-photo', text: 'Ảnh (không bắt buộc)' }), photo, message,
      el('button', { class: 'primary', id: 'difficulty-send', text: 'Gửi vướng mắc', onclick: async () => {
        if (!description.value.trim()) { message.hidden = false; message.className = 'msg err'; message.textContent = 'Hãy mô tả vướng mắc.'; return; }
        let picture = null;
        try { if (photo.files && photo.files[0]) picture = await shrink(photo.files[0]); } catch (e) { picture = null; }
        setAsked(asked().concat([await seal({ id: uuid(), service: service.value, description: description.value.trim(), photo: picture, on: today() })]));
        showQueue();
        stack = [{ screen: difficultiesScreen, title: 'Vướng mắc' }];
        draw();
        view.prepend(el('p', { class: 'msg', id: 'difficulty-saved', text: navigator.onLine ? 'Đã lưu, đang gửi…' : 'Đã lưu trên máy, sẽ gửi khi có mạng.' }));
        if (navigator.onLine) sync();
      } }));
    view.append(el('h2', { text: 'Vướng mắc đã gửi' }), difficultyList());
  }

  // What the account raised: those waiting on the phone, then the server's, with their answers.
  function difficultyList() {
    const set = store.get('set', { services: [] });
    const list = el('div', { id: 'difficulties' });
    const names = new Map(set.services.map((s) => [s.code, s.name]));
    for (const d of asked()) {
      const text = el('p', { text: d.sealed ? '…' : d.description });
      if (d.sealed) unseal(d).then((open) => { text.textContent = open.description; }).catch(() => {});
      list.append(el('div', { class: 'item difficulty waiting', 'data-id': d.id }, [
        el('strong', { text: names.get(d.service) || d.service }), text,
        el('p', { class: d.error ? 'msg err' : 'muted', text: d.error ? 'Không gửi được: ' + d.error : 'Chưa gửi' })]));
    }
    for (const d of difficulties()) {
      list.append(el('div', { class: 'item difficulty', 'data-id': d.id }, [
        el('strong', { text: names.get(d.service) || d.service }), el('p', { text: d.description }),
        el('p', { class: 'muted', text: DIFFICULTY_STATUS[d.status] || d.status }),
        d.answer ? el('p', { class: 'answer', text: 'Trả lời: ' + d.answer }) : el('span')]));
    }
    return list;
  }

  function meScreen() {
    view.append(messagesBox());
    const rejected = store.get('rejected', []);
    view.append(el('p', { text: `Đã tải ${store.get('set', { residents: [] }).residents.length} người dân.` }));
    if (rejected.length) {
      view.append(el('p', { class: 'msg err', text: `${rejected.length} hỗ trợ bị từ chối:` }));
      for (const r of rejected.slice(-20)) view.append(el('p', { text: (r.errors || []).map((e) => e.message).join('; ') }));
    }
    view.append(el('button', { class: 'primary', id: 'sign-out', text: 'Đăng xuất', onclick: async () => {
      if ((queue().length || Object.keys(drafts()).length || asked().length) && !confirm('Còn dữ liệu chưa gửi. Vẫn đăng xuất?')) return;
      // The server forgets the tokens (when it can be reached); the phone forgets everything.
      try { if (navigator.onLine) await api('POST', '/api/v1/auth/logout'); } catch (e) { /* offline: the tokens expire */ }
      store.wipe();
      if ('caches' in window) await caches.delete(GUIDE_CACHE).catch(() => {});
      await Promise.race([keys.wipe(), new Promise((done) => setTimeout(done, 3000))]);
      render();
    } }));
  }

  $('back').addEventListener('click', back);
  $('sync-now').addEventListener('click', sync);
  for (const button of document.querySelectorAll('.tabs button')) {
    button.addEventListener('click', () => {
      for (const b of document.querySelectorAll('.tabs button')) b.classList.toggle('on', b === button);
      const tab = button.dataset.tab;
      stack = [tab === 'sweep' ? { screen: sweepScreen, title: 'Rà soát' } : tab === 'reports' ? { screen: reportsScreen, title: 'Báo cáo' }
        : tab === 'difficulties' ? { screen: difficultiesScreen, title: 'Vướng mắc' }
        : tab === 'me' ? { screen: meScreen, title: 'Tài khoản' } : { screen: householdsScreen, title: 'Hộ dân' }];
      draw();
    });
  }
  window.addEventListener('online', () => { showQueue(); sync(); });
  window.addEventListener('offline', showQueue);
  setInterval(() => { if (queue().length || outgoing().length || asked().filter((d) => !d.error).length) sync(); }, 5000);
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' });
  render();
  if (navigator.onLine) sync();
}());
