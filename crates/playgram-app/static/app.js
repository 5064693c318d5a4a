// Playgram dashboard — the one script. Hand-written, no dependencies. Every page works without it;
// it only adds: the theme toggle, the ⌘K palette, copy buttons, local times, closing menus with Escape or a click
// elsewhere, and live updates on the jobs, events and request bin pages, and the progress of contact imports
// and exports. It is loaded in <head> so
// the saved theme applies before the first paint.
(function () {
  'use strict';

  var root = document.documentElement;
  var KEY = 'playgram-theme';

  function savedTheme() {
    try {
      var value = localStorage.getItem(KEY);
      return value === 'light' || value === 'dark' ? value : 'system';
    } catch (e) {
      return 'system';
    }
  }

  function applyTheme(theme) {
    if (theme === 'system') {
      root.removeAttribute('data-theme');
    } else {
      root.setAttribute('data-theme', theme);
    }
  }

  // Runs at once, before the body is parsed: no flash of the wrong theme.
  applyTheme(savedTheme());

  var LABELS = { system: 'System', light: 'Light', dark: 'Dark' };
  var NEXT = { system: 'light', light: 'dark', dark: 'system' };

  function setUpThemeToggles() {
    var buttons = document.querySelectorAll('[data-theme-toggle]');
    function render() {
      var theme = savedTheme();
      buttons.forEach(function (button) {
        var label = button.querySelector('[data-theme-label]');
        if (label) label.textContent = LABELS[theme];
        button.setAttribute('aria-label', 'Colour theme: ' + LABELS[theme] + '. Change theme');
      });
    }
    buttons.forEach(function (button) {
      button.hidden = false;
      button.addEventListener('click', function () {
        var next = NEXT[savedTheme()];
        try {
          if (next === 'system') localStorage.removeItem(KEY);
          else localStorage.setItem(KEY, next);
        } catch (e) { /* private mode: the choice lasts for this page only */ }
        applyTheme(next);
        render();
      });
    });
    render();
  }

  function setUpCopyButtons() {
    document.querySelectorAll('[data-copy]').forEach(function (button) {
      var target = document.getElementById(button.getAttribute('data-copy'));
      if (!target) return;
      button.hidden = false;
      var original = button.textContent;
      button.addEventListener('click', function () {
        var text = target.textContent.trim();
        var done = function () {
          button.textContent = 'Copied';
          button.setAttribute('data-copied', '');
          setTimeout(function () {
            button.textContent = original;
            button.removeAttribute('data-copied');
          }, 2000);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { selectText(target); });
        } else {
          selectText(target);
          try { if (document.execCommand('copy')) done(); } catch (e) { /* selected for ⌘C */ }
        }
      });
    });
  }

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // Times are rendered in UTC on the server; show them in the reader's own time zone.
  var timeFormat = null;
  function localiseTimes(scope) {
    if (!timeFormat) {
      try {
        timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
      } catch (e) {
        return;
      }
    }
    (scope || document).querySelectorAll('time[datetime]:not([data-local])').forEach(function (node) {
      var date = new Date(node.getAttribute('datetime'));
      if (isNaN(date.getTime())) return;
      node.title = node.textContent;
      node.textContent = timeFormat.format(date);
      node.setAttribute('data-local', '');
    });
  }

  // <details> menus: close on Escape (focus back on the toggle) and on a click outside.
  function setUpMenus() {
    var menus = document.querySelectorAll('details.menu, details.confirm');
    document.addEventListener('keydown', function (event) {
      if (event.key !== 'Escape') return;
      menus.forEach(function (menu) {
        if (menu.open) {
          menu.open = false;
          var summary = menu.querySelector('summary');
          if (summary && menu.contains(document.activeElement)) summary.focus();
        }
      });
    });
    document.addEventListener('click', function (event) {
      menus.forEach(function (menu) {
        if (menu.open && !menu.contains(event.target)) menu.open = false;
      });
    });
  }

  // The "Live" badge of a page that updates itself: connected, reconnecting or offline.
  function liveStatus() {
    var badge = document.querySelector('[data-live-status]');
    var text = badge && badge.querySelector('[data-live-text]');
    return function (state, label) {
      if (!badge) return;
      badge.hidden = false;
      badge.setAttribute('data-state', state);
      if (text) text.textContent = label;
    };
  }

  // Jobs page: poll the statistics every few seconds while the tab is visible; when they change
  // (or a minute passes, which moves the chart), re-read the page and swap its [data-live-region]
  // parts. Open <details> stay open; a part that holds the keyboard focus is left alone.
  function setUpJobsLive() {
    var box = document.querySelector('[data-jobs-live]');
    if (!box || !window.fetch || !window.DOMParser) return;
    var status = liveStatus();
    var canonical = function (text) {
      try { return JSON.stringify(JSON.parse(text)); } catch (e) { return ''; }
    };
    var last = canonical(box.getAttribute('data-jobs-live'));
    var minute = Math.floor(Date.now() / 60000);
    var busy = false;
    var leaving = false;
    document.addEventListener('submit', function () { leaving = true; });

    function swap(html) {
      var doc = new DOMParser().parseFromString(html, 'text/html');
      document.querySelectorAll('[data-live-region]').forEach(function (old) {
        var fresh = doc.querySelector('[data-live-region="' + old.getAttribute('data-live-region') + '"]');
        var focused = document.activeElement;
        if (!fresh || (focused && focused !== document.body && old.contains(focused))) return;
        var open = {};
        old.querySelectorAll('details[data-key]').forEach(function (d) {
          if (d.open) open[d.getAttribute('data-key')] = true;
        });
        fresh.querySelectorAll('details[data-key]').forEach(function (d) {
          if (open[d.getAttribute('data-key')]) d.open = true;
        });
        var node = document.importNode(fresh, true);
        old.replaceWith(node);
        localiseTimes(node);
      });
      var freshBox = doc.querySelector('[data-jobs-live]');
      return freshBox ? canonical(freshBox.getAttribute('data-jobs-live')) : '';
    }

    function poll() {
      if (document.hidden || busy || leaving) return;
      busy = true;
      fetch('/api/v1/jobs/stats', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (response) {
          if (!response.ok) throw new Error('HTTP ' + response.status);
          return response.json();
        })
        .then(function (body) {
          status('connected', 'Live');
          var now = Math.floor(Date.now() / 60000);
          if (JSON.stringify(body.data) === last && now === minute) return null;
          var url = new URL(window.location.href);
          url.searchParams.set('refresh', '1');
          return fetch(url.toString(), { credentials: 'same-origin', headers: { Accept: 'text/html' } })
            .then(function (response) {
              if (!response.ok) throw new Error('HTTP ' + response.status);
              return response.text();
            })
            .then(function (html) {
              if (leaving) return;
              last = swap(html);
              minute = now;
            });
        })
        .catch(function () { status('reconnecting', 'Reconnecting…'); })
        .then(function () { busy = false; });
    }

    setInterval(poll, 3000);
    document.addEventListener('visibilitychange', poll);
    poll();
  }

  // Events page: follow the workspace's stream from the newest event the page showed and add new
  // ones at the top. The stream names each message after its event type, so listen for every type
  // in the filter's list. EventSource reconnects by itself, resuming after the last id it got.
  function setUpEventsLive() {
    var box = document.querySelector('[data-events-live]');
    if (!box || !window.EventSource) return;
    var list = box.querySelector('[data-events-list]');
    var empty = box.querySelector('[data-events-empty]');
    var template = box.querySelector('template[data-event-row]');
    var announce = box.querySelector('[data-events-announce]');
    if (!list || !template) return;
    var only = box.getAttribute('data-type') || '';
    var descriptions = {};
    var types = [];
    document.querySelectorAll('#filter-type option').forEach(function (option) {
      if (!option.value) return;
      types.push(option.value);
      descriptions[option.value] = option.getAttribute('data-description') || '';
    });
    var url = '/api/v1/stream?last_event_id=' + encodeURIComponent(box.getAttribute('data-events-live'));
    if (only) url += '&type=' + encodeURIComponent(only);
    var status = liveStatus();
    status('reconnecting', 'Connecting…');
    var source = new EventSource(url);
    source.onopen = function () { status('connected', 'Live'); };
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) status('offline', 'Offline: reload to reconnect');
      else status('reconnecting', 'Reconnecting…');
    };

    function fill(node, field, text) {
      var target = node.querySelector('[data-field="' + field + '"]');
      if (target) target.textContent = text;
      return target;
    }

    function add(message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (!event || (only && event.type !== only)) return;
      if (list.querySelector('[data-seq="' + Number(event.seq) + '"]')) return;
      var node = template.content.firstElementChild.cloneNode(true);
      node.setAttribute('data-seq', String(event.seq));
      fill(node, 'type', event.type);
      fill(node, 'description', descriptions[event.type] || '');
      fill(node, 'seq', '#' + event.seq);
      fill(node, 'summary', ' of event ' + event.seq);
      fill(node, 'data', JSON.stringify(event.data, null, 2));
      var time = fill(node, 'time', event.occurred_at);
      if (time) time.setAttribute('datetime', event.occurred_at);
      list.insertBefore(node, list.firstChild);
      while (list.children.length > 200) list.removeChild(list.lastElementChild);
      list.hidden = false;
      if (empty) empty.hidden = true;
      localiseTimes(node);
      if (announce) announce.textContent = 'New event: ' + event.type;
    }

    types.forEach(function (type) { source.addEventListener(type, add); });
    source.onmessage = add;
    window.addEventListener('pagehide', function () { source.close(); });
  }

  // A JSON object or array re-indented by two spaces; its text otherwise untouched (key order,
  // numbers and escapes stay as sent, as the server renders them). null when it is not JSON.
  function prettyJson(text) {
    var json = text.trim();
    if (json.charAt(0) !== '{' && json.charAt(0) !== '[') return null;
    try { JSON.parse(json); } catch (e) { return null; }
    var out = '';
    var depth = 0;
    var inString = false;
    var escaped = false;
    var space = /\s/;
    function newline() { out += '\n' + new Array(depth + 1).join('  '); }
    for (var i = 0; i < json.length; i++) {
      var c = json.charAt(i);
      if (inString) {
        out += c;
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
      } else if (c === '"') {
        inString = true;
        out += c;
      } else if (c === '{' || c === '[') {
        out += c;
        var j = i + 1;
        while (j < json.length && space.test(json.charAt(j))) j++;
        if (json.charAt(j) === '}' || json.charAt(j) === ']') i = j - 1;
        else { depth++; newline(); }
      } else if (c === '}' || c === ']') {
        var last = out.charAt(out.length - 1);
        if (last !== '{' && last !== '[') { depth = Math.max(0, depth - 1); newline(); }
        out += c;
      } else if (c === ',') {
        out += c;
        newline();
      } else if (c === ':') {
        out += ': ';
      } else if (!space.test(c)) {
        out += c;
      }
    }
    return out;
  }

  function humanBytes(n) {
    if (n < 1024) return n + ' B';
    var mega = n >= 1048576;
    return (n / (mega ? 1048576 : 1024)).toFixed(1).replace(/\.0$/, '') + (mega ? ' MB' : ' KB');
  }

  // Request bin page: follow the bin's stream from the newest capture the page showed and add new
  // captures at the top, expandable like the others. EventSource reconnects by itself, resuming
  // after the last capture it got.
  function setUpBinLive() {
    var box = document.querySelector('[data-bin-live]');
    if (!box || !window.EventSource) return;
    var list = box.querySelector('[data-captures-list]');
    var empty = box.querySelector('[data-captures-empty]');
    var template = box.querySelector('template[data-capture-row]');
    var count = box.querySelector('[data-captures-count]');
    var announce = box.querySelector('[data-captures-announce]');
    var maxBody = box.getAttribute('data-max-body') || '';
    if (!list || !template) return;
    var url = '/api/v1/request-bins/' + encodeURIComponent(box.getAttribute('data-bin-live')) + '/stream';
    var after = box.getAttribute('data-after');
    if (after) url += '?after=' + encodeURIComponent(after);
    var status = liveStatus();
    status('reconnecting', 'Connecting…');
    var source = new EventSource(url);
    source.onopen = function () { status('connected', 'Live'); };
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) status('offline', 'Offline: reload to reconnect');
      else status('reconnecting', 'Reconnecting…');
    };

    function fill(node, field, text) {
      var target = node.querySelector('[data-field="' + field + '"]');
      if (target) target.textContent = text;
      return target;
    }

    function headerRow(pair) {
      var row = document.createElement('tr');
      ['Name', 'Value'].forEach(function (label, i) {
        var cell = document.createElement('td');
        var code = document.createElement('code');
        cell.setAttribute('data-label', label);
        code.textContent = String(pair[i]);
        cell.appendChild(code);
        row.appendChild(cell);
      });
      return row;
    }

    source.addEventListener('capture', function (message) {
      var c;
      try { c = JSON.parse(message.data); } catch (e) { return; }
      if (!c || !/^cap_[0-9A-Z]+$/.test(c.id) || list.querySelector('[data-capture="' + c.id + '"]')) return;
      var node = template.content.firstElementChild.cloneNode(true);
      var path = c.path || '/';
      var size = humanBytes(c.body_size);
      node.setAttribute('data-capture', c.id);
      var method = fill(node, 'method', c.method);
      if (method) method.className = 'method method-' + String(c.method).toLowerCase().replace(/[^a-z]/g, '');
      fill(node, 'target', c.query ? path + '?' + c.query : path);
      ['time', 'received'].forEach(function (field) {
        var time = fill(node, field, c.received_at);
        if (time) time.setAttribute('datetime', c.received_at);
      });
      fill(node, 'size', c.truncated ? size + ' (cut)' : size);
      fill(node, 'id', c.id);
      fill(node, 'from', c.remote_addr || 'unknown');
      fill(node, 'body-size', c.truncated ? size + ', cut: only the first ' + maxBody + ' were kept' : size);
      fill(node, 'header-count', String((c.headers || []).length));
      var rows = node.querySelector('[data-field="headers"]');
      (c.headers || []).forEach(function (pair) { rows.appendChild(headerRow(pair)); });
      var label = 'Body';
      var body = c.body || '';
      if (c.body_encoding === 'base64') {
        label = 'Body (binary, base64)';
      } else {
        var pretty = prettyJson(body);
        if (pretty !== null) { label = 'Body (JSON)'; body = pretty; }
      }
      fill(node, 'body-label', label);
      var pre = fill(node, 'body', body);
      if (!body && pre) {
        pre.hidden = true;
        node.querySelector('[data-field="no-body"]').hidden = false;
      }
      list.insertBefore(node, list.firstChild);
      while (list.children.length > 200) list.removeChild(list.lastElementChild);
      list.hidden = false;
      if (empty) empty.hidden = true;
      if (count) count.textContent = String((Number(count.textContent) || 0) + 1);
      localiseTimes(node);
      if (announce) announce.textContent = 'New request: ' + c.method + ' ' + path;
    });
    window.addEventListener('pagehide', function () { source.close(); });
  }

  // Contact import page: while the import runs, read its progress every second and update the
  // bar and the counts; when it ends, reload so the summary and the error report show.
  function setUpImportLive() {
    var box = document.querySelector('[data-import-live][data-running]');
    if (!box || !window.fetch) return;
    var id = box.getAttribute('data-import-live');
    var set = function (field, value) {
      var node = box.querySelector('[data-field="' + field + '"]');
      if (!node) return;
      if (node.tagName === 'PROGRESS') node.value = value;
      else node.textContent = String(value);
    };
    var timer = setInterval(function () {
      if (document.hidden) return;
      fetch('/api/v1/contact-imports/' + encodeURIComponent(id), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          var i = body && body.data;
          if (!i) return;
          set('progress', i.rows_done);
          ['done', 'created', 'updated', 'skipped', 'failed'].forEach(function (f) {
            set(f, f === 'done' ? i.rows_done : i[f]);
          });
          if (i.status !== 'queued' && i.status !== 'running') {
            clearInterval(timer);
            window.location.reload();
          }
        })
        .catch(function () { /* try again on the next tick */ });
    }, 1000);
  }

  // Exports page: while an export is being written, reload every few seconds so its download
  // link appears when it is ready.
  function setUpExportsLive() {
    if (!document.querySelector('[data-exports-live]')) return;
    var leaving = false;
    document.addEventListener('submit', function () { leaving = true; });
    setInterval(function () {
      var active = document.activeElement;
      var typing = active && (active.tagName === 'INPUT' || active.tagName === 'TEXTAREA');
      if (!document.hidden && !leaving && !typing) window.location.reload();
    }, 3000);
  }

  // The command palette (Ctrl+K or ⌘K, or the Search button): a modal <dialog> with a combobox
  // that finds pages (the navigation this person can see, rendered into the page) and contacts
  // (the contacts API, searched as you type). Arrow keys move, Enter opens, Escape closes and
  // the focus goes back where it was.
  function setUpPalette() {
    var dialog = document.querySelector('[data-palette]');
    var opener = document.querySelector('[data-palette-open]');
    if (!dialog || !dialog.showModal) return;
    var input = dialog.querySelector('input');
    var list = dialog.querySelector('[role="listbox"]');
    var pages = [];
    var tpl = dialog.querySelector('template[data-palette-pages]');
    if (tpl) {
      tpl.content.querySelectorAll('a').forEach(function (a) {
        pages.push({ label: a.textContent, href: a.getAttribute('href') });
      });
    }
    var mac = /Mac|iPhone|iPad/.test(navigator.platform || '');
    var kbd = opener && opener.querySelector('.palette-kbd');
    if (kbd && mac) kbd.textContent = '⌘K';
    if (opener) opener.hidden = false;
    var items = [];
    var active = -1;
    var timer = null;
    var asked = '';
    var fold = function (text) {
      return (text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
    };

    function render(contacts) {
      var q = fold(input.value.trim());
      var found = pages.filter(function (p) { return !q || fold(p.label).indexOf(q) !== -1; }).slice(0, q ? 6 : 8)
        .map(function (p) { return { label: p.label, hint: 'Page', href: p.href }; });
      items = found.concat(contacts || []);
      list.textContent = '';
      items.forEach(function (item, i) {
        var li = document.createElement('li');
        li.id = 'palette-option-' + i;
        li.setAttribute('role', 'option');
        li.className = 'palette-item';
        var label = document.createElement('span');
        label.textContent = item.label;
        var hint = document.createElement('span');
        hint.className = 'muted small';
        hint.textContent = item.hint;
        li.appendChild(label);
        li.appendChild(hint);
        li.addEventListener('mousedown', function (e) { e.preventDefault(); go(i); });
        list.appendChild(li);
      });
      if (!items.length) {
        var none = document.createElement('li');
        none.className = 'palette-empty muted';
        none.textContent = q ? 'Nothing matches “' + input.value.trim() + '”.' : 'Type to search.';
        list.appendChild(none);
      }
      select(items.length ? 0 : -1);
    }

    function select(i) {
      active = i;
      list.querySelectorAll('[role="option"]').forEach(function (li, n) {
        li.setAttribute('aria-selected', n === i ? 'true' : 'false');
        if (n === i) li.scrollIntoView({ block: 'nearest' });
      });
      if (i >= 0) input.setAttribute('aria-activedescendant', 'palette-option-' + i);
      else input.removeAttribute('aria-activedescendant');
    }

    function go(i) {
      var item = items[i];
      if (item) window.location.href = item.href;
    }

    function search() {
      var q = input.value.trim();
      render(null);
      if (!q || !window.fetch) return;
      asked = q;
      fetch('/api/v1/contacts?limit=8&q=' + encodeURIComponent(q), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (!body || asked !== input.value.trim()) return;
          render((body.data || []).map(function (c) {
            var detail = (c.emails && c.emails[0]) || (c.phones && c.phones[0]) || '';
            return { label: c.display_name || 'Unnamed contact', hint: detail && detail !== c.display_name ? 'Contact · ' + detail : 'Contact', href: '/app/contacts/' + encodeURIComponent(c.id) };
          }));
        })
        .catch(function () { /* pages still show */ });
    }

    function open() {
      if (dialog.open) return;
      input.value = '';
      render(null);
      dialog.showModal();
      input.focus();
    }

    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(search, 120);
      render(null);
    });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown') { e.preventDefault(); if (items.length) select((active + 1) % items.length); }
      else if (e.key === 'ArrowUp') { e.preventDefault(); if (items.length) select((active - 1 + items.length) % items.length); }
      else if (e.key === 'Enter') { e.preventDefault(); go(active); }
    });
    dialog.addEventListener('click', function (e) { if (e.target === dialog) dialog.close(); });
    if (opener) opener.addEventListener('click', open);
    document.addEventListener('keydown', function (e) {
      if ((e.key === 'k' || e.key === 'K') && (e.metaKey || e.ctrlKey) && !e.altKey) {
        e.preventDefault();
        open();
      }
    });
  }

  // Shared with the page scripts loaded after this one (inbox.js).
  window.Playgram = { localiseTimes: localiseTimes, liveStatus: liveStatus };

  document.addEventListener('DOMContentLoaded', function () {
    setUpThemeToggles();
    setUpCopyButtons();
    localiseTimes();
    setUpMenus();
    setUpJobsLive();
    setUpEventsLive();
    setUpBinLive();
    setUpImportLive();
    setUpPalette();
    setUpExportsLive();
  });
})();
