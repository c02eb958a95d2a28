// django-celery-beat's periodic task form: shows the chosen crontab in words under the field.
// Its own template does this in an inline script, which the Content Security Policy blocks.
(function () {
  "use strict";
  var $ = window.django && window.django.jQuery;
  var script = document.getElementById("periodic-task-overrides");
  var data = document.getElementById("readable-crontabs");
  if (!$ || !script || !data) return;
  var readableCrontabs = JSON.parse(data.textContent);
  var originalHelp = script.getAttribute("data-crontab-help") || "";

  $(function () {
    $(".field-crontab_translation").hide();
    $(".field-crontab").change(function () {
      var help = $(".field-crontab .help").first();
      help.text(originalHelp);
      var translation = readableCrontabs[$("#id_crontab").val()];
      if (translation) help.append("<br>", document.createTextNode("Translation: " + translation));
    });
  });
})();
