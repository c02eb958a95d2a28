// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // New-referral form: show the patient fields that apply to the choice made.
  function syncPatientChoice(form) {
    var chosen = form.querySelector('input[name="patient_choice"]:checked');
    var value = chosen ? chosen.value : "existing";
    form.querySelectorAll("[data-patient]").forEach(function (block) {
      block.hidden = block.getAttribute("data-patient") !== value;
    });
  }

  // The follow-up interval only matters when the specialist follows the patient.
  function syncFollowUp(form) {
    var follows = form.querySelector('input[name="specialist_follows"]');
    var interval = form.querySelector('input[name="update_interval_days"]');
    if (!follows || !interval) return;
    interval.closest(".field").hidden = !follows.checked;
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector('input[name="patient_choice"]')) {
      syncPatientChoice(form);
      form.addEventListener("change", function (event) {
        if (event.target.name === "patient_choice") syncPatientChoice(form);
      });
    }
    if (form.querySelector('input[name="specialist_follows"]')) {
      syncFollowUp(form);
      form.addEventListener("change", function (event) {
        if (event.target.name === "specialist_follows") syncFollowUp(form);
      });
    }
  });

  // Destructive buttons, and those that make something final (signing, issuing), ask once
  // more before acting.
  document.querySelectorAll("button.button-danger, button[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var question = button.getAttribute("data-confirm") || "This cannot be undone. Continue?";
      if (!window.confirm(question)) event.preventDefault();
    });
  });
})();
