// Playgram inbox page — hand-written, no dependencies, loaded (deferred) by /app/inbox only.
// The page works without it; this adds:
// - live updates: the workspace's event stream (message.*, conversation.*) triggers a re-read of
//   the page, and the list, thread head, messages and contact panel are swapped in place (the
//   composer too, unless someone is typing in it);
// - the reply-window countdown;
// - keys: j/k next/previous conversation, r reply, n note, e resolve, a assign, Ctrl+Enter send;
// - canned replies: "/" in the composer opens the list, typing filters it, Enter or a click inserts;
// - WhatsApp template previews with their variables.
(function () {
  'use strict';

  var box = document.querySelector('[data-inbox-live]');
  if (!box) return;
  var shared = window.Playgram || {};

  function typing(target) {
    var tag = target && target.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || (target && target.isContentEditable);
  }

  // ---- Live updates --------------------------------------------------------------------------
  var status = shared.liveStatus ? shared.liveStatus() : function () {};
  var timer = null;
  var busy = false;
  var again = false;
  var leaving = false;
  document.addEventListener('submit', function () { leaving = true; });

  function atBottom(list) {
    return !list || list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  }

  function scrollThread() {
    var list = document.querySelector('[data-thread]');
    if (list) list.scrollTop = list.scrollHeight;
  }

  function swap(html) {
    var doc = new DOMParser().parseFromString(html, 'text/html');
    var thread = document.querySelector('[data-thread]');
    var stick = atBottom(thread);
    document.querySelectorAll('[data-live-region]').forEach(function (old) {
      var name = old.getAttribute('data-live-region');
      var fresh = doc.querySelector('[data-live-region="' + name + '"]');
      if (!fresh) return;
      var focused = document.activeElement;
      if (focused && focused !== document.body && old.contains(focused)) return;
      if (name === 'composer') {
        var text = old.querySelector('textarea');
        if (text && text.value.trim() !== '') return;
      }
      if (name === 'list') {
        var scroll = old.scrollTop;
        old.replaceWith(fresh);
        fresh.scrollTop = scroll;
      } else {
        old.replaceWith(fresh);
      }
      if (shared.localiseTimes) shared.localiseTimes(fresh);
      if (name === 'composer') setUpComposer();
    });
    if (stick) scrollThread();
    countdown();
  }

  function refresh() {
    if (leaving) return;
    if (busy) { again = true; return; }
    busy = true;
    fetch(window.location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.text();
      })
      .then(function (html) { if (!leaving) swap(html); })
      .catch(function () { status('reconnecting', 'Reconnecting…'); })
      .then(function () {
        busy = false;
        if (again) { again = false; later(); }
      });
  }

  // Bursts of events (a batch of webhooks) cost one re-read.
  function later() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  if (window.EventSource && window.fetch && window.DOMParser) {
    var types = ['message.received', 'message.created', 'message.status_changed', 'conversation.created', 'conversation.updated'];
    status('reconnecting', 'Connecting…');
    var source = new EventSource('/api/v1/stream?type=' + types.join(','));
    source.onopen = function () { status('connected', 'Live'); };
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) status('offline', 'Offline: reload to reconnect');
      else status('reconnecting', 'Reconnecting…');
    };
    types.forEach(function (type) { source.addEventListener(type, later); });
    window.addEventListener('pagehide', function () { source.close(); });
  }

  // ---- The reply window countdown ------------------------------------------------------------
  function countdown() {
    document.querySelectorAll('[data-window-closes]').forEach(function (node) {
      var left = Number(node.getAttribute('data-window-closes')) - Date.now();
      if (left <= 0) {
        node.textContent = node.getAttribute('data-window-kind') === 'whatsapp'
          ? 'Reply window closed: templates only'
          : 'Reply window closed';
        node.className = 'window-closed';
        return;
      }
      var hours = Math.floor(left / 3600000);
      var minutes = Math.floor((left % 3600000) / 60000);
      node.textContent = 'Reply window: ' + (hours > 0 ? hours + ' h ' : '') + minutes + ' min left';
      node.className = hours < 2 ? 'window-closing' : '';
    });
  }
  countdown();
  setInterval(countdown, 30000);

  // ---- Composer: canned replies, templates, Ctrl+Enter ---------------------------------------
  function setUpComposer() {
    var form = document.querySelector('[data-composer]');
    if (!form) return;
    var text = form.querySelector('textarea');
    var menu = form.querySelector('[data-canned-menu]');
    var hint = form.querySelector('[data-canned-hint]');
    var options = menu ? Array.prototype.slice.call(menu.querySelectorAll('li')) : [];
    var active = -1;
    var slash = -1;

    function shown() { return options.filter(function (o) { return !o.hidden; }); }
    function close() {
      if (menu) menu.hidden = true;
      slash = -1;
      active = -1;
      if (text) text.removeAttribute('aria-activedescendant');
    }
    function mark(index) {
      var list = shown();
      active = list.length ? (index + list.length) % list.length : -1;
      list.forEach(function (o, i) { o.setAttribute('aria-selected', i === active ? 'true' : 'false'); });
      if (active >= 0) list[active].scrollIntoView({ block: 'nearest' });
    }
    function insert(option) {
      var before = text.value.slice(0, slash);
      var after = text.value.slice(text.selectionStart);
      var body = option.getAttribute('data-text');
      text.value = before + body + after;
      var at = (before + body).length;
      text.setSelectionRange(at, at);
      var missing = option.getAttribute('data-missing');
      if (hint) hint.textContent = missing ? 'No value for ' + missing + ' in this conversation: check the text before sending.' : '';
      close();
      text.focus();
    }
    function filter() {
      var caret = text.selectionStart;
      var head = text.value.slice(0, caret);
      var match = /(^|\s)\/([\w-]*)$/.exec(head);
      if (!match || !options.length) { close(); return; }
      slash = caret - match[2].length - 1;
      var word = match[2].toLowerCase();
      var any = false;
      options.forEach(function (o) {
        var hit = o.getAttribute('data-shortcut').indexOf(word) === 0 || o.getAttribute('data-text').toLowerCase().indexOf(word) >= 0;
        o.hidden = !hit;
        any = any || hit;
      });
      menu.hidden = !any;
      if (any) mark(0);
    }

    if (text) {
      text.addEventListener('input', filter);
      text.addEventListener('keydown', function (e) {
        if (menu && !menu.hidden) {
          if (e.key === 'ArrowDown') { e.preventDefault(); mark(active + 1); return; }
          if (e.key === 'ArrowUp') { e.preventDefault(); mark(active - 1); return; }
          if (e.key === 'Enter' || e.key === 'Tab') {
            var list = shown();
            if (active >= 0 && list[active]) { e.preventDefault(); insert(list[active]); return; }
          }
          if (e.key === 'Escape') { e.preventDefault(); close(); return; }
        }
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          if (form.requestSubmit) form.requestSubmit(); else form.submit();
        }
        if (e.key === 'Escape') text.blur();
      });
      text.addEventListener('blur', function () { setTimeout(close, 150); });
    }
    options.forEach(function (o) {
      o.addEventListener('mousedown', function (e) { e.preventDefault(); insert(o); });
    });

    var picker = form.querySelector('[data-template-picker]');
    if (picker) {
      var select = picker.querySelector('select');
      var vars = picker.querySelector('[data-template-variables]');
      var preview = picker.querySelector('[data-template-preview]');
      var render = function () {
        var option = select.options[select.selectedIndex];
        var body = (option && option.getAttribute('data-body')) || '';
        var inputs = vars.querySelectorAll('input');
        preview.textContent = body.replace(/\{\{(\d+)\}\}/g, function (all, n) {
          var input = inputs[Number(n) - 1];
          return input && input.value ? input.value : all;
        });
      };
      select.addEventListener('change', function () {
        var option = select.options[select.selectedIndex];
        var body = (option && option.getAttribute('data-body')) || '';
        var count = 0;
        body.replace(/\{\{(\d+)\}\}/g, function (all, n) { count = Math.max(count, Number(n)); return all; });
        vars.textContent = '';
        for (var i = 1; i <= count; i++) {
          var label = document.createElement('label');
          label.textContent = 'Variable {{' + i + '}}';
          var input = document.createElement('input');
          input.name = 'variable';
          input.required = true;
          input.addEventListener('input', render);
          label.appendChild(input);
          vars.appendChild(label);
        }
        if (text) text.required = false;
        render();
      });
    }
  }
  setUpComposer();
  scrollThread();

  // ---- Keys ----------------------------------------------------------------------------------
  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    var links = Array.prototype.slice.call(document.querySelectorAll('[data-conv]'));
    var current = links.findIndex(function (a) { return a.hasAttribute('aria-current'); });
    if (e.key === 'j' || e.key === 'k') {
      if (!links.length) return;
      e.preventDefault();
      var next = current < 0 ? 0 : current + (e.key === 'j' ? 1 : -1);
      if (next >= 0 && next < links.length) window.location.href = links[next].href;
    } else if (e.key === 'r' || e.key === 'n') {
      var text = document.querySelector('[data-key-reply]');
      if (!text) return;
      e.preventDefault();
      var mode = document.querySelector('[data-composer] input[name="mode"][value="' + (e.key === 'n' ? 'note' : 'reply') + '"]');
      if (mode) mode.checked = true;
      text.focus();
    } else if (e.key === 'e') {
      var resolve = document.querySelector('[data-key-resolve]');
      if (resolve) { e.preventDefault(); resolve.click(); }
    } else if (e.key === 'a') {
      var assign = document.querySelector('[data-key-assign]');
      if (!assign) return;
      e.preventDefault();
      var menu = assign.closest('details');
      if (menu) menu.open = true;
      assign.focus();
    }
  });
})();
