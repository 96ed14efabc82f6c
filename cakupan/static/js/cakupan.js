/* Cakupan page behaviour for htmx lists. Progressive enhancement only: every page works without it.
 * Loaded as a file (the Content-Security-Policy allows no inline script). Texts come from data-*
 * attributes on <body>, which the templates translate. */
(function () {
  "use strict";

  var body = document.body;

  function announce(text) {
    var live = document.getElementById("pengumuman");
    if (live && text) {
      live.textContent = text.replace(/\s+/g, " ").trim();
    }
  }

  // A finished search or page change: tell screen readers how many rows were found.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    var count = target && target.querySelector ? target.querySelector("[data-announce]") : null;
    if (count) {
      announce(count.textContent);
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail && event.detail.target;
    if (target) {
      target.setAttribute("aria-busy", "true");
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail && event.detail.target;
    if (target) {
      target.removeAttribute("aria-busy");
    }
  });

  // The session ended: the request was redirected to the login page. Go there as a whole page
  // instead of placing the login form inside the results.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var loginUrl = body.getAttribute("data-login-url");
    if (xhr && xhr.responseURL && loginUrl && new URL(xhr.responseURL).pathname === loginUrl) {
      event.detail.shouldSwap = false;
      window.location.assign(xhr.responseURL);
    }
  });

  // A failed request (server error, lost connection): a visible message above the results.
  function showError(text, target) {
    var box = document.getElementById("galat-muat");
    if (!box) {
      box = document.createElement("p");
      box.id = "galat-muat";
      box.className = "form-error";
      box.setAttribute("role", "alert");
      var anchor = target && target.parentNode ? target : document.getElementById("isi").firstChild;
      anchor.parentNode.insertBefore(box, anchor);
    }
    box.textContent = text;
  }

  function clearError() {
    var box = document.getElementById("galat-muat");
    if (box) {
      box.remove();
    }
  }

  document.addEventListener("htmx:afterSwap", clearError);

  document.addEventListener("htmx:responseError", function (event) {
    showError(body.getAttribute("data-error-text"), event.detail && event.detail.target);
  });

  document.addEventListener("htmx:sendError", function (event) {
    showError(body.getAttribute("data-offline-text"), event.detail && event.detail.target);
  });
})();

/* Date and month fields: shown and typed day first (31-01-2026, 01-2026) whatever the browser's
 * language, with a calendar in the page's language (Bahasa Indonesia unless English was chosen).
 * The fields are plain text inputs marked data-datepicker="day" or "month" (common/forms.py): typing
 * always works, the calendar is an addition. Keyboard: arrows move by day (or month), PageUp and
 * PageDown by month (or year), Enter chooses, Escape closes. */
