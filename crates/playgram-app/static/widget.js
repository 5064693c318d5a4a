// Playgram website chat — hand-written, no dependencies. Embed with:
//   <script src="https://YOUR-PLAYGRAM/widget.js" data-channel="ch_…" async></script>
// It draws a chat button and panel inside a shadow root (the site's styles and its own never mix),
// keeps the visitor's signed token in this site's localStorage, sends messages and files, and
// follows the replies over server-sent events. When nobody is available it shows a form instead.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.getAttribute('data-channel') || window.__playgramChat) return;
  window.__playgramChat = true;
  var channel = script.getAttribute('data-channel');
  var base = new URL(script.src).origin + '/chat/' + encodeURIComponent(channel);
  var KEY = 'playgram-chat:' + channel;
  var token = null;
  try { token = localStorage.getItem(KEY); } catch (e) { /* storage blocked: cookie only */ }
  var lastId = '';
  var shown = {};
  var source = null;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text) node.textContent = text;
    return node;
  }
  function id() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  function call(method, path, body, type) {
    var headers = {};
    if (token) headers['X-Playgram-Visitor'] = token;
    if (type) headers['Content-Type'] = type;
    return fetch(base + path, { method: method, headers: headers, body: body, credentials: 'include' })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (r.status === 401 && token) {
            // A token this chat no longer accepts: forget it; the next message starts afresh.
            token = null;
            try { localStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
          }
          if (!r.ok) throw new Error((j.error && j.error.message) || ('HTTP ' + r.status));
          return j.data;
        });
      });
  }
  function keep(data) {
    if (data && data.token && data.token !== token) {
      token = data.token;
      try { localStorage.setItem(KEY, token); } catch (e) { /* cookie only */ }
      follow();
    }
  }

  var host = el('div', { 'data-playgram-chat': '' });
  var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
  var style = el('style');
  style.textContent = [
    ':host{all:initial}',
    '*{box-sizing:border-box;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}',
    '.launch{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;cursor:pointer;color:#fff;box-shadow:0 4px 16px rgba(0,0,0,.25);z-index:2147483000}',
    '.launch svg{width:26px;height:26px}',
    '.panel{position:fixed;right:20px;bottom:88px;width:min(360px,calc(100vw - 24px));height:min(520px,calc(100vh - 110px));display:flex;flex-direction:column;background:#fff;color:#1a1c28;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden;z-index:2147483000}',
    '.panel[hidden]{display:none}',
    'header{padding:14px 16px;color:#fff;display:flex;justify-content:space-between;align-items:center;gap:8px}',
    'header h2{margin:0;font-size:16px}header p{margin:2px 0 0;font-size:13px;opacity:.9}',
    'header button{background:none;border:0;color:inherit;font-size:22px;cursor:pointer;line-height:1}',
    '.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;margin:0;list-style:none}',
    '.log li{max-width:80%;padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:14px;line-height:1.4}',
    '.visitor{align-self:flex-end;color:#fff}',
    '.agent{align-self:flex-start;background:#f0f1f6}',
    '.who{display:block;font-size:11px;opacity:.75;margin-bottom:2px}',
    '.failed{opacity:.7;border:1px dashed #b42335}',
    '.log img{max-width:100%;border-radius:8px;display:block}',
    '.log a{color:inherit}',
    'form{display:flex;gap:6px;padding:10px;border-top:1px solid #e1e3ec;align-items:flex-end}',
    'textarea,input{flex:1;font-size:14px;padding:8px 10px;border:1px solid #c9ccd9;border-radius:10px;resize:none;background:inherit;color:inherit}',
    'button.send,label.attach{border:0;border-radius:10px;padding:9px 12px;color:#fff;cursor:pointer;font-size:14px}',
    'label.attach{background:#5a5f72;padding:8px 9px;display:inline-flex}',
    '.offline{display:flex;flex-direction:column;gap:8px;padding:12px;border-top:1px solid #e1e3ec}',
    '.offline p{margin:0;font-size:13px}',
    '.note{font-size:12px;color:#b42335;margin:0 12px 8px}.note:empty{display:none}',
    ':focus-visible{outline:2px solid #5443c9;outline-offset:2px}',
    '.hide{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}',
    '@media (prefers-color-scheme:dark){.panel{background:#161922;color:#e7e9f1}.agent{background:#1e222e}form,.offline{border-color:#2a2f3d}textarea,input{border-color:#3a4052}}'
  ].join('\n');
  root.appendChild(style);

  var launch = el('button', { class: 'launch', type: 'button', 'aria-label': 'Open chat', 'aria-expanded': 'false' });
  launch.innerHTML = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg>';
  var panel = el('section', { class: 'panel', role: 'dialog', 'aria-label': 'Chat', hidden: '' });
  var head = el('header');
  var titles = el('div');
  var title = el('h2', {}, 'Chat');
  var greeting = el('p');
  titles.appendChild(title); titles.appendChild(greeting);
  var close = el('button', { type: 'button', 'aria-label': 'Close chat' }, '×');
  head.appendChild(titles); head.appendChild(close);
  var log = el('ol', { class: 'log', 'aria-live': 'polite' });
  var note = el('p', { class: 'note', role: 'alert' });
  panel.appendChild(head); panel.appendChild(log); panel.appendChild(note);
  root.appendChild(panel); root.appendChild(launch);

  var form = el('form');
  var text = el('textarea', { rows: '1', placeholder: 'Write a message…', 'aria-label': 'Message', maxlength: '4096' });
  var attach = el('label', { class: 'attach', title: 'Send a file' });
  attach.innerHTML = '<svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9"/></svg>';
  var file = el('input', { type: 'file', class: 'hide', accept: 'image/*,.pdf,.docx,.xlsx,.txt,.csv', 'aria-label': 'Send a file' });
  attach.appendChild(file);
  var send = el('button', { class: 'send', type: 'submit' }, 'Send');
  form.appendChild(attach); form.appendChild(text); form.appendChild(send);

  var offline = el('form', { class: 'offline' });
  offline.appendChild(el('p', {}, 'Nobody is available right now. Leave a message and we will answer by email.'));
  var offName = el('input', { placeholder: 'Your name', 'aria-label': 'Your name', required: '', maxlength: '120' });
  var offEmail = el('input', { type: 'email', placeholder: 'Your email', 'aria-label': 'Your email', required: '' });
  var offText = el('textarea', { rows: '3', placeholder: 'Your message', 'aria-label': 'Your message', required: '' });
  var offSend = el('button', { class: 'send', type: 'submit' }, 'Send');
  [offName, offEmail, offText, offSend].forEach(function (n) { offline.appendChild(n); });

  function paint(color) {
    [launch, head, send, offSend].forEach(function (n) { n.style.background = color; });
    style.textContent += '\n.visitor{background:' + color + '}';
  }

  function add(m) {
    if (shown[m.id]) return;
    shown[m.id] = true;
    var item = el('li', { class: m.from });
    if (m.from === 'agent' && m.author) item.appendChild(el('span', { class: 'who' }, m.author));
    if (m.file) {
      var url = new URL(m.file.url, base).href + (token ? '?token=' + encodeURIComponent(token) : '');
      if (String(m.file.content_type).indexOf('image/') === 0) {
        var img = el('img', { src: url, alt: m.text });
        item.appendChild(img);
      } else {
        var a = el('a', { href: url, target: '_blank', rel: 'noopener' }, m.text);
        item.appendChild(a);
      }
    } else {
      item.appendChild(document.createTextNode(m.text));
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    lastId = m.id;
  }

  function catchUp() {
    if (!token) return Promise.resolve();
    return call('GET', '/messages?after=' + encodeURIComponent(lastId))
      .then(function (d) { (d.messages || []).forEach(add); })
      .catch(function () { /* the next event or reopen tries again */ });
  }

  function follow() {
    if (!token || source || !window.EventSource) return;
    source = new EventSource(base + '/stream?token=' + encodeURIComponent(token), { withCredentials: true });
    source.addEventListener('message', catchUp);
    source.onopen = catchUp; // after a drop: read what came meanwhile
  }

  // A message that could not be sent stays, marked, and is sent again (same id: stored once).
  function deliver(clientId, body, item) {
    note.textContent = '';
    return call('POST', '/messages', JSON.stringify({ client_id: clientId, text: body }), 'application/json')
      .then(function (d) {
        keep(d);
        if (item) item.remove();
        return catchUp();
      })
      .catch(function (error) {
        if (!item) {
          item = el('li', { class: 'visitor failed', tabindex: '0', title: 'Not sent: click to try again' }, body);
          item.addEventListener('click', function () { deliver(clientId, body, item); });
          log.appendChild(item);
        }
        note.textContent = error.message + ' Click the message to try again.';
      });
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var body = text.value.trim();
    if (!body) return;
    text.value = '';
    deliver(id(), body, null);
  });
  text.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event('submit')); }
  });
  file.addEventListener('change', function () {
    var f = file.files && file.files[0];
    file.value = '';
    if (!f) return;
    if (f.size > 10 * 1024 * 1024) { note.textContent = 'Files up to 10 MB only.'; return; }
    note.textContent = 'Sending ' + f.name + '…';
    call('POST', '/uploads?name=' + encodeURIComponent(f.name) + '&client_id=' + id(), f, f.type || 'application/octet-stream')
      .then(function (d) { note.textContent = ''; keep(d); return catchUp(); })
      .catch(function (error) { note.textContent = error.message; });
  });
  offline.addEventListener('submit', function (e) {
    e.preventDefault();
    note.textContent = '';
    call('POST', '/offline', JSON.stringify({ client_id: id(), name: offName.value, email: offEmail.value, text: offText.value }), 'application/json')
      .then(function (d) {
        keep(d);
        offline.replaceWith(el('p', { class: 'offline', role: 'status' }, 'Thanks! We will answer at ' + offEmail.value + '.'));
        return catchUp();
      })
      .catch(function (error) { note.textContent = error.message; });
  });

  function toggle(open) {
    panel.hidden = !open;
    launch.setAttribute('aria-expanded', String(open));
    launch.setAttribute('aria-label', open ? 'Close chat' : 'Open chat');
    if (open) { catchUp(); follow(); (panel.querySelector('textarea,input') || close).focus(); }
    else launch.focus();
  }
  launch.addEventListener('click', function () { toggle(panel.hidden); });
  close.addEventListener('click', function () { toggle(false); });
  panel.addEventListener('keydown', function (e) { if (e.key === 'Escape') toggle(false); });

  call('GET', '/config').then(function (config) {
    title.textContent = config.name;
    greeting.textContent = config.greeting;
    paint(/^#[0-9a-fA-F]{6}$/.test(config.color) ? config.color : '#5443c9');
    panel.appendChild(config.online || token ? form : offline);
    document.body.appendChild(host);
    if (token) { catchUp(); follow(); }
  }).catch(function () { /* a channel that is gone or refuses this site shows nothing */ });
})();
