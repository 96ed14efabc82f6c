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
