// Playgram dashboard — the one script. Hand-written, no dependencies. Every page works without it;
// it only adds: the theme toggle, copy buttons, local times, and closing menus with Escape or a
// click elsewhere. It is loaded in <head> so the saved theme applies before the first paint.
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
  function localiseTimes() {
    var format;
    try {
      format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    } catch (e) {
      return;
    }
    document.querySelectorAll('time[datetime]').forEach(function (node) {
      var date = new Date(node.getAttribute('datetime'));
      if (isNaN(date.getTime())) return;
      node.title = node.textContent;
      node.textContent = format.format(date);
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

  document.addEventListener('DOMContentLoaded', function () {
    setUpThemeToggles();
    setUpCopyButtons();
    localiseTimes();
    setUpMenus();
  });
})();
