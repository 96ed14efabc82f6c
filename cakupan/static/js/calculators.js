/* Calculator forms: hide what does not apply. Progressive enhancement only; the server checks the
 * same rules (JP/JKP only for PU, risk class for PU) and every field works without this file. */
(function () {
  "use strict";

  // Contribution: BPU has no JP, no JKP and no JKK risk class.
  var contribution = document.querySelector("[data-contribution-form]");
  if (contribution) {
    var puOnly = contribution.querySelectorAll('input[name="programmes"][value="jp"], input[name="programmes"][value="jkp"]');
    var risk = contribution.querySelector('[name="risk_class"]');
    var syncScheme = function () {
      var checked = contribution.querySelector('input[name="scheme"]:checked');
      var bpu = checked && checked.value === "bpu";
      puOnly.forEach(function (box) {
        if (bpu) {
          box.checked = false;
        }
        box.disabled = bpu;
      });
      if (risk) {
        risk.disabled = bpu;
      }
    };
    contribution.querySelectorAll('input[name="scheme"]').forEach(function (radio) {
      radio.addEventListener("change", syncScheme);
    });
    syncScheme();
  }

  // Benefit: show only the fields the chosen benefit type uses (data-for lists the types).
  var benefit = document.querySelector("[data-benefit-form]");
  if (benefit) {
    var type = benefit.querySelector('[name="type"]');
    var optional = benefit.querySelectorAll("[data-for]");
    var children = benefit.querySelector("[data-children]");
    var syncType = function () {
      var chosen = type ? type.value : "";
      var anyChild = false;
      optional.forEach(function (input) {
        var wrap = input.closest(".field") || input;
        var used = (input.getAttribute("data-for") || "").split(" ").indexOf(chosen) !== -1;
        // A field with an error message stays visible so the message is never hidden.
        wrap.hidden = !used && !wrap.classList.contains("field-invalid");
        if (used && input.name.indexOf("child_") === 0) {
          anyChild = true;
        }
      });
      if (children) {
        children.hidden = !anyChild;
      }
    };
    if (type) {
      type.addEventListener("change", syncType);
      syncType();
    }
  }
})();
