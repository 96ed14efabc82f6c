/* Import pages: small helps for slow connections. Progressive enhancement only: every form works
 * without it. Loaded as a file (the Content-Security-Policy allows no inline script); texts come
 * from data-* attributes that the templates translate.
 *
 * - A file larger than the upload limit is refused before it is sent (data-max-bytes), instead of
 *   after minutes of uploading over a phone connection. The server checks again.
 * - A form marked data-busy-form disables its button once sent and shows data-busy-text, so a
 *   second tap does not upload the file twice.
 */
(function () {
  "use strict";

  function checkSize(input) {
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    var file = input.files && input.files[0];
    if (limit && file && file.size > limit) {
      input.setCustomValidity(input.getAttribute("data-too-large-text") || "");
      input.reportValidity();
    } else {
      input.setCustomValidity("");
    }
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.matches && input.matches("input[type=file][data-max-bytes]")) {
      checkSize(input);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-busy-form") || event.defaultPrevented) {
      return;
    }
    var button = form.querySelector("button[type=submit]");
    if (!button) {
      return;
    }
    // After this tick, so the button's own name/value still goes with the form.
    window.setTimeout(function () {
      button.disabled = true;
      button.setAttribute("data-idle-text", button.textContent);
      if (button.getAttribute("data-busy-text")) {
        button.textContent = button.getAttribute("data-busy-text");
      }
    }, 0);
  });

  // Back to a page from the browser's cache: the buttons work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[data-idle-text]").forEach(function (button) {
      button.disabled = false;
      button.textContent = button.getAttribute("data-idle-text");
      button.removeAttribute("data-idle-text");
    });
  });
})();