(function () {
  "use strict";

  var TEXTS = {
    id: {
      months: ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
        "September", "Oktober", "November", "Desember"],
      short: ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
      days: ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"],
      openDay: "Pilih tanggal dari kalender", openMonth: "Pilih bulan",
      prev: "Bulan sebelumnya", next: "Bulan berikutnya",
      prevYear: "Tahun sebelumnya", nextYear: "Tahun berikutnya",
      today: "Hari ini", close: "Tutup"
    },
    en: {
      months: ["January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December"],
      short: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
      days: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
      openDay: "Choose a date from the calendar", openMonth: "Choose a month",
      prev: "Previous month", next: "Next month",
      prevYear: "Previous year", nextYear: "Next year",
      today: "Today", close: "Close"
    }
  };
  var lang = (document.documentElement.getAttribute("lang") || "id").slice(0, 2);
  var T = TEXTS[lang] || TEXTS.id;
  var ICON = '<svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true" focusable="false">' +
    '<rect x="2.5" y="4" width="15" height="13.5" rx="2" fill="none" stroke="currentColor" stroke-width="1.6"/>' +
    '<path d="M2.5 8h15M6.5 2v4M13.5 2v4" stroke="currentColor" stroke-width="1.6" fill="none"/></svg>';

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function makeDate(y, m, d) {
    var date = new Date(y, m, d);
    return date.getFullYear() === y && date.getMonth() === m && date.getDate() === d ? date : null;
  }

  function parse(text, kind) {
    var t = (text || "").trim(), m;
    if (kind === "month") {
      m = /^(\d{1,2})\s*[-/.]\s*(\d{4})$/.exec(t);
      if (m) { return makeDate(+m[2], +m[1] - 1, 1); }
      m = /^(\d{4})-(\d{1,2})$/.exec(t);
      return m ? makeDate(+m[1], +m[2] - 1, 1) : null;
    }
    m = /^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})$/.exec(t);
    if (m) { return makeDate(+m[3], +m[2] - 1, +m[1]); }
    m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
    return m ? makeDate(+m[1], +m[2] - 1, +m[3]) : null;
  }

  function format(date, kind) {
    var month = pad(date.getMonth() + 1) + "-" + date.getFullYear();
    return kind === "month" ? month : pad(date.getDate()) + "-" + month;
  }

  function sameDay(a, b) {
    return a && b && a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() &&
      a.getDate() === b.getDate();
  }

  function button(text, label, className) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    if (label) { b.setAttribute("aria-label", label); }
    if (className) { b.className = className; }
    return b;
  }

  var counter = 0;

  function attach(input) {
    if (input.hasAttribute("data-datepicker-ready")) { return; }
    input.setAttribute("data-datepicker-ready", "");
    var kind = input.getAttribute("data-datepicker") === "month" ? "month" : "day";
    var wrap = document.createElement("span");
    wrap.className = "datepicker";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var toggle = button("", kind === "month" ? T.openMonth : T.openDay, "datepicker-toggle");
    toggle.innerHTML = ICON;
    toggle.setAttribute("aria-haspopup", "dialog");
    toggle.setAttribute("aria-expanded", "false");
    wrap.appendChild(toggle);

    var panel = null;
    var shown = null; // the first day of the month (or year) on display
    var focusDate = null;

    function choose(date) {
      input.value = format(date, kind);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
      close(false);
      input.focus();
    }

    function close(returnFocus) {
      if (!panel) { return; }
      panel.remove();
      panel = null;
      toggle.setAttribute("aria-expanded", "false");
      document.removeEventListener("mousedown", outside, true);
      if (returnFocus) { toggle.focus(); }
    }

    function outside(event) {
      if (panel && !wrap.contains(event.target)) { close(false); }
    }

    function header(title, prevLabel, nextLabel, step) {
      var head = document.createElement("div");
      head.className = "datepicker-head";
      var prev = button("‹", prevLabel, "datepicker-nav");
      var next = button("›", nextLabel, "datepicker-nav");
      var caption = document.createElement("span");
      caption.className = "datepicker-title";
      caption.id = panel.id + "-judul";
      caption.setAttribute("aria-live", "polite");
      caption.textContent = title;
      prev.addEventListener("click", function () { move(-step, false); });
      next.addEventListener("click", function () { move(step, false); });
      head.appendChild(prev);
      head.appendChild(caption);
      head.appendChild(next);
      return head;
    }

    function move(months, keepFocus) {
      shown = new Date(shown.getFullYear(), shown.getMonth() + months, 1);
      if (focusDate) {
        var day = kind === "month" ? 1 : Math.min(focusDate.getDate(),
          new Date(shown.getFullYear(), shown.getMonth() + 1, 0).getDate());
        focusDate = kind === "month" ?
          new Date(shown.getFullYear(), focusDate.getMonth(), 1) :
          new Date(shown.getFullYear(), shown.getMonth(), day);
      }
      render(keepFocus);
    }

    function render(focus) {
      var chosen = parse(input.value, kind);
      var today = new Date();
      panel.textContent = "";
      var body;
      if (kind === "month") {
        var year = shown.getFullYear();
        panel.appendChild(header(String(year), T.prevYear, T.nextYear, 12));
        body = document.createElement("div");
        body.className = "datepicker-months";
        T.short.forEach(function (name, m) {
          var date = new Date(year, m, 1);
          var b = button(name, T.months[m] + " " + year, "datepicker-cell");
          b.setAttribute("data-value", format(date, "month"));
          if (chosen && chosen.getFullYear() === year && chosen.getMonth() === m) {
            b.setAttribute("aria-pressed", "true");
          }
          if (today.getFullYear() === year && today.getMonth() === m) { b.classList.add("is-today"); }
          b.tabIndex = focusDate && focusDate.getMonth() === m ? 0 : -1;
          b.addEventListener("click", function () { choose(date); });
          body.appendChild(b);
        });
      } else {
        var y = shown.getFullYear(), mo = shown.getMonth();
        panel.appendChild(header(T.months[mo] + " " + y, T.prev, T.next, 1));
        body = document.createElement("div");
        body.className = "datepicker-days";
        body.setAttribute("role", "group");
        body.setAttribute("aria-labelledby", panel.id + "-judul");
        T.days.forEach(function (name) {
          var d = document.createElement("span");
          d.className = "datepicker-weekday";
          d.setAttribute("aria-hidden", "true");
          d.textContent = name;
          body.appendChild(d);
        });
        var offset = (new Date(y, mo, 1).getDay() + 6) % 7; // Monday first
        for (var i = 0; i < offset; i++) {
          body.appendChild(document.createElement("span"));
        }
        var last = new Date(y, mo + 1, 0).getDate();
        for (var day = 1; day <= last; day++) {
          (function (date) {
            var b = button(String(date.getDate()),
              date.getDate() + " " + T.months[mo] + " " + y, "datepicker-cell");
            b.setAttribute("data-value", format(date, "day"));
            if (sameDay(date, chosen)) { b.setAttribute("aria-pressed", "true"); }
            if (sameDay(date, today)) { b.classList.add("is-today"); }
            b.tabIndex = sameDay(date, focusDate) ? 0 : -1;
            b.addEventListener("click", function () { choose(date); });
            body.appendChild(b);
          })(new Date(y, mo, day));
        }
      }
      body.addEventListener("keydown", keys);
      panel.appendChild(body);
      var foot = document.createElement("div");
      foot.className = "datepicker-foot";
      var todayButton = button(T.today, null, "button-quiet-dark");
      todayButton.addEventListener("click", function () {
        choose(kind === "month" ? new Date(today.getFullYear(), today.getMonth(), 1) :
          new Date(today.getFullYear(), today.getMonth(), today.getDate()));
      });
      var closeButton = button(T.close, null, "button-quiet-dark");
      closeButton.addEventListener("click", function () { close(true); });
      foot.appendChild(todayButton);
      foot.appendChild(closeButton);
      panel.appendChild(foot);
      if (focus) {
        var target = panel.querySelector(".datepicker-cell[tabindex='0']");
        if (target) { target.focus(); }
      }
    }

    function keys(event) {
      if (!focusDate) { return; }
      var step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: kind === "month" ? -3 : -7,
        ArrowDown: kind === "month" ? 3 : 7 }[event.key];
      var next = null;
      if (step !== undefined) {
        next = kind === "month" ?
          new Date(focusDate.getFullYear(), focusDate.getMonth() + step, 1) :
          new Date(focusDate.getFullYear(), focusDate.getMonth(), focusDate.getDate() + step);
      } else if (event.key === "PageUp" || event.key === "PageDown") {
        var by = (event.key === "PageUp" ? -1 : 1) * (kind === "month" ? 12 : 1);
        next = new Date(focusDate.getFullYear(), focusDate.getMonth() + by,
          kind === "month" ? 1 : focusDate.getDate());
      } else {
        return;
      }
      event.preventDefault();
      focusDate = next;
      shown = kind === "month" ? new Date(next.getFullYear(), 0, 1) :
        new Date(next.getFullYear(), next.getMonth(), 1);
      render(true);
    }

    function open() {
      var chosen = parse(input.value, kind);
      var now = new Date();
      focusDate = chosen || (kind === "month" ? new Date(now.getFullYear(), now.getMonth(), 1) :
        new Date(now.getFullYear(), now.getMonth(), now.getDate()));
      shown = kind === "month" ? new Date(focusDate.getFullYear(), 0, 1) :
        new Date(focusDate.getFullYear(), focusDate.getMonth(), 1);
      panel = document.createElement("div");
      panel.className = "datepicker-panel";
      panel.id = "kalender-" + (++counter);
      panel.setAttribute("role", "dialog");
      panel.setAttribute("aria-label", kind === "month" ? T.openMonth : T.openDay);
      panel.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { event.preventDefault(); close(true); }
      });
      wrap.appendChild(panel);
      toggle.setAttribute("aria-expanded", "true");
      render(true);
      document.addEventListener("mousedown", outside, true);
    }

    toggle.addEventListener("click", function () {
      if (panel) { close(true); } else { open(); }
    });
  }

  function attachAll(root) {
    var inputs = (root || document).querySelectorAll("input[data-datepicker]");
    Array.prototype.forEach.call(inputs, attach);
  }

  attachAll(document);
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.querySelectorAll) { attachAll(target); }
  });
})();

/* On phones the menu (navigation, who is signed in, sign out) folds behind one "Menu" button in
 * the header bar. Without script, or on wider screens, it stays as it is. */
(function () {
  "use strict";
  var header = document.querySelector(".site-header");
  var bar = header && header.querySelector(".header-bar");
  var menu = header && header.querySelector(".header-user");
  if (!bar || !menu) { return; }
  var lang = (document.documentElement.getAttribute("lang") || "id").slice(0, 2);
  menu.id = menu.id || "menu-utama";
  var toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "menu-toggle";
  toggle.setAttribute("aria-controls", menu.id);
  toggle.setAttribute("aria-expanded", "false");
  toggle.innerHTML = '<svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true" focusable="false">' +
    '<path d="M3 5h14M3 10h14M3 15h14" stroke="currentColor" stroke-width="2" fill="none"/></svg>';
  toggle.appendChild(document.createTextNode(lang === "en" ? "Menu" : "Menu"));
  var switcher = bar.querySelector(".lang-switch");
  bar.insertBefore(toggle, switcher);
  header.classList.add("has-menu-toggle");
  toggle.addEventListener("click", function () {
    var open = menu.classList.toggle("is-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
